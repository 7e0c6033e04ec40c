import AgentProtocol
import Foundation
import Synchronization

/// Where and as whom to send chat completions.
public struct Endpoint: Sendable, Hashable {
    /// The API base, e.g. `http://127.0.0.1:8080/v1`.
    public var baseURL: URL
    public var apiKey: String?
    public var model: String

    public init(baseURL: URL, apiKey: String?, model: String) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.model = model
    }

    func url(_ path: String) -> URL {
        URL(string: baseURL.absoluteString.trimmingSuffix("/") + path) ?? baseURL
    }
}

/// One chat-completions request, independent of the wire format.
public struct LLMRequest: Sendable, Hashable {
    public var messages: [ChatMessage]
    public var tools: [ToolSpec]
    /// `auto`, `none`, `required`; `nil` leaves it to the server.
    public var toolChoice: String?
    public var maxTokens: Int?
    public var temperature: Double?
    /// Extra top-level body fields (`chat_template_kwargs`, `top_p`, …).
    public var extra: [String: JSONValue]

    public init(messages: [ChatMessage], tools: [ToolSpec] = [], toolChoice: String? = nil, maxTokens: Int? = nil,
                temperature: Double? = nil, extra: [String: JSONValue] = [:]) {
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.extra = extra
    }
}

/// What the agent needs of a model: a streamed answer to a request.
///
/// ``LLMClient`` speaks OpenAI's Chat Completions; a provider with another wire (Anthropic
/// Messages, OpenAI Responses) conforms with a client of its own, and the agent does not change.
public protocol ModelClient: Sendable {
    /// One assistant response as it arrives; the last element is `.completed`.
    ///
    /// - Throws: ``LLMError``; `.cancelled` when the consuming task is cancelled.
    func stream(_ request: LLMRequest) -> AsyncThrowingStream<LLMStreamEvent, any Error>

    /// The same answer, handed to `onEvent` on the caller's own executor (no task between the
    /// transport and the caller: one thread hop fewer per chunk on the agent's loop). `sent` is
    /// called once the request has left, before any event.
    nonisolated(nonsending) func run(_ request: LLMRequest, sent: () -> Void, onEvent: (LLMStreamEvent) -> Void) async throws
}

extension ModelClient {
    nonisolated(nonsending) public func run(_ request: LLMRequest, sent: () -> Void, onEvent: (LLMStreamEvent) -> Void) async throws {
        let events = stream(request)
        sent()
        for try await event in events { onEvent(event) }
    }
}

extension ModelClient {
    /// One answer to a system and a user message, without tools: for summaries the user never
    /// sees streaming. - Throws: ``LLMError`` (`invalidResponse` for an empty answer).
    public func ask(system: String, user: String, maxTokens: Int, temperature: Double = 0.2) async throws -> String {
        try await answer(LLMRequest(messages: [.system(system), .user(user)], tools: [], toolChoice: nil,
                                    maxTokens: maxTokens, temperature: temperature))
    }

    /// The text of the answer to `request`, streamed but not shown: background passes and
    /// summaries. - Throws: ``LLMError`` (`invalidResponse` for an empty answer).
    public func answer(_ request: LLMRequest) async throws -> String {
        try await respond(request).text
    }

    /// The answer to `request` (trimmed, never empty) and what it cost, streamed but not shown.
    /// - Throws: ``LLMError`` (`invalidResponse` for an empty answer).
    public func respond(_ request: LLMRequest) async throws -> (text: String, usage: Usage?) {
        for try await event in stream(request) {
            if case .completed(let r) = event {
                let text = r.content.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { throw LLMError.invalidResponse(message: "the answer was empty") }
                return (text, r.usage)
            }
        }
        throw LLMError.invalidResponse(message: "the answer was empty")
    }
}

