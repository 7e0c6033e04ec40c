#!/usr/bin/env python3
"""A local Telegram Bot API for the gateway's tests: the real method names, bodies and answers
(`/bot<TOKEN>/getUpdates` long-polled with offsets, sendMessage, editMessageText,
sendChatAction, answerCallbackQuery; 401 for another token; 429 with parameters.retry_after on
demand), plus a control API for the test:

  POST /_test/message {chat, user, username, text, thread?, file?: {name, mime, base64, photo?}}
                                                              a user writes (an update is queued), maybe with a file
  POST /_test/button  {chat, user, username, data, message_id} a user presses an inline button
  POST /_test/rate_limit {method, count}                       the next `count` calls of method get 429
  GET  /_test/sent                                             every call the bot made, in order (sendMessage's with the id it got)
  GET  /_test/state                                            next update id, queued, confirmed offset

Updates stay queued until a getUpdates offset passes them, as Telegram keeps them, so a bot that
dies before acknowledging gets them again. Binds 127.0.0.1 only; writes its port to --port-file.
"""
import argparse, base64, hashlib, json, threading, time
import fakekit

TOKEN = None
COND = threading.Condition()
UPDATES = []          # queued updates (dicts), oldest first
NEXT_ID = [1000]
NEXT_MESSAGE = [1]
SENT = []             # calls the bot made: {"method": ..., "body": ...}
LIMITS = {}           # method -> remaining 429 answers
CONFIRMED = [0]
FILES = {}            # file_id -> bytes (what users sent)


def queue(update):
    with COND:
        update["update_id"] = NEXT_ID[0]
        NEXT_ID[0] += 1
        UPDATES.append(update)
        COND.notify_all()


def chat_of(d):
    chat = {"id": int(d["chat"]), "type": "private" if int(d["chat"]) > 0 else "supergroup"}
    return chat


