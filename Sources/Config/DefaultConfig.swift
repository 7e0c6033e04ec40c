import AgentProtocol
/// The commented file `talaria config init` writes.
public enum DefaultConfig {
    private typealias M = Defaults.Memory
    private typealias S = Defaults.Skills
    private typealias L = Defaults.LoopGuard

    public static let text = """
        # Talaria configuration. Flags on the command line override these values.
        # Lines starting with # are comments; remove the # to set a value.

        # The OpenAI-compatible endpoint (llama.cpp, Ollama, vLLM, LM Studio, OpenRouter, OpenAI).
        # Unset: Talaria looks for a local server on 127.0.0.1 (llama.cpp :8080, Ollama :11434,
        # LM Studio :1234, vLLM :8000), then uses OPENAI_BASE_URL.
        # base_url: http://127.0.0.1:8080/v1

        # The model id sent with each request. Unset: the first model the server lists.
        # model: qwen2.5-coder-0.5b-instruct

        # The environment variable that holds the API key (never put the key itself here).
        # api_key_env: OPENAI_API_KEY

        # Model requests per turn before Talaria stops and asks the model to summarise.
        # max_iterations: \(Defaults.maxIterations)

        # The model's context window in tokens. Unset: read from the server.
        # context_window: 32768

        # Fields added to every chat request body: a server's own settings.
        # extra_body: {top_k: 20, repeat_penalty: 1.1}

        # Output token limit per request, and sampling temperature.
        # max_tokens: 4096
        # temperature: 0.2

        # Where commands and file tools run: local | sandbox | ssh | docker | apptainer | modal |
        # daytona; /backend switches in the interface. Each has a small section:
        # backend: \(Defaults.backend.rawValue)
        # sandbox: {network: false, writable: [~/.cache/pip]}   # bubblewrap: workspace writable, rest read-only
        # ssh: {host: gpu-box, user: me, port: 22, identity_file: ~/.ssh/id_ed25519, workdir: /home/me/src}
        # docker: {image: python:3.12-slim, memory: 4g, cpus: 2, pids_limit: 512, network: false}
        # apptainer: {image: docker://debian:bookworm-slim, network: false}
        # modal: {container: ta-01ABCDEF}                        # a running container (modal container list)
        # daytona: {sandbox: my-sandbox}

        # Loop guard: a call repeated with the same result (same tool, arguments and output) is
        # pointed out to the model after warn_after repeats; after stop_after the turn ends with
        # the model's summary (or a plain account of what ran). failure_streak failed calls in a
        # row warn too, twice that many end the turn. A call whose result changed never counts.
        # loop_guard: {warn_after: \(L.warnAfter), stop_after: \(L.stopAfter), failure_streak: \(L.failureStreak), enabled: true}

        # Commands that need approval: ask (TUI dialog; refused in -p mode), yes, deny.
        # approvals: \(Defaults.approvals.rawValue)

        # Characters of each tool's output the model sees; the full output is stored.
        # tool_output_limit: \(Defaults.toolOutputLimit)

        # Extra instructions appended to the system prompt.
        # system_prompt: |
        #   Prefer small, reviewable changes.

        # Memory: prompt limits (characters), the save reminder, the user model and compression.
        # memory:
        #   notes_limit: \(M.notesLimit)
        #   user_limit: \(M.userLimit)
        #   nudge_every: \(M.nudgeEvery)        # remind the agent to save what matters every N user turns (0: never)
        #   derive_facts: true     # derive facts about you in the background
        #   facts_every: \(M.factsEvery)         # a pass every N user turns
        #   stale_days: \(M.staleDays)         # an unconfirmed fact leaves the prompt after N days
        #   compress_at: \(M.compressAt)       # compress older turns past this share of the context window

        # Skills: the background review that proposes them, the catalogue in the prompt.
        # skills:
        #   review: true
        #   review_after: \(S.reviewAfter)       # review a turn that used this many tool calls
        #   auto_accept: false     # apply proposals without asking (never to skills you wrote)
        #   catalog_budget: \(S.catalogBudget)   # tokens of skill descriptions in the prompt
        #   stale_days: \(S.staleDays)        # talaria skills curate: unused this long is stale

        # theme: \(Defaults.theme)
        # keymap: \(Defaults.keymap)

        # MCP servers: their tools become the agent's (mcp__<server>__<tool>). `talaria mcp list`
        # checks them; /mcp in the interface shows their state.
        # mcp_servers:
        #   time:
        #     command: mcp-server-time          # stdio: Talaria starts it (args, env, cwd)
        #     args: [--local-timezone, UTC]
        #     trust: always                     # ask (default) | session | always
        #   tracker:
        #     url: https://mcp.example.com/mcp  # streamable HTTP (headers)
        #     bearer_token_env: TRACKER_TOKEN   # the variable holding the token
        #     timeout: 60                       # seconds per call (default 120)

        # Hooks: your commands at the agent's lifecycle events, in the shape of Claude Code's
        # settings.json (its "hooks" object pastes in as it is). Events: SessionStart,
        # UserPromptSubmit, PreToolUse, PostToolUse, Stop, PreCompact, SessionEnd, Notification.
        # The command gets the event as JSON on stdin; exit 2 blocks (stderr says why), JSON on
        # stdout decides (permissionDecision: allow | deny | ask, additionalContext, decision).
        # hooks:
        #   PreToolUse:
        #     - matcher: terminal              # a regular expression over tool names (Bash works too)
        #       hooks:
        #         - {type: command, command: ~/.talaria/hooks/check-command, timeout: \(Int(Defaults.hookTimeout))}
        #   UserPromptSubmit:
        #     - hooks: [{type: command, command: "git status --short | head -20"}]

        """
}
