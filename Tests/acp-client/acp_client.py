"""Drives `talaria acp` with the PyPI agent-client-protocol client (its pydantic models
validate every message against the published schema) and prints what happened as JSON.

usage: acp_client.py CWD PROMPT -- TALARIA ARGS...
"""
import asyncio
import json
import sys

import acp
from acp import spawn_agent_process, text_block
from acp.schema import AllowedOutcome, RequestPermissionResponse


class Recorder:
    def __init__(self):
        self.updates = []
        self.permissions = []

    async def request_permission(self, session_id, tool_call, options, **kwargs):
        self.permissions.append({"toolCallId": tool_call.tool_call_id, "options": [o.kind for o in options]})
        once = next(o for o in options if o.kind == "allow_once")
        return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=once.option_id))

    async def session_update(self, session_id, update, **kwargs):
        self.updates.append(update.model_dump(by_alias=True, exclude_none=True))

    async def write_text_file(self, *a, **k):
        raise NotImplementedError

    async def read_text_file(self, *a, **k):
        raise NotImplementedError

    async def create_terminal(self, *a, **k):
        raise NotImplementedError

    async def terminal_output(self, *a, **k):
        raise NotImplementedError

    async def release_terminal(self, *a, **k):
        raise NotImplementedError

    async def wait_for_terminal_exit(self, *a, **k):
        raise NotImplementedError

    async def kill_terminal(self, *a, **k):
        raise NotImplementedError

    async def ext_method(self, method, params):
        return {}

    async def ext_notification(self, method, params):
        pass

    def on_connect(self, conn):
        pass


async def main():
    cwd, prompt = sys.argv[1], sys.argv[2]
    command = sys.argv[sys.argv.index("--") + 1:]
    client = Recorder()
    async with spawn_agent_process(client, command[0], *command[1:]) as (conn, _process):
        init = await conn.initialize(protocol_version=acp.PROTOCOL_VERSION)
        session = await conn.new_session(cwd=cwd, mcp_servers=[])
        result = await conn.prompt(session_id=session.session_id, prompt=[text_block(prompt)])
        print(json.dumps({
            "protocolVersion": init.protocol_version,
            "loadSession": init.agent_capabilities.load_session,
            "sessionId": session.session_id,
            "stopReason": result.stop_reason,
            "updates": client.updates,
            "permissions": client.permissions,
        }, default=str))


asyncio.run(main())
