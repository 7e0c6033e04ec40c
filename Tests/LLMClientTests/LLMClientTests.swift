import AgentProtocol
import Foundation
@testable import LLMClient
import Synchronization
import TestSupport
import Testing

/// Records the backoff the client asked for instead of sleeping.
final class SleepLog: Sendable {
    let delays = Mutex<[Double]>([])
    var sleep: @Sendable (Double) async throws -> Void { { d in self.delays.withLock { $0.append(d) } } }
    var values: [Double] { delays.withLock { $0 } }
}

let endpoint = Endpoint(baseURL: URL(string: "http://127.0.0.1:1/v1")!, apiKey: "sk-test", model: "m")
let terminalSpec = ToolSpec(name: "terminal", description: "run", parameters: ["type": "object"])

func collect(_ client: LLMClient, _ request: LLMRequest) async throws -> (events: [LLMStreamEvent], response: AssistantResponse?) {
    var events: [LLMStreamEvent] = []
    var response: AssistantResponse?
    for try await e in client.stream(request) {
        if case .completed(let r) = e { response = r } else { events.append(e) }
    }
    return (events, response)
}

func text(_ events: [LLMStreamEvent]) -> String {
    events.compactMap { if case .textDelta(let t) = $0 { t } else { nil } }.joined()
}

