#!/usr/bin/env python3
"""Scripted OpenAI-compatible server for Talaria's tests (stdlib only, loopback only).

The behaviour of each request is chosen by `key=value` words in the *first* user message
of the conversation, so one server serves every scenario and client retries are safe:

  rounds=N        N tool rounds (one `terminal` call each, command from cmd=...), then the final text;
                  a request with tool_choice "none" gets the final text at once (as llama.cpp honours it)
  parallel=N      the tool round carries N calls at once (commands `echo call-0` ... )
  cmd=WORD        command for rounds (default `true`; `%20` decodes to a space)
  tool=NAME       the rounds call this tool (must be offered) with args=JSON (no spaces, `%20` decodes to one; default {})
  echo=system     the final answer is the system prompt the server received (checks what reached the model)
  echo=tool       the final answer repeats the last tool result the server received
  format=F        how calls are sent: native (default), hermes (<tool_call> text), fenced (```json), bare
  think=1         the answer starts with <think>…</think> split across chunks
  reasoning=1     the answer streams reasoning_content before content
  slow=MS         delay between chunks
  fault=KIND      429 | 500 | truncated | no_done | malformed | bad_json | stream_error | empty |
                  http400 | hang ; applied to the first faults=K requests of the conversation (default 1, -1 = all)
  retry_after=S   Retry-After seconds for 429 (default 1)
  chaos=P         P % of requests fail at random (seeded by the message and attempt): 429, 500, a cut
                  stream, a malformed chunk, a stream error, no [DONE], a reset, a stall of stall=S
                  seconds (default 2), an empty answer, and in a tool round arguments that are not JSON;
                  GET /chaos counts what was served
  final=TEXT      final answer (`_` means space; default "Done. The answer is 42.")
  long=N          the final answer is N numbered lines with a fenced code block in the middle
  usage_reject=1  answer 400 to requests that carry stream_options (tests the fallback)
  review=NAME     the agent's skill review gets a scripted proposal (create, patch, invalid; default NONE)

GET /v1/models lists one model; GET /props reports n_ctx (--n-ctx); GET /requests returns the
JSON log of received chat bodies; POST /reset clears it and the fault counters.
"""
import argparse, json, os, random, re, socket, sys, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
CHAOS = {}        # chaos faults served, by kind (GET /chaos)


def spaces(text):
    """`_` means a space, except inside a ${NAME}."""
    return re.sub(r"\$\{[^}]*\}|_", lambda m: " " if m.group(0) == "_" else m.group(0), text)


def expand(text):
    """${NAME} from this server's environment: what a model "knows" that the user never typed."""
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: os.environ.get(m.group(1), ""), text)

COUNTS = {}
REQUESTS = []
ARGS = None


def params_of(body):
    msgs = body.get("messages", [])
    first = next((m for m in msgs if m.get("role") == "user"), {})
    text = first.get("content") or ""
    if isinstance(text, list):
        text = " ".join(p.get("text", "") for p in text if isinstance(p, dict))
    p = {}
    for word in text.split():
        if "=" in word:
            k, _, v = word.partition("=")
            p[k.strip(".,")] = v.strip(".,")
    return p, text


def rounds_done(body):
    msgs = body.get("messages", [])
    last_user = max((i for i, m in enumerate(msgs) if m.get("role") == "user"), default=-1)
    return sum(1 for m in msgs[last_user + 1:] if m.get("role") == "assistant" and m.get("tool_calls")) + \
        sum(1 for m in msgs[last_user + 1:] if m.get("role") == "assistant" and "terminal" in (m.get("content") or "") and not m.get("tool_calls"))



# Scripted skill-review answers (review=NAME in the first user message).
REVIEWS = {
    "create": json.dumps({"action": "create", "name": "count-files", "description": "Count the files in a directory with ls and wc.",
                          "body": "# Count files\n\n1. Run `ls -1 | wc -l` in the directory.\n2. Report the number.\n",
                          "reason": "a multi-step task that worked and will recur"}),
    "invalid": json.dumps({"action": "create", "name": "Bad Name", "description": "x", "body": "x"}),
    "patch": json.dumps({"action": "patch", "name": "count-files", "old": "Report the number.", "new": "Report the number and the directory.",
                         "reason": "the user asked for the directory too"}),
}


