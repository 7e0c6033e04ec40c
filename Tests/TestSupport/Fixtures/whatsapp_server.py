#!/usr/bin/env python3
"""A local WhatsApp Cloud API for the gateway's tests: the Graph API's send
(POST /v21.0/<PHONE_ID>/messages with a bearer token; 401 for another), and Meta's side of the
webhook: the control API builds a delivery in the real shape, signs it with the app secret
(X-Hub-Signature-256) and POSTs it to the gateway's webhook, reporting the status it got.

  POST /_test/deliver {webhook, secret, from, name, text | button_id, file?: {name, mime, base64}, bad_signature?}
  GET  /_test/sent          every message the bot sent, in order

Binds 127.0.0.1 only; writes its port to --port-file."""
import argparse, base64, hashlib, hmac, json, os, threading, time, urllib.request, urllib.error
import fakekit

TOKEN = PHONE = None
LOCK = threading.Lock()
SENT = []
COUNT = [0]
MEDIA = {}        # media id -> (mime, bytes): what users sent and what the bot uploaded


class Handler(fakekit.JSONHandler):
    def reply(self, obj, status=200):
        self.send_json(status, obj)

    def do_GET(self):
        if self.path == "/_test/sent":
            with LOCK:
                return self.reply(SENT)
        authorized = self.headers.get("Authorization") == "Bearer " + TOKEN
        if self.path.startswith("/media-bytes/") and authorized and self.path[len("/media-bytes/"):] in MEDIA:
            mime, data = MEDIA[self.path[len("/media-bytes/"):]]
            self.send_response(200)
            self.send_header("Content-Type", mime)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        mid = self.path[len("/v21.0/"):] if self.path.startswith("/v21.0/") else None
        if mid in MEDIA:
            if not authorized:
                return self.reply({"error": {"message": "Invalid OAuth access token", "type": "OAuthException", "code": 190}}, 401)
            host, port = self.server.server_address
            return self.reply({"messaging_product": "whatsapp", "id": mid, "mime_type": MEDIA[mid][0], "file_size": len(MEDIA[mid][1]),
                               "url": "http://%s:%d/media-bytes/%s" % (host, port, mid)})
        self.reply({"error": {"message": "Unknown path", "code": 100}}, 404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) or b"{}"
        if self.path == "/v21.0/%s/media" % PHONE:
            if self.headers.get("Authorization") != "Bearer " + TOKEN:
                return self.reply({"error": {"message": "Invalid OAuth access token", "type": "OAuthException", "code": 190}}, 401)
            parts = fakekit.multipart(self.headers.get("Content-Type", ""), raw)
            if "file" not in parts or parts.get("messaging_product", {}).get("data") != b"whatsapp":
                return self.reply({"error": {"message": "(#100) The parameter file is required", "code": 100}}, 400)
            with LOCK:
                COUNT[0] += 1
                mid = "media.out%d" % COUNT[0]
                MEDIA[mid] = (parts["file"]["type"], parts["file"]["data"])
                SENT.append({"upload": mid, "name": parts["file"]["filename"], "sha256": hashlib.sha256(parts["file"]["data"]).hexdigest()})
            return self.reply({"id": mid})
        d = json.loads(raw)
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
        if d.get("file"):
            f = d["file"]
            with LOCK:
                COUNT[0] += 1
                media = "media.in%d" % COUNT[0]
                MEDIA[media] = (f["mime"], base64.b64decode(f["base64"]))
            kind = "image" if f["mime"].startswith("image/") else "document"
            body = {"id": media, "mime_type": f["mime"], "sha256": "x"}
            if kind == "document":
                body["filename"] = f["name"]
            if d.get("text"):
                body["caption"] = d["text"]
            msg.update({"type": kind, kind: body})
        elif "button_id" in d:
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
    fakekit.serve(Handler, a.port_file)


if __name__ == "__main__":
    main()
