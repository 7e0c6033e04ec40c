#!/usr/bin/env python3
"""A local WhatsApp Cloud API for the gateway's tests: the Graph API's send
(POST /v21.0/<PHONE_ID>/messages with a bearer token; 401 for another), and Meta's side of the
webhook: the control API builds a delivery in the real shape, signs it with the app secret
(X-Hub-Signature-256) and POSTs it to the gateway's webhook, reporting the status it got.

  POST /_test/deliver {webhook, secret, from, name, text | button_id, bad_signature?}
  GET  /_test/sent          every message the bot sent, in order

Binds 127.0.0.1 only; writes its port to --port-file."""
import argparse, hashlib, hmac, json, os, threading, time, urllib.request, urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = PHONE = None
LOCK = threading.Lock()
SENT = []
COUNT = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, obj, status=200):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_test/sent":
            with LOCK:
                return self.reply(SENT)
        self.reply({"error": {"message": "Unknown path", "code": 100}}, 404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        d = json.loads(self.rfile.read(n) or b"{}")
        if self.path == "/_test/deliver":
            return self.deliver(d)
        if self.path != "/v21.0/%s/messages" % PHONE:
            return self.reply({"error": {"message": "Unknown path components", "code": 2500}}, 400)
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.reply({"error": {"message": "Invalid OAuth access token", "type": "OAuthException", "code": 190}}, 401)
        if d.get("messaging_product") != "whatsapp" or not d.get("to"):
            return self.reply({"error": {"message": "(#100) Invalid parameter", "code": 100}}, 400)
        if d.get("type") == "interactive" and len(d["interactive"]["action"]["buttons"]) > 3:
            return self.reply({"error": {"message": "(#131009) Parameter value is not valid: buttons", "code": 131009}}, 400)
        with LOCK:
            COUNT[0] += 1
            mid = "wamid.out%d" % COUNT[0]
            SENT.append({"id": mid, "body": d})
        self.reply({"messaging_product": "whatsapp", "contacts": [{"input": d["to"], "wa_id": d["to"]}], "messages": [{"id": mid}]})

    def deliver(self, d):
        with LOCK:
            COUNT[0] += 1
            mid = "wamid.in%d" % COUNT[0]
        msg = {"from": d["from"], "id": mid, "timestamp": str(int(time.time()))}
        if "button_id" in d:
            msg.update({"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": d["button_id"], "title": "Once"}}})
        else:
            msg.update({"type": "text", "text": {"body": d["text"]}})
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE},
            "contacts": [{"profile": {"name": d.get("name", "alice")}, "wa_id": d["from"]}], "messages": [msg]}}]}]}).encode()
        sig = hmac.new(d["secret"].encode(), body, hashlib.sha256).hexdigest()
        if d.get("bad_signature"):
            sig = "0" * 64
        req = urllib.request.Request(d["webhook"], data=body, method="POST",
                                     headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + sig})
        try:
            status = urllib.request.urlopen(req, timeout=20).status
        except urllib.error.HTTPError as e:
            status = e.code
        self.reply({"status": status, "id": mid})


def main():
    global TOKEN, PHONE
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--phone", required=True)
    a = ap.parse_args()
    TOKEN, PHONE = a.token, a.phone
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
