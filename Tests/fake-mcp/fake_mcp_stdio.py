#!/usr/bin/env python3
"""Scripted MCP stdio server for Talaria's fault tests (stdlib only).

JSON-RPC lines on stdin/stdout, protocol 2025-06-18. Tools:
  ping_tool        -> "pong"
  add_tool(name)   -> registers a tool NAME and sends notifications/tools/list_changed
  hang             -> never answers (for timeouts and cancellation)
  crash            -> exits with status 7 before answering
Every received message is appended, one JSON per line, to --log FILE (when given), so a test
can check what the client sent (notifications/cancelled, notifications/initialized).
--version V answers initialize with protocol version V (to test a version the client refuses).
--no-answer never answers initialize.
"""
import argparse, json, sys

ap = argparse.ArgumentParser()
ap.add_argument("--log")
ap.add_argument("--version", default="2025-06-18")
ap.add_argument("--no-answer", action="store_true")
args = ap.parse_args()

tools = ["ping_tool", "add_tool", "hang", "crash"]


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(msg):
    if args.log:
        with open(args.log, "a") as f:
            f.write(json.dumps(msg) + "\n")


def schema(name):
    if name == "add_tool":
        return {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    return {"type": "object", "properties": {}}


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    msg = json.loads(line)
    log(msg)
    method, mid = msg.get("method"), msg.get("id")
    if mid is None:
        continue  # notifications
    if method == "initialize":
        if args.no_answer:
            continue
        send({"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": args.version, "capabilities": {"tools": {"listChanged": True}},
            "serverInfo": {"name": "fake-mcp", "version": "0.1"}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": mid, "result": {"tools": [
            {"name": t, "description": f"fake tool {t}", "inputSchema": schema(t)} for t in tools]}})
    elif method == "tools/call":
        name = msg["params"]["name"]
        if name == "ping_tool":
            send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "pong"}]}})
        elif name == "add_tool":
            tools.append(msg["params"]["arguments"]["name"])
            send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "added"}]}})
            send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"} if "--bare" in sys.argv else {"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}})
        elif name == "hang":
            pass
        elif name == "crash":
            sys.exit(7)
        else:
            send({"jsonrpc": "2.0", "id": mid, "result": {"isError": True, "content": [{"type": "text", "text": f"Unknown tool: {name}"}]}})
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": mid, "result": {}})
    else:
        send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": f"Method not found: {method}"}})