@Suite("LLM client over a scripted transport")
struct LLMClientTests {
    @Test("text, reasoning_content and reasoning fields stream separately; usage with empty choices is read")
    func textAndReasoning() async throws {
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: [
            SSE.event(#"{"choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}"#),
            SSE.reasoning("step one. "),
            SSE.event(#"{"choices":[{"index":0,"delta":{"reasoning":"step two."}}]}"#),
            SSE.content("Hel"), SSE.content("lo"),
            SSE.finish("stop"), SSE.usage(prompt: 12, completion: 3), SSE.done,
        ])])
        let (events, r) = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("hi")]))
        #expect(text(events) == "Hello")
        #expect(r == AssistantResponse(content: "Hello", reasoning: "step one. step two.", finishReason: .stop,
                                       usage: Usage(promptTokens: 12, completionTokens: 3)))
        let body = try #require(t.requestBodies.first)
        #expect(body["stream"] as? Bool == true)
        #expect((body["stream_options"] as? [String: Bool])?["include_usage"] == true)
        #expect(t.requests.first?.headers["authorization"] == "Bearer sk-test")
    }

    @Test("parallel native tool calls interleaved by index are merged by index, not position")
    func toolCallsByIndex() async throws {
        let a = SSE.toolCall(index: 0, id: "A", name: "terminal", arguments: #"{"command":"ls"}"#)
        let b = SSE.toolCall(index: 1, id: "B", name: "read_file", arguments: #"{"path":"x"}"#)
        var pieces: [String] = []
        for i in 0..<max(a.count, b.count) {
            if i < b.count { pieces.append(b[i]) }
            if i < a.count { pieces.append(a[i]) }
        }
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: pieces + [SSE.finish("tool_calls"), SSE.done])])
        let (_, r) = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("x")], tools: [terminalSpec]))
        #expect(r?.toolCalls == [ToolCall(id: "A", name: "terminal", arguments: #"{"command":"ls"}"#),
                                 ToolCall(id: "B", name: "read_file", arguments: #"{"path":"x"}"#)])
        #expect(r?.finishReason == .toolCalls)
    }

    @Test("Hermes <tool_call> text and think tags never reach the answer text")
    func hermesAndThink() async throws {
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: [
            SSE.content("<thi"), SSE.content("nk>hmm</th"), SSE.content("ink>On it.<tool_"),
            SSE.content(#"call>{"name":"terminal","arguments":{"command":"ls"}}</tool_call>"#),
            SSE.finish("stop"), SSE.done,
        ])])
        let (events, r) = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("x")], tools: [terminalSpec]))
        #expect(text(events) == "On it.")
        #expect(r?.reasoning == "hmm")
        #expect(r?.toolCalls.map(\.name) == ["terminal"])
        #expect(r?.toolCalls.first?.arguments == #"{"command":"ls"}"#)
        #expect(r?.finishReason == .toolCalls)
        #expect(r?.textToolCalls == 1)
    }

    @Test("a fenced JSON answer that is not a tool call is released as text at the end")
    func heldJSONReleased() async throws {
        let answer = "```json\n{\"a\": 1}\n```\nThat is the config."
        let t = ScriptedTransport([SSE.answer(answer)])
        let (events, r) = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("x")], tools: [terminalSpec]))
        #expect(text(events) == answer)
        #expect(r?.toolCalls == [])
    }

    @Test("a tool call written as text that does not parse is never answer text: it becomes a failed call with the problem", arguments: [
        #"{"name": "terminal", "arguments": {"command": "ls""#,
        "```json\n{\"name\": \"terminal\", \"arguments\": {command: ls}}\n```",
        "<tool_call>{\"name\": \"terminal\", \"arguments\": {\"command\": </tool_call>",
        "Let me look.\n```json\n{\"name\": \"terminal\", \"arguments\": {\"command\": \"ls\"",
    ])
    func unreadableCall(answer: String) async throws {
        let t = ScriptedTransport([SSE.answer(answer)])
        let (events, r) = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("x")], tools: [terminalSpec]))
        let call = try #require(r?.toolCalls.first)
        #expect(call.name == "terminal")
        #expect(r?.unreadableCalls[call.id]?.isEmpty == false)
        #expect(JSONValue.parse(call.arguments) != nil, "the history must stay valid JSON for the server's template")
        #expect(r?.content.contains("{") == false, "\(r?.content ?? "")")
        #expect(r?.finishReason == .toolCalls)
        // Held from the start, nothing of it was shown; after prose, the prose alone stays the message.
        #expect(!text(events).contains("\"name\"") || answer.hasPrefix("Let me look."))
        if answer.hasPrefix("Let me look.") { #expect(r?.content == "Let me look.") }
    }

    @Test("429 waits for Retry-After, then succeeds; the wait is reported")
    func retryAfter() async throws {
        let log = SleepLog()
        let t = ScriptedTransport([
            .response(status: 429, headers: ["retry-after": "7"], pieces: [#"{"error":{"message":"slow down","type":"rate_limit"}}"#]),
            SSE.answer("ok"),
        ])
        let (events, r) = try await collect(LLMClient(endpoint: endpoint, transport: t, sleep: log.sleep), LLMRequest(messages: [.user("x")]))
        #expect(log.values == [7])
        #expect(r?.content == "ok")
        #expect(events.contains { if case .retrying(let x) = $0 { x.delayMs == 7000 && x.reason.contains("slow down") } else { false } })
    }

    @Test("Retry-After is capped; 5xx backs off exponentially; the last error is thrown with the server's message")
    func backoffAndExhaustion() async throws {
        let log = SleepLog()
        let err = ScriptedTransport.Reply.response(status: 503, headers: [:], pieces: [#"{"error":{"message":"overloaded","code":503}}"#])
        let t = ScriptedTransport([err, err, err, err])
        let policy = RetryPolicy(maxRetries: 3, baseDelay: 1, maxDelay: 20, retryAfterCap: 60, jitter: 0)
        await #expect(throws: LLMError.http(status: 503, message: "overloaded", retryAfter: nil)) {
            _ = try await collect(LLMClient(endpoint: endpoint, transport: t, retry: policy, sleep: log.sleep), LLMRequest(messages: [.user("x")]))
        }
        #expect(log.values == [1, 2, 4])
        #expect(t.requests.count == 4)
        #expect(policy.delay(forRetry: 1, after: .http(status: 429, message: "", retryAfter: 3600)) == 60)
    }

    @Test("a 400 is not retried")
    func noRetryOn400() async throws {
        let t = ScriptedTransport([.response(status: 400, headers: [:], pieces: [#"{"error":{"message":"bad model"}}"#]), SSE.answer("no")])
        await #expect(throws: LLMError.http(status: 400, message: "bad model", retryAfter: nil)) {
            _ = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("x")]))
        }
        #expect(t.requests.count == 1)
    }

    @Test("an error object inside a 200 stream fails the request with its message; the server's own error is retried, once shown text is not repeated")
    func errorInStream() async throws {
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: [
            SSE.content("a"), SSE.event(#"{"error":{"code":400,"message":"tool_choice is not supported","type":"invalid_request_error"}}"#),
        ])])
        await #expect(throws: LLMError.streamError(message: "tool_choice is not supported (invalid_request_error)")) {
            _ = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: [.user("x")]))
        }
        #expect(t.requests.count == 1)
        let retried = ScriptedTransport([.response(status: 200, headers: [:], pieces: [
            SSE.content("a"), SSE.event(#"{"error":{"code":500,"message":"does not match the expected format","type":"server_error"}}"#),
        ]), SSE.answer("ab")])
        let (_, r) = try await collect(LLMClient(endpoint: endpoint, transport: retried, retry: RetryPolicy(baseDelay: 0.01)), LLMRequest(messages: [.user("x")]))
        #expect(r?.content == "ab")
        #expect(retried.requests.count == 2)
    }

    @Test("a stream cut mid-answer is retried and the replayed prefix is not shown twice")
    func cutAndReplay() async throws {
        let log = SleepLog()
        let t = ScriptedTransport([
            .dropAfter(pieces: [SSE.content("The answer "), SSE.content("is")]),
            .response(status: 200, headers: [:], pieces: [SSE.content("The answer is"), SSE.content(" 42."), SSE.finish("stop"), SSE.done]),
        ])
        let (events, r) = try await collect(LLMClient(endpoint: endpoint, transport: t, sleep: log.sleep), LLMRequest(messages: [.user("x")]))
        #expect(text(events) == "The answer is 42.")
        #expect(r?.content == "The answer is 42.")
        #expect(log.values.count == 1)
    }

    @Test("a stream that ends without [DONE] and without a finish reason is an interruption; with a finish reason it is complete")
    func missingDone() async throws {
        let complete = ScriptedTransport([.response(status: 200, headers: [:], pieces: [SSE.content("ok"), SSE.finish("stop")])])
        #expect(try await collect(LLMClient(endpoint: endpoint, transport: complete), LLMRequest(messages: [.user("x")])).response?.content == "ok")
        let cut = ScriptedTransport([.response(status: 200, headers: [:], pieces: [SSE.content("o")])])
        await #expect(throws: LLMError.streamInterrupted(receivedChars: 1)) {
            _ = try await collect(LLMClient(endpoint: endpoint, transport: cut, retry: .none), LLMRequest(messages: [.user("x")]))
        }
    }

    @Test("a server that rejects stream_options gets the request again without it, and never again")
    func streamOptionsFallback() async throws {
        let reject = ScriptedTransport.Reply.response(status: 400, headers: [:], pieces: [#"{"error":{"message":"Unrecognized request argument: stream_options"}}"#])
        let t = ScriptedTransport([reject, SSE.answer("a"), SSE.answer("b")])
        let client = LLMClient(endpoint: endpoint, transport: t)
        #expect(try await collect(client, LLMRequest(messages: [.user("x")])).response?.content == "a")
        #expect(try await collect(client, LLMRequest(messages: [.user("y")])).response?.content == "b")
        let bodies = t.requestBodies
        #expect(bodies.count == 3)
        #expect(bodies[0]["stream_options"] != nil)
        #expect(bodies[1]["stream_options"] == nil && bodies[2]["stream_options"] == nil)
    }

    @Test("cancelling the consumer cancels a hanging request promptly")
    func cancel() async throws {
        let t = ScriptedTransport([.hang])
        let client = LLMClient(endpoint: endpoint, transport: t)
        let task = Task { try await collect(client, LLMRequest(messages: [.user("x")])) }
        try await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        task.cancel()
        // A cancelled AsyncThrowingStream either throws or ends early; it never completes.
        let outcome = try? await task.value
        #expect(outcome?.response == nil)
        // The request would otherwise hang forever; the bound only has to tell "ends" from "never",
        // and the whole suite on two cores can hold the cooperative pool for seconds.
        #expect(ContinuousClock.now - start < .seconds(30), "cancel did not end a request that never answers")
    }

    @Test("connection refused is a clear, retryable connection error")
    func refused() async throws {
        let log = SleepLog()
        let t = ScriptedTransport([.refused, .refused])
        let client = LLMClient(endpoint: endpoint, transport: t, retry: RetryPolicy(maxRetries: 1, jitter: 0), sleep: log.sleep)
        await #expect(throws: LLMError.connection(message: "Couldn't connect to server")) {
            _ = try await collect(client, LLMRequest(messages: [.user("x")]))
        }
        #expect(log.values == [1])
    }

    @Test("assistant messages with tool calls and tool results are encoded as the wire expects")
    func requestEncoding() async throws {
        let t = ScriptedTransport([SSE.answer("ok")])
        let history: [ChatMessage] = [
            .system("sys"), .user("u"),
            .assistant("", reasoning: "private", toolCalls: [ToolCall(id: "c1", name: "terminal", arguments: #"{"command":"ls"}"#)]),
            .tool(callID: "c1", name: "terminal", content: "a b"),
        ]
        _ = try await collect(LLMClient(endpoint: endpoint, transport: t), LLMRequest(messages: history, tools: [terminalSpec], toolChoice: "auto", maxTokens: 50))
        let body = try #require(t.requestBodies.first)
        let msgs = try #require(body["messages"] as? [[String: Any]])
        #expect(msgs.map { $0["role"] as? String } == ["system", "user", "assistant", "tool"])
        #expect(msgs[2]["content"] is NSNull)
        #expect(msgs[2]["reasoning_content"] == nil)
        let calls = try #require(msgs[2]["tool_calls"] as? [[String: Any]])
        #expect(calls.first?["id"] as? String == "c1")
        #expect((calls.first?["function"] as? [String: String])?["arguments"] == #"{"command":"ls"}"#)
        #expect(msgs[3]["tool_call_id"] as? String == "c1")
        #expect(body["max_tokens"] as? Int == 50)
        #expect(body["tool_choice"] as? String == "auto")
        #expect((body["tools"] as? [[String: Any]])?.count == 1)
    }

    @Test("non-streaming completion parses message, tool calls and usage")
    func nonStreaming() async throws {
        let body = #"{"choices":[{"index":0,"message":{"role":"assistant","content":"","tool_calls":[{"id":"x","type":"function","function":{"name":"terminal","arguments":"{}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":5,"completion_tokens":2}}"#
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: [body])])
        let r = try await LLMClient(endpoint: endpoint, transport: t).complete(LLMRequest(messages: [.user("x")], tools: [terminalSpec]))
        #expect(r.toolCalls == [ToolCall(id: "x", name: "terminal", arguments: "{}")])
        #expect(r.usage == Usage(promptTokens: 5, completionTokens: 2))
    }

    @Test("Retry-After parses seconds, HTTP dates and retry-after-ms")
    func retryAfterParsing() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(RetryPolicy.retryAfter(headers: ["retry-after": "3"]) == 3)
        #expect(RetryPolicy.retryAfter(headers: ["retry-after-ms": "1500"]) == 1.5)
        #expect(RetryPolicy.retryAfter(headers: ["retry-after": "Mon, 12 Jan 1970 13:47:00 GMT"], now: now) == 20)
        #expect(RetryPolicy.retryAfter(headers: [:]) == nil)
    }
}

