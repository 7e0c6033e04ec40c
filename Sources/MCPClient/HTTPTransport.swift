import AgentProtocol
import Foundation
import LLMClient
import Logging
import MCP

/// MCP over streamable HTTP (protocol revisions 2025-03-26 to 2025-11-25).
///
/// Every message is a POST; the answer is a JSON body or an SSE stream whose events are
/// the server's notifications (progress, logs) followed by the response. The session id
/// from `initialize` goes back on every request with the negotiated protocol version.
/// After `notifications/initialized` a GET stream carries messages the server starts.
///
/// A server restart forgets sessions and answers 404: the transport replays the
/// `initialize` it saw (answering it itself, so the SDK never sees a second response),
/// re-sends `notifications/initialized`, retries the request once, and calls
/// `onReinitialized` so the tool list is fetched again. The SDK's own HTTP transport does
/// not parse SSE responses on Linux, and does not recover from 404.
public actor HTTPTransport: Transport {
    public nonisolated let logger = Logger(label: "talaria.mcp.http") { _ in SwiftLogNoOpLogHandler() }

    private let url: URL
    private let headers: [String: String]
    private let http: any HTTPStreamTransport
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private let onClose: @Sendable (String) -> Void
    private let onReinitialized: @Sendable () -> Void

    private var sessionID: String?
    private var protocolVersion: String?
    /// An initialize is on its way: the next answers are read for the negotiated version
    /// (only then — every other message goes to the SDK unparsed).
    private var expectingInitializeAnswer = false
    private var initializeBody: Data?
    private var getStream: Task<Void, Never>?
    private var reinitializing: Task<Void, any Error>?
    private var closed = false

    public init(url: URL, headers: [String: String], http: any HTTPStreamTransport,
                onClose: @escaping @Sendable (String) -> Void = { _ in },
                onReinitialized: @escaping @Sendable () -> Void = {}) {
        self.url = url
        self.headers = headers
        self.http = http
        self.onClose = onClose
        self.onReinitialized = onReinitialized
        (stream, continuation) = AsyncThrowingStream.makeStream()
    }

    public func connect() async throws {}

    public func disconnect() async {
        guard !closed else { return }
        closed = true
        getStream?.cancel()
        if let sessionID {
            var request = HTTPRequest(url: url, method: "DELETE", headers: headers, connectTimeout: 2, idleTimeout: 2)
            request.headers["Mcp-Session-Id"] = sessionID
            _ = try? await http.send(request)
        }
        continuation.finish()
    }

    public nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { stream }

    /// The session id the server gave (nil for a stateless server).
    public var currentSessionID: String? { sessionID }

    public func send(_ data: Data) async throws {
        guard !closed else { throw MCPClientError(.closed, "disconnected") }
        let message = JSONValue.parse(String(decoding: data, as: UTF8.self))
        let method = message?["method"]?.stringValue
        if method == "initialize" {
            initializeBody = data
            expectingInitializeAnswer = true
            sessionID = nil
        }
        if let reinitializing { try await reinitializing.value }
        let sentWithSession = sessionID
        let outcome = try await post(data, deliver: true)
        if outcome == .sessionGone, sentWithSession != nil, method != "initialize" {
            try await reinitialize()
            if try await post(data, deliver: true) == .sessionGone {
                throw MCPClientError(.http(status: 404), "the server forgot the session again right after a new one was made")
            }
        }
        if method == "notifications/initialized" { openGetStream() }
    }

    private enum Outcome { case delivered, sessionGone }

    /// POSTs one message and hands what comes back to the SDK (or, when `deliver` is false,
    /// returns it: the replayed initialize's answer is ours, not the SDK's).
    @discardableResult
    private func post(_ data: Data, deliver: Bool, collect: ((Data) -> Void)? = nil) async throws -> Outcome {
        var request = HTTPRequest(url: url, method: "POST", headers: headers, body: data, connectTimeout: 10, idleTimeout: 3600)
        request.headers["Content-Type"] = "application/json"
        request.headers["Accept"] = "application/json, text/event-stream"
        if let sessionID { request.headers["Mcp-Session-Id"] = sessionID }
        if let protocolVersion { request.headers["MCP-Protocol-Version"] = protocolVersion }
        var status = 0
        var isSSE = false
        var body = Data()
        var sse = SSEParser()
        let emit: (Data) -> Void = { [continuation] message in
            if deliver { continuation.yield(message) } else { collect?(message) }
        }
        do {
            for try await part in http.stream(request) {
                switch part {
                case .head(let s, let h):
                    status = s
                    isSSE = h["content-type"]?.lowercased().hasPrefix("text/event-stream") == true
                    if (200..<300).contains(s), let id = h["mcp-session-id"], !id.isEmpty { sessionID = id }
                case .body(let chunk):
                    guard (200..<300).contains(status), isSSE else { body.append(chunk); continue }
                    for event in sse.feed(chunk) where !event.data.isEmpty { observe(Data(event.data.utf8)); emit(Data(event.data.utf8)) }
                }
            }
        } catch let error as TransportError {
            if error.code == .cancelled { throw CancellationError() }
            let reason = "cannot reach \(url.absoluteString): \(error.message)"
            onClose(reason)
            throw MCPClientError(.closed, reason)
        }
        if isSSE {
            for event in sse.finish() where !event.data.isEmpty { emit(Data(event.data.utf8)) }
        }
        switch status {
        case 200..<300:
            if !isSSE, !body.isEmpty { observe(body); emit(body) }
            return .delivered
        case 404 where sessionID != nil:
            return .sessionGone
        default:
            throw MCPClientError.http(status: status, body: body)
        }
    }

    /// Notes the negotiated version from an initialize answer.
    private func observe(_ message: Data) {
        guard expectingInitializeAnswer,
              let v = JSONValue.parse(String(decoding: message, as: UTF8.self))?["result"]?["protocolVersion"]?.stringValue
        else { return }
        protocolVersion = v
        expectingInitializeAnswer = false
    }

    /// Makes a new session after the server forgot ours; concurrent callers share one attempt.
    private func reinitialize() async throws {
        if let reinitializing { return try await reinitializing.value }
        let task = Task { try await self.replayInitialize() }
        reinitializing = task
        defer { reinitializing = nil }
        try await task.value
    }

    private func replayInitialize() async throws {
        guard let initializeBody else { throw MCPClientError(.http(status: 404), "session not found and no initialize to replay") }
        sessionID = nil
        getStream?.cancel()
        expectingInitializeAnswer = true
        var answered = false
        try await post(initializeBody, deliver: false) { message in
            if JSONValue.parse(String(decoding: message, as: UTF8.self))?["result"] != nil { answered = true }
        }
        guard answered else { throw MCPClientError(.closed, "the server did not answer the new initialize") }
        try await post(Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8), deliver: false)
        openGetStream()
        onReinitialized()
    }

    /// The optional server-to-client stream. A server without it answers 405; that is fine.
    private func openGetStream() {
        getStream?.cancel()
        var request = HTTPRequest(url: url, method: "GET", headers: headers, connectTimeout: 10, idleTimeout: 24 * 3600)
        request.headers["Accept"] = "text/event-stream"
        if let sessionID { request.headers["Mcp-Session-Id"] = sessionID }
        if let protocolVersion { request.headers["MCP-Protocol-Version"] = protocolVersion }
        let http = self.http
        let continuation = self.continuation
        getStream = Task {
            var sse = SSEParser()
            var ok = false
            do {
                for try await part in http.stream(request) {
                    switch part {
                    case .head(let s, let h):
                        ok = s == 200 && h["content-type"]?.hasPrefix("text/event-stream") == true
                        if !ok { return }
                    case .body(let chunk):
                        for event in sse.feed(chunk) where !event.data.isEmpty { continuation.yield(Data(event.data.utf8)) }
                    }
                }
            } catch {}
        }
    }
}
