#!/usr/bin/env python3
"""A local Slack for the gateway's tests: the Web API (`apps.connections.open` with the app
token, `auth.test`, `chat.postMessage`, `chat.update` with the bot token; `invalid_auth` for
another; 429 with Retry-After on demand; response_url posts) and Socket Mode's WebSocket
(`hello`, `events_api` and `interactive` envelopes, each delivered again on the next
connection until acknowledged with its envelope_id; `disconnect`), plus a control API:

  POST /_test/message {channel, user, text, channel_type: im|channel, thread_ts?, mention?, file?: {name, mime, base64}}
        a user writes; in a channel with mention, Slack sends both a message and an app_mention event
  POST /_test/button  {channel, user, value, message_ts, thread_ts?}   a user presses a button
  POST /_test/rate_limit {method, count}   the next `count` calls of method get 429
  POST /_test/disconnect                   Slack asks the app to reconnect (refresh_requested)
  POST /_test/drop                         the connection breaks (no close frame)
  GET  /_test/sent                         every Web API call the bot made, in order
  GET  /_test/state                        connections, acknowledged and pending envelope ids

Binds 127.0.0.1 only.
"""
import argparse, base64, hashlib, json, threading, time, urllib.parse
import fakekit

APP_TOKEN = BOT_TOKEN = None
BOT_USER = "UBOT00001"
LOCK = threading.Lock()
SENT = []
LIMITS = {}
PENDING = []      # envelopes not yet acknowledged: (envelope_id, text)
ACKED = []
SOCKET = [None]
STATE = {"connections": 0}
TS = [1700000000.000100]
FILES = {}        # file id -> bytes: what users shared (url_private_download) and what the bot uploaded


def next_ts():
    with LOCK:
        TS[0] += 0.0001
        return "%.6f" % TS[0]


def enqueue(kind, payload):
    with LOCK:
        eid = "env-%d" % (len(PENDING) + len(ACKED) + 1)
        text = json.dumps({"envelope_id": eid, "type": kind, "payload": payload, "accepts_response_payload": False, "retry_attempt": 0})
        PENDING.append((eid, text))
        ws = SOCKET[0]
    if ws is not None and not ws.closed:
        try:
            ws.send(text)
        except fakekit.Closed:
            pass
    return eid