def is_review(body):
    # A review of its own (system prompt), or a fork of the conversation (its last message).
    msgs = body.get("messages", [])
    if not msgs:
        return False
    first, last = msgs[0].get("content") or "", msgs[-1].get("content") or ""
    return (msgs[0].get("role") == "system" and "You review a finished task" in first) or \
        (msgs[-1].get("role") == "user" and "Review the finished task above" in last)

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_json(self, code, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self.send_json(200, {"status": "ok"})
        if self.path.rstrip("/") in ("/v1/models", "/models"):
            return self.send_json(200, {"object": "list", "data": [{"id": ARGS.model, "object": "model", "owned_by": "fake"}]})
        if self.path == "/props" and ARGS.n_ctx:
            return self.send_json(200, {"default_generation_settings": {"n_ctx": ARGS.n_ctx}})
        if self.path == "/requests":
            with LOCK:
                return self.send_json(200, REQUESTS)
        if self.path == "/chaos":
            with LOCK:
                return self.send_json(200, CHAOS)
        self.send_json(404, {"error": {"message": "not found", "type": "not_found"}})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path == "/reset":
            with LOCK:
                COUNTS.clear(); REQUESTS.clear()
            return self.send_json(200, {"ok": True})
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self.send_json(404, {"error": {"message": "not found"}})
        try:
            body = json.loads(raw)
        except Exception as e:
            return self.send_json(500, {"error": {"code": 500, "message": f"bad JSON: {e}", "type": "server_error"}})
        p, text = params_of(body)
        with LOCK:
            REQUESTS.append(body)
            key = (text, p.get("fault", ""))
            COUNTS[key] = COUNTS.get(key, 0) + 1
            attempt = COUNTS[key]
        faults = int(p.get("faults", "1"))
        fault = p.get("fault", "") if (faults < 0 or attempt <= faults) else ""
        if p.get("chaos"):
            # chaos=P: P % of requests fail, each in one of the ways servers fail; decided by the
            # conversation and the attempt, so a run is the same every time.
            rng = random.Random(f"{text}|{attempt}")
            if rng.random() * 100 < float(p["chaos"]):
                kinds = ["429", "500", "truncated", "malformed", "stream_error", "no_done", "reset", "stall", "empty"]
                # A tool round can also come back with arguments that are not JSON.
                if body.get("tools") and rounds_done(body) < int(p.get("rounds", "0")):
                    kinds.append("bad_json")
                fault = rng.choice(kinds)
                with LOCK:
                    CHAOS[fault] = CHAOS.get(fault, 0) + 1
        if fault == "reset":
            # The connection drops before any answer.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault == "stall":
            # Silent past the client's idle timeout, then gone.
            time.sleep(float(p.get("stall", "2")))
            self.close_connection = True
            return
        if p.get("usage_reject") and "stream_options" in body:
            return self.send_json(400, {"error": {"code": 400, "message": "unknown field: stream_options", "type": "invalid_request_error"}})
        if fault == "429":
            return self.send_json(429, {"error": {"code": 429, "message": "Rate limit exceeded (fake)", "type": "rate_limit"}},
                                  {"Retry-After": p.get("retry_after", "1")})
        if fault == "500":
            return self.send_json(500, {"error": {"code": 500, "message": "Internal server error (fake)", "type": "server_error"}})
        if fault == "http400":
            return self.send_json(400, {"error": {"code": 400, "message": "the request exceeds the available context size (fake)", "type": "exceed_context_size_error"}})
        if fault == "hang":
            time.sleep(30)
            return
        self.answer(body, p, fault)

    # -- scripted answers ------------------------------------------------------------------

    def answer(self, body, p, fault):
        stream = body.get("stream", False)
        tools = [t["function"]["name"] for t in body.get("tools", [])]
        done = rounds_done(body)
        want = int(p.get("rounds", "0"))
        parallel = int(p.get("parallel", "1"))
        fmt = p.get("format", "native")
        cmd = p.get("cmd", "true").replace("%20", " ")
        calls, content, reasoning = [], "", ""
        # tool_choice "none" is honoured, as llama.cpp does: the answer is text.
        if tools and done < want and body.get("tool_choice") != "none":
            tool = p.get("tool") or ("terminal" if "terminal" in tools else tools[0])
            for i in range(parallel):
                c = cmd if parallel == 1 else f"echo call-{i}"
                args = expand(p.get("args", "{}").replace("%20", " ")) if p.get("tool") else json.dumps({"command": c})
                calls.append({"id": f"call_{uuid.uuid4().hex[:12]}", "name": tool, "arguments": args})
            if fault == "bad_json":
                calls[0]["arguments"] = '{"command": "true"'
            if fmt == "hermes":
                content = "Let me check.\n" + "".join(
                    f'<tool_call>{{"name": "{c["name"]}", "arguments": {c["arguments"]}}}</tool_call>' for c in calls)
                calls = []
            elif fmt == "fenced":
                content = "```json\n" + json.dumps({"name": calls[0]["name"], "arguments": json.loads(calls[0]["arguments"])}) + "\n```"
                calls = []
            elif fmt == "bare":
                content = json.dumps({"name": calls[0]["name"], "arguments": json.loads(calls[0]["arguments"])})
                calls = []
        elif is_review(body):
            # The agent's skill review (a separate, tool-less request): review=WORD answers
            # with a scripted proposal, else NONE.
            content = REVIEWS.get(p.get("review", ""), "NONE")
        else:
            content = expand(spaces(p.get("final", "Done. The answer is 42.")))
            if p.get("long"):
                n = int(p["long"])
                lines = [f"Line {i} of the long answer, with some words to fill it up." for i in range(n)]
                lines[n // 2:n // 2] = ["```python"] + [f"print('code line {i}')" for i in range(40)] + ["```"]
                content = "\n".join(lines)
            if p.get("echo") == "tool":
                # Plays a model that repeats what its last tool printed (the path a leak would take).
                tools_said = [m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "tool"]
                content = "The tool said: " + (tools_said[-1] if tools_said else "(nothing)")
            if p.get("echo") == "system":
                msgs = body.get("messages", [])
                content = msgs[0].get("content", "") if msgs and msgs[0].get("role") == "system" else "(no system prompt)"
            if p.get("think") == "1":
                content = "<think>The user wants the answer.</think>" + content
            if p.get("reasoning") == "1":
                reasoning = "Thinking about it step by step."
        if fault == "empty":
            content, calls, reasoning = "", [], ""
        finish = "tool_calls" if calls else "stop"
        usage = {"prompt_tokens": 100 + 10 * len(body.get("messages", [])), "completion_tokens": max(1, len(content) // 4),
                 "total_tokens": 0, "prompt_tokens_details": {"cached_tokens": 0}}
        cid = "chatcmpl-" + uuid.uuid4().hex[:10]
        if not stream:
            msg = {"role": "assistant", "content": content}
            if reasoning:
                msg["reasoning_content"] = reasoning
            if calls:
                msg["tool_calls"] = [{"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]
            return self.send_json(200, {"id": cid, "object": "chat.completion", "choices": [{"index": 0, "message": msg, "finish_reason": finish}], "usage": usage})

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        delay = float(p.get("slow", "0")) / 1000.0

        def chunk(delta, finish_reason=None):
            return {"id": cid, "object": "chat.completion.chunk", "model": ARGS.model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

        def send(obj, raw=None):
            data = raw if raw is not None else "data: " + json.dumps(obj) + "\r\n\r\n"
            self.wfile.write(data.encode())
            self.wfile.flush()
            if delay:
                time.sleep(delay)

        try:
            send(chunk({"role": "assistant", "content": None}))
            send(None, ": keep-alive comment\n\n")
            if fault == "malformed":
                send(None, "data: {not json\n\n")
            if fault == "stream_error":
                send({"error": {"code": 500, "message": "The model produced output that does not match the expected format", "type": "server_error"}})
                return
            for i in range(0, len(reasoning), 5):
                send(chunk({"reasoning_content": reasoning[i:i + 5]}))
            pieces = [content[i:i + 4] for i in range(0, len(content), 4)]
            cut = len(pieces) // 2 if fault == "truncated" else None
            for i, piece in enumerate(pieces):
                if cut is not None and i == cut:
                    return  # drop the connection mid-answer
                send(chunk({"content": piece}))
            for idx, c in enumerate(calls):
                send(chunk({"tool_calls": [{"index": idx, "id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": ""}}]}))
                a = c["arguments"]
                for j in range(0, len(a), 7):
                    send(chunk({"tool_calls": [{"index": idx, "function": {"arguments": a[j:j + 7]}}]}))
            send(chunk({}, finish))
            if (body.get("stream_options") or {}).get("include_usage"):
                send({"id": cid, "object": "chat.completion.chunk", "choices": [], "usage": usage})
            if fault != "no_done":
                send(None, "data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            self.close_connection = True


def exit_with_parent():
    # A test process started from Swift concurrency hands its children a blocked signal mask,
    # so SIGTERM would never arrive; unblock it, and exit when the parent goes away (a test
    # runner that exits without stopping us must not leave servers behind).
    import os, signal
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()


def main():
    global ARGS
    exit_with_parent()
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--model", default="fake-model")
    ap.add_argument("--n-ctx", type=int, default=0)
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    port = srv.server_address[1]
    if ARGS.port_file:
        with open(ARGS.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
    print(port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
