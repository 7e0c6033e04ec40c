#!/usr/bin/env python3
"""A local Discord for the gateway's tests: the REST API (`/api/v10/gateway/bot`,
`/channels/{id}/messages` POST/GET?after, PATCH `/channels/{id}/messages/{mid}`,
`/channels/{id}/typing`, `/interactions/{id}/{token}/callback`; 401 for another token; 429 with
retry_after on demand; 2,000-character messages) and the Gateway WebSocket (Hello, Identify →
READY, heartbeats and their ACKs, Resume → the missed dispatches then RESUMED, close 4004 for a
bad token), plus a control API for the test:

  POST /_test/message {channel, user, username, text, guild?, mention?, file?: {name, mime, base64}}
                                            a user writes (a file becomes an attachment on the local CDN)
  POST /_test/button  {channel, user, username, custom_id, message_id}   a user presses a button
  POST /_test/rate_limit {route, count}     the next `count` REST calls whose path holds `route` get 429
  POST /_test/drop                          the Gateway connection breaks (no close frame)
  GET  /_test/sent                          every REST call the bot made, in order
  GET  /_test/state                         identifies, resumes, heartbeats, connected

A message sent while no bot is connected is kept in its channel's history only (as Discord
does: the Gateway never replays it to a new session). Binds 127.0.0.1 only.
"""
import argparse, base64, hashlib, json, threading, time, urllib.parse
import fakekit

TOKEN = None
BOT_ID = "900000000000000001"
LOCK = threading.Lock()
HISTORY = {}      # channel -> [message]
SENT = []
LIMITS = {}
NEXT = [1000000000000000000]
STATE = {"identifies": 0, "resumes": 0, "heartbeats": 0, "connected": False}
SOCKET = [None]   # the connected client's WebSocket
EVENTS = []       # dispatches of the current session: (seq, text)
SESSION = {"id": None}
HEARTBEAT_MS = [45000]
ATTACHMENTS = {}  # "id/name" -> bytes (what users sent, as the CDN serves it)


def snowflake():
    with LOCK:
        NEXT[0] += 1
        return str(NEXT[0])


def dispatch(t, d):
    with LOCK:
        seq = len(EVENTS) + 1
        text = json.dumps({"op": 0, "t": t, "s": seq, "d": d})
        EVENTS.append((seq, text))
        ws = SOCKET[0]
    if ws is not None and not ws.closed:
        try:
            ws.send(text)
        except fakekit.Closed:
            pass


def user_obj(d):
    return {"id": str(d["user"]), "username": d.get("username", "user"), "global_name": d.get("username", "user")}