class Handler(fakekit.JSONHandler):
    def reply(self, status, obj):
        self.send_json(status, obj)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b"{}"
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("multipart/form-data"):
            parts = fakekit.multipart(kind, raw)
            d = {k: v["data"].decode() for k, v in parts.items() if v["filename"] is None}
            for k, v in parts.items():
                if v["filename"] is not None:
                    d["_file"] = {"field": k, "name": v["filename"], "type": v["type"], "size": len(v["data"]),
                                  "sha256": hashlib.sha256(v["data"]).hexdigest()}
            return d
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def do_GET(self):
        if self.path.startswith("/file/bot"):
            token, _, path = self.path[len("/file/bot"):].partition("/")
            data = FILES.get(path.rsplit("/", 1)[-1]) if token == TOKEN else None
            if data is None:
                return self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.path == "/_test/sent":
            with COND:
                return self.reply(200, SENT)
        if self.path == "/_test/state":
            with COND:
                return self.reply(200, {"next_update_id": NEXT_ID[0], "queued": len(UPDATES), "confirmed": CONFIRMED[0]})
        self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def do_POST(self):
        d = self.body()
        if self.path.startswith("/_test/"):
            return self.control(self.path[len("/_test/"):], d or {})
        parts = self.path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            return self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if parts[0][3:] != TOKEN:
            return self.reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        if d is None:
            return self.reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: can't parse JSON"})
        method = parts[1]
        with COND:
            if LIMITS.get(method, 0) > 0:
                LIMITS[method] -= 1
                SENT.append({"method": method, "body": d, "limited": True})
                return self.reply(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                        "parameters": {"retry_after": 1}})
        if method == "getUpdates":
            return self.get_updates(d)
        with COND:
            SENT.append({"method": method, "body": d})
            if method == "sendMessage":
                if not d.get("text"):
                    return self.reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"})
                if len(d["text"]) > 4096:
                    return self.reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"})
                mid = NEXT_MESSAGE[0]
                NEXT_MESSAGE[0] += 1
                SENT[-1]["message_id"] = mid
                return self.reply(200, {"ok": True, "result": {"message_id": mid, "date": int(time.time()),
                                                               "chat": {"id": int(d["chat_id"])}, "text": d["text"]}})
            if method == "editMessageText":
                if len(d.get("text", "")) > 4096:
                    return self.reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: MESSAGE_TOO_LONG"})
                return self.reply(200, {"ok": True, "result": {"message_id": d.get("message_id"), "text": d.get("text")}})
            if method in ("sendPhoto", "sendDocument"):
                if "_file" not in d:
                    return self.reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: there is no file in the request"})
                mid = NEXT_MESSAGE[0]
                NEXT_MESSAGE[0] += 1
                SENT[-1]["message_id"] = mid
                return self.reply(200, {"ok": True, "result": {"message_id": mid, "date": int(time.time()), "chat": {"id": int(d["chat_id"])}}})
            if method == "getFile":
                fid = d.get("file_id")
                if fid not in FILES:
                    return self.reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"})
                return self.reply(200, {"ok": True, "result": {"file_id": fid, "file_size": len(FILES[fid]), "file_path": "documents/" + fid}})
            if method in ("sendChatAction", "answerCallbackQuery"):
                return self.reply(200, {"ok": True, "result": True})
        self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"})

    def get_updates(self, d):
        offset = int(d.get("offset") or 0)
        timeout = min(float(d.get("timeout") or 0), 2.0)   # tests keep polls short
        deadline = time.time() + timeout
        with COND:
            if offset:
                UPDATES[:] = [u for u in UPDATES if u["update_id"] >= offset]
                CONFIRMED[0] = max(CONFIRMED[0], offset)
            while not UPDATES and time.time() < deadline:
                COND.wait(deadline - time.time())
            result = [u for u in UPDATES if u["update_id"] >= offset]
        self.reply(200, {"ok": True, "result": result})

    def control(self, what, d):
        if what == "message":
            msg = {"message_id": NEXT_MESSAGE[0], "date": int(time.time()), "chat": chat_of(d), "text": d.get("text", ""),
                   "from": {"id": int(d["user"]), "is_bot": False, "first_name": d.get("username", "user"), "username": d.get("username", "user")}}
            NEXT_MESSAGE[0] += 1
            if d.get("file"):
                f = d["file"]
                data = base64.b64decode(f["base64"])
                fid = "file%d" % (len(FILES) + 1)
                FILES[fid] = data
                msg["caption"] = msg.pop("text")
                if f.get("photo"):
                    msg["photo"] = [{"file_id": fid + "s", "file_size": 10, "width": 90, "height": 90},
                                    {"file_id": fid, "file_size": len(data), "width": 800, "height": 600}]
                else:
                    msg["document"] = {"file_id": fid, "file_name": f["name"], "mime_type": f["mime"], "file_size": len(data)}
            if d.get("thread"):
                msg["message_thread_id"] = int(d["thread"])
                msg["is_topic_message"] = True
            queue({"message": msg})
            return self.reply(200, {"ok": True})
        if what == "button":
            queue({"callback_query": {"id": "q%d" % NEXT_ID[0], "data": d["data"], "chat_instance": "ci",
                                      "from": {"id": int(d["user"]), "is_bot": False, "first_name": d.get("username", "user"), "username": d.get("username", "user")},
                                      "message": {"message_id": int(d.get("message_id", 1)), "date": int(time.time()), "chat": chat_of(d)}}})
            return self.reply(200, {"ok": True})
        if what == "rate_limit":
            with COND:
                LIMITS[d["method"]] = int(d.get("count", 1))
            return self.reply(200, {"ok": True})
        self.reply(404, {"ok": False})


def main():
    global TOKEN
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token", required=True)
    a = ap.parse_args()
    TOKEN = a.token
    fakekit.serve(Handler, a.port_file)


if __name__ == "__main__":
    main()