/// A client for any OpenAI-compatible `/chat/completions` endpoint.
///
/// `stream(_:)` retries retryable failures (429, 5xx, resets, streams cut before
/// `[DONE]`) with ``RetryPolicy`` backoff and reports each wait as
/// ``LLMStreamEvent/retrying(_:)``. When a stream breaks after text was already
/// delivered, the retried stream's text is compared with what was shown: a replay
/// of the same prefix is suppressed, so consumers see each character once.
public final class LLMClient: ModelClient {
    public let endpoint: Endpoint
    public let retry: RetryPolicy
    /// Seconds a response may go silent before it counts as stalled (and is retried).
    public let idleTimeout: Double
    private let transport: any HTTPStreamTransport
    private let sleep: @Sendable (Double) async throws -> Void
    /// Set once a server rejected `stream_options`; later requests leave it out.
    private let omitStreamOptions = Mutex(false)
    /// The last tool list and its rendered JSON (the same list is sent on every iteration).
    private let toolsCache = Mutex<(tools: [ToolSpec], json: [UInt8])?>(nil)
    /// The last request's messages and their encoded bytes (``encodedMessages(_:)``).
    private let messageCache = Mutex<[(message: ChatMessage, bytes: [UInt8])]>([])

    public init(endpoint: Endpoint, transport: any HTTPStreamTransport, retry: RetryPolicy = RetryPolicy(), idleTimeout: Double = 300,
                sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }) {
        self.endpoint = endpoint
        self.idleTimeout = idleTimeout
        self.transport = transport
        self.retry = retry
        self.sleep = sleep
    }

    /// Streams one assistant response, with retries. The last element is `.completed`.
    ///
    /// - Throws: ``LLMError`` from the stream once retries are exhausted, or `.cancelled`
    ///   when the consuming task is cancelled. A non-retryable error is thrown at once.
    public func stream(_ request: LLMRequest) -> AsyncThrowingStream<LLMStreamEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<LLMStreamEvent, any Error>.makeStream()
        let task = Task {
            do {
                try await self.runWithRetries(request, continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: Task.isCancelled ? LLMError.cancelled : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Sends a non-streaming request (summaries, titles) with the same retry policy.
    public func complete(_ request: LLMRequest) async throws -> AssistantResponse {
        var attempt = 0
        while true {
            do {
                return try await completeOnce(request)
            } catch let error as LLMError where error.isRetryable && attempt < retry.maxRetries {
                attempt += 1
                try await sleep(retry.delay(forRetry: attempt, after: error))
            }
        }
    }

    // MARK: - Streaming internals

    nonisolated(nonsending) public func run(_ request: LLMRequest, sent: () -> Void, onEvent: (LLMStreamEvent) -> Void) async throws {
        do {
            try await runWithRetries(request, sent: sent) { onEvent($0) }
        } catch {
            throw Task.isCancelled ? LLMError.cancelled : error
        }
    }

    private func runWithRetries(_ request: LLMRequest, _ out: AsyncThrowingStream<LLMStreamEvent, any Error>.Continuation) async throws {
        try await runWithRetries(request, sent: {}) { out.yield($0) }
    }

    nonisolated(nonsending) private func runWithRetries(_ request: LLMRequest, sent: () -> Void, _ out: (LLMStreamEvent) -> Void) async throws {
        var attempt = 0
        var shownText = ""
        var shownReasoning = ""
        while true {
            var replay = Replay(shownText: shownText, shownReasoning: shownReasoning)
            do {
                try await streamOnce(request, sent: attempt == 0 ? sent : {}) { event in
                    for e in replay.filter(event) { out(e) }
                }
                return
            } catch {
                shownText = replay.shownText
                shownReasoning = replay.shownReasoning
                guard error.isRetryable, attempt < retry.maxRetries, !Task.isCancelled else { throw error }
                attempt += 1
                let delay = retry.delay(forRetry: attempt, after: error)
                out(.retrying(Retrying(attempt: attempt, maxAttempts: retry.maxRetries, delayMs: Int(delay * 1000),
                                           reason: error.description)))
                try await sleep(delay)
            }
        }
    }

    private func renderedTools(_ tools: [ToolSpec]) -> [UInt8]? {
        guard !tools.isEmpty else { return nil }
        return toolsCache.withLock { cache in
            if let cache, cache.tools == tools { return cache.json }
            let json = RequestBody.renderTools(tools)
            cache = (tools, json)
            return json
        }
    }

    /// The messages encoded, reusing the last request's bytes for each message it had at the
    /// same place: a conversation's requests share all but their last messages, and images are
    /// read and base64-encoded once instead of on every request.
    private func encodedMessages(_ messages: [ChatMessage]) -> [[UInt8]] {
        messageCache.withLock { cache in
            var out: [[UInt8]] = []
            out.reserveCapacity(messages.count)
            for (i, m) in messages.enumerated() {
                out.append(i < cache.count && cache[i].message == m ? cache[i].bytes : RequestBody.encode(m))
            }
            cache = zip(messages, out).map { ($0, $1) }
            return out
        }
    }

    private func makeHTTPRequest(_ request: LLMRequest, stream: Bool) throws -> HTTPRequest {
        var body = RequestBody(model: endpoint.model, messages: request.messages, toolsJSON: renderedTools(request.tools),
                               toolChoice: request.toolChoice, stream: stream,
                               includeUsage: !omitStreamOptions.withLock { $0 }, maxTokens: request.maxTokens,
                               temperature: request.temperature, extra: request.extra)
        body.messageBytes = encodedMessages(request.messages)
        var headers = ["content-type": "application/json", "accept": stream ? "text/event-stream" : "application/json"]
        if let key = endpoint.apiKey, !key.isEmpty { headers["authorization"] = "Bearer \(key)" }
        return HTTPRequest(url: endpoint.url("/chat/completions"), method: "POST", headers: headers,
                           body: Data(body.encoded()), connectTimeout: 10, idleTimeout: idleTimeout)
    }

    nonisolated(nonsending) private func streamOnce(_ request: LLMRequest, sent: () -> Void, _ emit: (LLMStreamEvent) -> Void) async throws(LLMError) {
        let http: HTTPRequest
        do { http = try makeHTTPRequest(request, stream: true) } catch {
            throw .invalidResponse(message: "cannot encode request: \(error)")
        }
        var assembler = ResponseAssembler(knownTools: Set(request.tools.map(\.name)))
        var parser = SSEParser()
        var sawDone = false
        var status = 0
        var headers: [String: String] = [:]
        var errorBody = Data()
        do {
            let parts = transport.stream(http)
            sent()
            for try await part in parts {
                switch part {
                case .head(let s, let h):
                    status = s
                    headers = h
                case .body(let data):
                    guard status < 400 else { errorBody.append(data); continue }
                    for event in parser.feed(data) where !sawDone {
                        let payload = event.data.trimmingCharacters(in: .whitespaces)
                        if payload == "[DONE]" { sawDone = true; break }
                        if payload.isEmpty { continue }
                        // Retryable: a garbled line is usually a proxy or server hiccup.
                        guard let chunk = CompletionChunk(json: payload) else { throw LLMError.malformedStream(message: String(payload.prefix(120))) }
                        for e in try assembler.consume(chunk) { emit(e) }
                    }
                }
            }
        } catch let e as LLMError {
            throw e
        } catch let e as TransportError {
            switch e.code {
            case .cancelled: throw .cancelled
            case .timedOut: throw .timedOut(message: e.message)
            case .connectionFailed, .other:
                if status == 0 { throw .connection(message: e.message) }
                throw .streamInterrupted(receivedChars: assembler.receivedChars)
            }
        } catch {
            throw Task.isCancelled ? .cancelled : .connection(message: "\(error)")
        }
        if Task.isCancelled { throw .cancelled }
        if status >= 400 || status == 0 {
            let message = status == 0 ? "no response" : errorMessage(fromBody: errorBody)
            if status == 400, !omitStreamOptions.withLock({ $0 }), message.localizedCaseInsensitiveContains("stream_options") {
                omitStreamOptions.withLock { $0 = true }
                return try await streamOnce(request, sent: {}, emit)
            }
            throw .http(status: status, message: message, retryAfter: RetryPolicy.retryAfter(headers: headers))
        }
        if !sawDone {
            for event in parser.finish() where event.data != "[DONE]" {
                if let chunk = CompletionChunk(json: event.data) {
                    for e in try assembler.consume(chunk) { emit(e) }
                }
            }
            // Servers that close after the finish chunk without [DONE] gave a complete answer.
            if assembler.finishReason == nil { throw .streamInterrupted(receivedChars: assembler.receivedChars) }
        }
        var counter = 0
        let (events, response) = assembler.finish(makeID: {
            counter += 1
            return "call_\(counter)_\(UUID().uuidString.prefix(8).lowercased())"
        })
        for e in events { emit(e) }
        if response.content.isEmpty && response.reasoning.isEmpty && response.toolCalls.isEmpty && response.finishReason != .length {
            throw .emptyResponse
        }
        emit(.completed(response))
    }

    private func completeOnce(_ request: LLMRequest) async throws -> AssistantResponse {
        let http = try makeHTTPRequest(request, stream: false)
        let response: HTTPResponse
        do { response = try await transport.send(http) } catch let e as TransportError {
            throw e.code == .cancelled ? LLMError.cancelled : LLMError.connection(message: e.message)
        }
        guard response.status < 400 else {
            throw LLMError.http(status: response.status, message: errorMessage(fromBody: response.body),
                                retryAfter: RetryPolicy.retryAfter(headers: response.headers))
        }
        guard let chunk = CompletionChunk(json: String(decoding: response.body, as: UTF8.self)) else {
            throw LLMError.invalidResponse(message: String(decoding: response.body.prefix(200), as: UTF8.self))
        }
        var assembler = ResponseAssembler(knownTools: Set(request.tools.map(\.name)))
        _ = try assembler.consume(chunk)
        var n = 0
        return assembler.finish(makeID: { n += 1; return "call_\(n)" }).response
    }
}

/// Suppresses the replayed prefix of a retried stream (see ``LLMClient``).
///
/// `displayed` is what consumers have seen across attempts; `current` is this attempt's
/// text. While `current` is a prefix of `displayed` nothing is shown; once it grows past
/// it, only the new part is. A replay that diverges shows its remainder as is.
struct Replay {
    private struct Track {
        var displayed: String
        var current = ""
        /// `current == displayed`: the common, allocation-light path of a first attempt.
        var inSync: Bool
        var diverged = false

        init(_ displayed: String) {
            self.displayed = displayed
            inSync = displayed.isEmpty
        }

        mutating func pass(_ delta: String) -> String? {
            if inSync { displayed += delta; current += delta; return delta }
            if diverged { return delta }
            let covered = current.count
            current += delta
            if displayed.hasPrefix(current) { return nil }
            if current.hasPrefix(displayed) {
                let fresh = String(current.dropFirst(max(displayed.count, covered)))
                displayed = current
                inSync = true
                return fresh.isEmpty ? nil : fresh
            }
            diverged = true
            return String(current.dropFirst(covered))
        }
    }

    private var text: Track
    private var reasoning: Track

    init(shownText: String, shownReasoning: String) {
        text = Track(shownText)
        reasoning = Track(shownReasoning)
    }

    /// What a further retry must treat as already shown (nothing, once a replay diverged).
    var shownText: String { text.diverged ? "" : text.displayed }
    var shownReasoning: String { reasoning.diverged ? "" : reasoning.displayed }

    mutating func filter(_ event: LLMStreamEvent) -> [LLMStreamEvent] {
        switch event {
        case .textDelta(let t): text.pass(t).map { [.textDelta($0)] } ?? []
        case .reasoningDelta(let t): reasoning.pass(t).map { [.reasoningDelta($0)] } ?? []
        case .toolCallStarted, .retrying, .completed: [event]
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