class Handler(fakekit.JSONHandler):
    def reply(self, status, obj=None, headers=None):
        self.send_json(status, obj, headers)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("multipart/form-data"):
            parts = fakekit.multipart(kind, raw)
            try:
                d = json.loads(parts.get("payload_json", {}).get("data") or b"{}")
            except ValueError:
                return None
            f = parts.get("files[0]")
            if f:
                d["_file"] = {"name": f["filename"], "type": f["type"], "size": len(f["data"]), "sha256": hashlib.sha256(f["data"]).hexdigest()}
            return d
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def authorized(self):
        return self.headers.get("Authorization") == "Bot " + TOKEN

    def do_GET(self):
        path, _, query = self.path.partition("?")
        if path == "/_test/sent":
            with LOCK:
                return self.reply(200, SENT)
        if path == "/_test/state":
            with LOCK:
                return self.reply(200, dict(STATE))
        if path.rstrip("/") == "/gw":
            return self.gateway()
        if path.startswith("/attachments/"):
            data = ATTACHMENTS.get(urllib.parse.unquote(path[len("/attachments/"):]))
            if data is None:
                return self.reply(404, {"message": "404: Not Found", "code": 0})
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.rest("GET", path, urllib.parse.parse_qs(query), {})

    def do_POST(self):
        d = self.body()
        if self.path.startswith("/_test/"):
            return self.control(self.path[len("/_test/"):], d or {})
        path, _, query = self.path.partition("?")
        self.rest("POST", path, urllib.parse.parse_qs(query), d)

    def do_PATCH(self):
        d = self.body()
        self.rest("PATCH", self.path, {}, d)

    def rest(self, method, path, query, d):
        if not path.startswith("/api/v10/"):
            return self.reply(404, {"message": "404: Not Found", "code": 0})
        route = path[len("/api/v10"):]
        if not self.authorized():
            return self.reply(401, {"message": "401: Unauthorized", "code": 0})
        if d is None:
            return self.reply(400, {"message": "The request body contains invalid JSON.", "code": 50109})
        with LOCK:
            for key in list(LIMITS):
                if key in route and LIMITS[key] > 0:
                    LIMITS[key] -= 1
                    SENT.append({"method": method, "path": route, "body": d, "limited": True})
                    return self.reply(429, {"message": "You are being rate limited.", "retry_after": 0.3, "global": False},
                                      {"Retry-After": "1", "X-RateLimit-Scope": "user"})
        parts = route.strip("/").split("/")
        if route == "/gateway/bot":
            host, port = self.server.server_address
            return self.reply(200, {"url": "ws://%s:%d/gw" % (host, port), "shards": 1,
                                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
        if len(parts) >= 3 and parts[0] == "channels" and parts[2] == "messages":
            channel = parts[1]
            if method == "GET":
                after = int((query.get("after") or ["0"])[0])
                limit = int((query.get("limit") or ["50"])[0])
                with LOCK:
                    found = [m for m in HISTORY.get(channel, []) if int(m["id"]) > after][:limit]
                return self.reply(200, list(reversed(found)))   # newest first, as Discord answers
            content = (d or {}).get("content", "")
            if len(content) > 2000:
                return self.reply(400, {"message": "Invalid Form Body", "code": 50035,
                                        "errors": {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}})
            if method == "POST" and len(parts) == 3:
                if not content and "_file" not in d:
                    return self.reply(400, {"message": "Cannot send an empty message", "code": 50006})
                mid = snowflake()
                msg = {"id": mid, "channel_id": channel, "content": content, "components": d.get("components", []),
                       "author": {"id": BOT_ID, "username": "talaria", "bot": True}}
                with LOCK:
                    SENT.append({"method": method, "path": route, "body": d, "id": mid})
                    HISTORY.setdefault(channel, []).append(msg)
                return self.reply(200, msg)
            if method == "PATCH" and len(parts) == 4:
                with LOCK:
                    SENT.append({"method": method, "path": route, "body": d})
                    for m in HISTORY.get(channel, []):
                        if m["id"] == parts[3]:
                            m["content"] = content
                            return self.reply(200, m)
                return self.reply(404, {"message": "Unknown Message", "code": 10008})
        if len(parts) == 3 and parts[0] == "channels" and parts[2] == "typing" and method == "POST":
            with LOCK:
                SENT.append({"method": method, "path": route, "body": d})
            return self.reply(204)
        if len(parts) == 4 and parts[0] == "interactions" and parts[3] == "callback":
            with LOCK:
                SENT.append({"method": method, "path": route, "body": d})
            return self.reply(204)
        self.reply(404, {"message": "404: Not Found", "code": 0})

    def gateway(self):
        ws = fakekit.WebSocket(self)
        ws.send(json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS[0]}}))
        try:
            while True:
                msg = json.loads(ws.recv())
                op = msg.get("op")
                if op == 1:
                    with LOCK:
                        STATE["heartbeats"] += 1
                    ws.send(json.dumps({"op": 11}))
                elif op == 2:
                    if msg["d"].get("token") != TOKEN:
                        ws.close(4004)
                        return
                    with LOCK:
                        STATE["identifies"] += 1
                        STATE["connected"] = True
                        EVENTS.clear()
                        SESSION["id"] = "session-%d" % STATE["identifies"]
                        old, SOCKET[0] = SOCKET[0], ws
                    if old is not None:
                        old.drop()
                    host, port = self.server.server_address
                    dispatch("READY", {"v": 10, "session_id": SESSION["id"], "resume_gateway_url": "ws://%s:%d/gw" % (host, port),
                                       "user": {"id": BOT_ID, "username": "talaria", "bot": True}, "guilds": []})
                elif op == 6:
                    d = msg["d"]
                    if d.get("token") != TOKEN:
                        ws.close(4004)
                        return
                    if d.get("session_id") != SESSION["id"]:
                        ws.send(json.dumps({"op": 9, "d": False}))
                        continue
                    with LOCK:
                        STATE["resumes"] += 1
                        STATE["connected"] = True
                        SOCKET[0] = ws
                        missed = [t for s, t in EVENTS if s > (d.get("seq") or 0)]
                    for t in missed:
                        ws.send(t)
                    ws.send(json.dumps({"op": 0, "t": "RESUMED", "s": len(EVENTS), "d": {}}))
        except (fakekit.Closed, ValueError, OSError):
            pass
        finally:
            with LOCK:
                if SOCKET[0] is ws:
                    SOCKET[0] = None
                    STATE["connected"] = False

    def control(self, what, d):
        if what == "message":
            channel = str(d["channel"])
            content = d["text"]
            mentions = []
            if d.get("mention"):
                content = "<@%s> %s" % (BOT_ID, content)
                mentions = [{"id": BOT_ID, "username": "talaria", "bot": True}]
            msg = {"id": snowflake(), "channel_id": channel, "content": content, "author": user_obj(d),
                   "mentions": mentions, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()), "type": 0,
                   "attachments": []}
            if d.get("file"):
                f = d["file"]
                aid = snowflake()
                ATTACHMENTS[aid + "/" + f["name"]] = base64.b64decode(f["base64"])
                host, port = self.server.server_address
                msg["attachments"].append({"id": aid, "filename": f["name"], "content_type": f["mime"],
                                           "size": len(ATTACHMENTS[aid + "/" + f["name"]]),
                                           "url": "http://%s:%d/attachments/%s/%s" % (host, port, aid, urllib.parse.quote(f["name"]))})
            with LOCK:
                HISTORY.setdefault(channel, []).append(msg)
                live = SOCKET[0] is not None
            event = dict(msg)
            if d.get("guild"):
                event["guild_id"] = str(d["guild"])
            if live:
                dispatch("MESSAGE_CREATE", event)
            return self.reply(200, {"id": msg["id"], "delivered": live})
        if what == "button":
            iid = snowflake()
            dispatch("INTERACTION_CREATE", {"id": iid, "token": "itok" + iid, "type": 3, "channel_id": str(d["channel"]),
                                            "user": user_obj(d), "data": {"custom_id": d["custom_id"], "component_type": 2},
                                            "message": {"id": str(d.get("message_id", "0"))}})
            return self.reply(200, {"id": iid})
        if what == "rate_limit":
            with LOCK:
                LIMITS[d["route"]] = int(d.get("count", 1))
            return self.reply(200, {})
        if what == "drop":
            with LOCK:
                ws = SOCKET[0]
            if ws is not None:
                ws.drop()
            return self.reply(200, {"dropped": ws is not None})
        self.reply(404, {})


def main():
    global TOKEN
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--heartbeat-ms", type=int, default=45000)
    a = ap.parse_args()
    TOKEN = a.token
    HEARTBEAT_MS[0] = a.heartbeat_ms
    fakekit.serve(Handler, a.port_file)


if __name__ == "__main__":
    main()
