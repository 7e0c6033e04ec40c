#!/usr/bin/env python3
"""A local signal-cli JSON-RPC daemon (`signal-cli daemon --http --receive-mode manual`) for the
gateway's tests: POST /api/v1/rpc with the real methods and shapes — receive (long-polled, what
arrived is returned once), send (recipient or groupId, message, editTimestamp; answers
{timestamp}), sendTyping — and JSON-RPC errors for an unknown account. Control API:

  POST /_test/message {source, name, text, group?, file?: {name, mime, base64}}   someone writes to the bot's number
  GET  /_test/sent                                   every call the bot made, in order

Binds 127.0.0.1 only; writes its port to --port-file."""
import argparse, base64, hashlib, json, os, threading, time
import fakekit

ACCOUNT = None
COND = threading.Condition()
INBOX = []
SENT = []
STAMP = [1_800_000_000_000]
ATTACHMENTS = {}  # id -> bytes (what people sent; getAttachment answers them)


def stamp():
    STAMP[0] += 1
    return STAMP[0]


class Handler(fakekit.JSONHandler):
    def reply(self, obj, status=200):
        self.send_json(status, obj)

    def do_GET(self):
        if self.path == "/_test/sent":
            with COND:
                return self.reply(SENT)
        self.reply({"error": "not found"}, 404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        try:
            d = json.loads(self.rfile.read(n) or b"{}")
        except ValueError:
            return self.reply({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}})
        if self.path == "/_test/message":
            msg = {"timestamp": stamp(), "message": d["text"] or None}
            if d.get("file"):
                f = d["file"]
                aid = "att%d" % (len(ATTACHMENTS) + 1)
                ATTACHMENTS[aid] = base64.b64decode(f["base64"])
                msg["attachments"] = [{"contentType": f["mime"], "filename": f["name"], "id": aid, "size": len(ATTACHMENTS[aid])}]
            if d.get("group"):
                msg["groupInfo"] = {"groupId": d["group"], "type": "DELIVER"}
            env = {"envelope": {"source": d["source"], "sourceNumber": d["source"], "sourceName": d.get("name", ""),
                                "timestamp": msg["timestamp"], "dataMessage": msg}, "account": ACCOUNT}
            with COND:
                INBOX.append(env)
                # A receipt and a typing notice come too; the gateway must ignore them.
                INBOX.append({"envelope": {"source": d["source"], "timestamp": stamp(), "typingMessage": {"action": "STARTED"}}})
                COND.notify_all()
            return self.reply({"ok": True})
        if self.path != "/api/v1/rpc":
            return self.reply({"error": "not found"}, 404)
        rid, method, params = d.get("id"), d.get("method"), d.get("params") or {}
        if params.get("account") != ACCOUNT:
            return self.reply({"jsonrpc": "2.0", "id": rid, "error": {"code": -1, "message": "Unknown account: %s" % params.get("account")}})
        if method == "receive":
            deadline = time.time() + min(float(params.get("timeout", 1)), 1.0)
            with COND:
                while not INBOX and time.time() < deadline:
                    COND.wait(deadline - time.time())
                out = INBOX[:]
                INBOX.clear()
            return self.reply({"jsonrpc": "2.0", "id": rid, "result": out})
        if method == "getAttachment":
            data = ATTACHMENTS.get(params.get("id"))
            if data is None or not (params.get("recipient") or params.get("groupId")):
                return self.reply({"jsonrpc": "2.0", "id": rid, "error": {"code": -1, "message": "Attachment not found"}})
            return self.reply({"jsonrpc": "2.0", "id": rid, "result": {"data": base64.b64encode(data).decode()}})
        if method in ("send", "sendTyping"):
            with COND:
                entry = {"method": method, "params": params}
                files = []
                for uri in params.get("attachments") or []:
                    head, _, b64 = uri.partition(",")
                    meta = head[len("data:"):].split(";")
                    data = base64.b64decode(b64)
                    files.append({"type": meta[0], "name": next((m[len("filename="):] for m in meta if m.startswith("filename=")), None),
                                  "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
                if files:
                    entry["files"] = files
                    params["attachments"] = ["(%d)" % len(files)]
                if method == "send":
                    if not params.get("message") and not files:
                        return self.reply({"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": "No message given"}})
                    entry["timestamp"] = params.get("editTimestamp") or stamp()
                SENT.append(entry)
            return self.reply({"jsonrpc": "2.0", "id": rid, "result": {"timestamp": entry.get("timestamp", 0), "results": []} if method == "send" else {}})
        self.reply({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}})


def main():
    global ACCOUNT
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--account", required=True)
    a = ap.parse_args()
    ACCOUNT = a.account
    fakekit.serve(Handler, a.port_file)


if __name__ == "__main__":
    main()
