#!/usr/bin/env python3
"""A loopback stand-in for Hugging Face (stdlib only): its file-list API and its downloads.

  GET /api/models/OWNER/REPO/tree/main   the files of --dir as the Hub lists them (type, path,
                                         size, lfs.oid = sha256, lfs.size)
  GET /OWNER/REPO/resolve/main/PATH      302 to /files/PATH (the Hub redirects to its CDN)
  GET /files/PATH                        the file, honouring Range (206) unless --ignore-range;
                                         with --cut-after N the first response of each file
                                         stops after N bytes and drops the connection
  GET /log                               JSON: every request's path and Range header

--port-file FILE receives the bound port. Exits when its parent does.
"""
import argparse, hashlib, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = []
CUT_DONE = set()
LOCK = threading.Lock()


def files(root):
    out = []
    for name in sorted(os.listdir(root)):
        p = os.path.join(root, name)
        if os.path.isfile(p):
            data = open(p, "rb").read()
            out.append({"type": "file", "path": name, "size": len(data),
                        "lfs": {"oid": hashlib.sha256(data).hexdigest(), "size": len(data)}})
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        with LOCK:
            LOG.append({"path": self.path, "range": self.headers.get("Range"), "auth": self.headers.get("Authorization")})
        if self.path == "/log":
            return self.json(200, LOG)
        if self.path.startswith("/api/models/") and "/tree/main" in self.path:
            if ARGS.status:
                return self.json(ARGS.status, {"error": "nope"})
            return self.json(200, files(ARGS.dir))
        if "/resolve/main/" in self.path:
            name = self.path.split("/resolve/main/", 1)[1]
            self.send_response(302)
            self.send_header("Location", "/files/" + name)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/files/"):
            path = os.path.join(ARGS.dir, self.path[len("/files/"):])
            if not os.path.isfile(path):
                return self.json(404, {"error": "no such file"})
            data = open(path, "rb").read()
            if ARGS.corrupt:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            start = 0
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes=") and not ARGS.ignore_range:
                start = int(rng[6:].split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with LOCK:
                cut = ARGS.cut_after and path not in CUT_DONE
                if cut:
                    CUT_DONE.add(path)
            if cut:
                self.wfile.write(body[:ARGS.cut_after])
                self.wfile.flush()
                time.sleep(0.05)
                self.close_connection = True
                try:
                    self.connection.shutdown(2)
                except OSError:
                    pass
                return
            self.wfile.write(body)
            return
        self.json(404, {"error": "not found"})

    def json(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--cut-after", type=int, default=0)
    p.add_argument("--ignore-range", action="store_true")
    p.add_argument("--corrupt", action="store_true")
    p.add_argument("--status", type=int, default=0)
    ARGS = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(0)
    threading.Thread(target=watch, daemon=True).start()
    srv.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