@Suite("Context window detection")
struct ContextWindowTests {
    @Test("llama.cpp /props n_ctx wins over /v1/models metadata")
    func llamaProps() async {
        let props = ScriptedTransport([.response(status: 200, headers: [:], pieces: [#"{"default_generation_settings":{"n_ctx":8192}}"#])],
                                      fallback: .response(status: 404, headers: [:], pieces: ["{}"]))
        let probe = ContextWindowProbe(endpoint: endpoint, transport: props)
        #expect(await probe.llamaCpp() == 8192)
    }

    @Test("vLLM max_model_len and llama.cpp n_ctx_train are read from /v1/models")
    func models() async {
        let vllm = ScriptedTransport([.response(status: 200, headers: [:], pieces: [#"{"data":[{"id":"m","max_model_len":32768}]}"#])])
        #expect(await ContextWindowProbe(endpoint: endpoint, transport: vllm).openAIModels() == 32768)
        let llama = ScriptedTransport([.response(status: 200, headers: [:], pieces: [#"{"data":[{"id":"other","meta":{"n_ctx_train":4096}}]}"#])])
        #expect(await ContextWindowProbe(endpoint: endpoint, transport: llama).openAIModels() == 4096)
    }

    @Test("Ollama num_ctx parameter beats the model's trained context length")
    func ollama() async {
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: [#"{"parameters":"stop \"x\"\nnum_ctx 16384","model_info":{"llama.context_length":131072}}"#])])
        #expect(await ContextWindowProbe(endpoint: endpoint, transport: t).ollama() == 16384)
        let t2 = ScriptedTransport([.response(status: 200, headers: [:], pieces: [#"{"model_info":{"qwen2.context_length":32768}}"#])])
        #expect(await ContextWindowProbe(endpoint: endpoint, transport: t2).ollama() == 32768)
    }

    @Test("LM Studio loaded_context_length")
    func lmStudio() async {
        let t = ScriptedTransport([.response(status: 200, headers: [:], pieces: [#"{"id":"m","loaded_context_length":4096,"max_context_length":32768}"#])])
        #expect(await ContextWindowProbe(endpoint: endpoint, transport: t).lmStudio() == 4096)
    }

    @Test("nothing answering gives nil")
    func none() async {
        let t = ScriptedTransport([], fallback: .refused)
        #expect(await ContextWindowProbe(endpoint: endpoint, transport: t).detect() == nil)
    }
}
