"""What the platform fakes share: the server side of RFC 6455 (Discord's Gateway, Slack's
Socket Mode: the upgrade handshake on an http.server request, text frames both ways, client
frames masked, fragments joined, ping answered, close) and multipart/form-data uploads.
Standard library only."""
import base64, hashlib, json, os, struct, threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JSONHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, quiet, with a JSON answer (no body when `obj` is None)."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, headers=None):
        data = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


def serve(handler, port_file):
    """Serves on a free loopback port, written to `port_file` (atomically) once listening."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


def multipart(content_type, body):
    """The parts of a multipart/form-data body: name -> {"filename", "type", "data" (bytes)}."""
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    out = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        out[name] = {"filename": part.get_filename(), "type": part.get_content_type(), "data": part.get_payload(decode=True) or b""}
    return out

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Closed(Exception):
    pass


class WebSocket:
    def __init__(self, handler):
        """Answers the upgrade of `handler` (a BaseHTTPRequestHandler in do_GET)."""
        key = handler.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        handler.send_response(101, "Switching Protocols")
        handler.send_header("Upgrade", "websocket")
        handler.send_header("Connection", "Upgrade")
        handler.send_header("Sec-WebSocket-Accept", accept)
        handler.end_headers()
        handler.wfile.flush()
        handler.close_connection = True
        self.rfile, self.wfile, self.sock = handler.rfile, handler.wfile, handler.connection
        self.lock = threading.Lock()
        self.closed = False

    def _exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.rfile.read(n - len(data))
            if not chunk:
                raise Closed()
            data += chunk
        return data

    def _frame(self):
        b0, b1 = self._exact(2)
        opcode, masked, n = b0 & 0x0F, b1 & 0x80, b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._exact(8))[0]
        mask = self._exact(4) if masked else b"\0\0\0\0"
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(self._exact(n)))
        return b0 & 0x80, opcode, payload

    def recv(self):
        """The next text (or binary) message; raises Closed when the peer closes."""
        parts = []
        while True:
            fin, opcode, payload = self._frame()
            if opcode == 8:
                self.send_raw(8, payload[:2])
                self.closed = True
                raise Closed()
            if opcode == 9:
                self.send_raw(10, payload)
                continue
            if opcode == 10:
                continue
            parts.append(payload)
            if fin:
                return b"".join(parts).decode("utf-8", "replace")

    def send_raw(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        with self.lock:
            try:
                self.wfile.write(head + payload)
                self.wfile.flush()
            except (OSError, ValueError):
                self.closed = True
                raise Closed()

    def send(self, text):
        self.send_raw(1, text.encode())

    def close(self, code=1000):
        try:
            self.send_raw(8, struct.pack("!H", code))
        except Closed:
            pass
        self.closed = True

    def drop(self):
        """Ends the connection without a close frame (a network failure)."""
        import socket
        self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