class Handler(fakekit.JSONHandler):
    def reply(self, status, obj, headers=None):
        self.send_json(status, obj, headers)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        self.raw = raw
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
        if self.path.startswith("/upload/"):
            return {}
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def do_GET(self):
        if self.path == "/_test/sent":
            with LOCK:
                return self.reply(200, SENT)
        if self.path == "/_test/state":
            with LOCK:
                return self.reply(200, {"connections": STATE["connections"], "acked": ACKED, "pending": [e for e, _ in PENDING]})
        if self.path.startswith("/link"):
            return self.socket()
        if self.path.startswith("/files-pri/"):
            fid = self.path[len("/files-pri/"):].split("/")[0]
            if self.headers.get("Authorization") != "Bearer " + BOT_TOKEN or fid not in FILES:
                page = b"<html><body>Sign in to Slack</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(FILES[fid])))
            self.end_headers()
            self.wfile.write(FILES[fid])
            return
        self.reply(404, {"ok": False, "error": "unknown_method"})

    def do_POST(self):
        d = self.body()
        if self.path.startswith("/_test/"):
            return self.control(self.path[len("/_test/"):], d or {})
        if self.path.startswith("/upload/"):
            fid = self.path[len("/upload/"):]
            with LOCK:
                FILES[fid] = self.raw
            return self.reply(200, {"ok": True})
        if self.path.startswith("/response/"):
            with LOCK:
                SENT.append({"method": "response_url", "path": self.path, "body": d})
            return self.reply(200, {"ok": True})
        if not self.path.startswith("/api/"):
            return self.reply(404, {"ok": False, "error": "unknown_method"})
        method = self.path[len("/api/"):]
        auth = self.headers.get("Authorization", "")
        want = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if auth != "Bearer " + want:
            return self.reply(200, {"ok": False, "error": "invalid_auth"})
        if d is None:
            return self.reply(200, {"ok": False, "error": "invalid_json"})
        with LOCK:
            if LIMITS.get(method, 0) > 0:
                LIMITS[method] -= 1
                SENT.append({"method": method, "body": d, "limited": True})
                return self.reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
        if method == "apps.connections.open":
            host, port = self.server.server_address
            return self.reply(200, {"ok": True, "url": "ws://%s:%d/link/?ticket=t%d" % (host, port, time.time_ns())})
        if method == "auth.test":
            return self.reply(200, {"ok": True, "user_id": BOT_USER, "user": "talaria", "team_id": "T1", "bot_id": "B1"})
        if method == "files.getUploadURLExternal":
            if not d.get("filename") or not d.get("length"):
                return self.reply(200, {"ok": False, "error": "invalid_arguments"})
            host, port = self.server.server_address
            fid = "F%d" % (len(FILES) + 1000)
            with LOCK:
                SENT.append({"method": method, "body": d})
            return self.reply(200, {"ok": True, "upload_url": "http://%s:%d/upload/%s" % (host, port, fid), "file_id": fid})
        if method == "files.completeUploadExternal":
            files = d.get("files") or []
            with LOCK:
                got = [FILES.get(f.get("id")) for f in files]
                if not files or any(g is None for g in got):
                    return self.reply(200, {"ok": False, "error": "file_not_found"})
                SENT.append({"method": method, "body": d, "uploaded": [{"id": f["id"], "size": len(g), "sha256": hashlib.sha256(g).hexdigest()}
                                                                      for f, g in zip(files, got)]})
            return self.reply(200, {"ok": True, "files": [{"id": f["id"]} for f in files]})
        if method in ("chat.postMessage", "chat.update"):
            text = d.get("text", "")
            if not text and not d.get("blocks"):
                return self.reply(200, {"ok": False, "error": "no_text"})
            if len(text) > 40000:
                return self.reply(200, {"ok": False, "error": "msg_too_long"})
            for b in d.get("blocks") or []:
                if b.get("type") == "section" and len(b.get("text", {}).get("text", "")) > 3000:
                    return self.reply(200, {"ok": False, "error": "invalid_blocks"})
            ts = next_ts() if method == "chat.postMessage" else d.get("ts")
            with LOCK:
                SENT.append({"method": method, "body": d, "ts": ts})
            return self.reply(200, {"ok": True, "channel": d.get("channel"), "ts": ts, "message": {"text": text, "ts": ts}})
        self.reply(200, {"ok": False, "error": "unknown_method"})

    def socket(self):
        ws = fakekit.WebSocket(self)
        with LOCK:
            STATE["connections"] += 1
            old, SOCKET[0] = SOCKET[0], ws
            backlog = [t for _, t in PENDING]
        if old is not None:
            old.drop()
        try:
            ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"},
                                "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
            for t in backlog:
                ws.send(t)
            while True:
                msg = json.loads(ws.recv())
                eid = msg.get("envelope_id")
                with LOCK:
                    for i, (e, _) in enumerate(PENDING):
                        if e == eid:
                            del PENDING[i]
                            ACKED.append(eid)
                            break
        except (fakekit.Closed, ValueError, OSError):
            pass
        finally:
            with LOCK:
                if SOCKET[0] is ws:
                    SOCKET[0] = None

    def control(self, what, d):
        if what == "message":
            ts = next_ts()
            channel, kind = str(d["channel"]), d.get("channel_type", "im")
            text = ("<@%s> " % BOT_USER if d.get("mention") else "") + d["text"]
            event = {"type": "message", "channel": channel, "user": str(d["user"]), "text": text, "ts": ts,
                     "channel_type": kind, "event_ts": ts}
            if d.get("thread_ts"):
                event["thread_ts"] = d["thread_ts"]
            if d.get("file"):
                f = d["file"]
                fid = "FU%d" % (len(FILES) + 1)
                with LOCK:
                    FILES[fid] = base64.b64decode(f["base64"])
                host, port = self.server.server_address
                event["subtype"] = "file_share"
                event["files"] = [{"id": fid, "name": f["name"], "mimetype": f["mime"], "size": len(FILES[fid]),
                                   "url_private_download": "http://%s:%d/files-pri/%s/%s" % (host, port, fid, urllib.parse.quote(f["name"]))}]
            enqueue("events_api", {"type": "event_callback", "event_id": "Ev" + ts, "event": event})
            if d.get("mention") and kind != "im":
                mention = dict(event, type="app_mention")
                del mention["channel_type"]
                enqueue("events_api", {"type": "event_callback", "event_id": "Ev" + ts + "m", "event": mention})
            return self.reply(200, {"ts": ts})
        if what == "button":
            host, port = self.server.server_address
            ts = next_ts()
            message = {"ts": d.get("message_ts", "0")}
            if d.get("thread_ts"):
                message["thread_ts"] = d["thread_ts"]
            enqueue("interactive", {"type": "block_actions", "trigger_id": "trig" + ts,
                                    "user": {"id": str(d["user"]), "username": d.get("username", "alice")},
                                    "channel": {"id": str(d["channel"])}, "message": message,
                                    "response_url": "http://%s:%d/response/%s" % (host, port, ts),
                                    "actions": [{"type": "button", "action_id": d["value"], "value": d["value"], "action_ts": ts}]})
            return self.reply(200, {})
        if what == "rate_limit":
            with LOCK:
                LIMITS[d["method"]] = int(d.get("count", 1))
            return self.reply(200, {})
        if what in ("disconnect", "drop"):
            with LOCK:
                ws = SOCKET[0]
            if ws is not None:
                if what == "disconnect":
                    ws.send(json.dumps({"type": "disconnect", "reason": "refresh_requested"}))
                else:
                    ws.drop()
            return self.reply(200, {})
        self.reply(404, {})


def main():
    global APP_TOKEN, BOT_TOKEN
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--app-token", required=True)
    ap.add_argument("--bot-token", required=True)
    a = ap.parse_args()
    APP_TOKEN, BOT_TOKEN = a.app_token, a.bot_token
    fakekit.serve(Handler, a.port_file)


if __name__ == "__main__":
    main()
