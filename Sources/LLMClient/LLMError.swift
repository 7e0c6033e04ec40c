import Foundation

/// Why a model request failed. Every case carries what the user needs to act on it.
public enum LLMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with an error status; `message` is taken from its JSON body.
    case http(status: Int, message: String, retryAfter: Double?)
    /// An `error` object arrived inside a 200 stream.
    case streamError(message: String)
    /// The stream closed before `[DONE]` and before any finish reason.
    case streamInterrupted(receivedChars: Int)
    /// The server could not be reached, or the connection broke.
    case connection(message: String)
    case timedOut(message: String)
    /// A 200 response with no text, reasoning or tool call.
    case emptyResponse
    /// A `data:` line was not valid JSON.
    case malformedStream(message: String)
    /// The body was not a chat completion at all.
    case invalidResponse(message: String)
    case cancelled

    /// Whether a retry with backoff may succeed.
    public var isRetryable: Bool {
        switch self {
        case .http(let status, _, _): status == 408 || status == 409 || status == 429 || status >= 500
        case .streamInterrupted, .connection, .timedOut, .malformedStream, .emptyResponse: true
        // In-stream errors the server says are its own (`server_error`, overload, a timeout)
        // pass like a 5xx; a context overflow or a bad request does not.
        case .streamError(let m): !isContextOverflow && ["overloaded", "rate limit", "server_error", "internal", "timeout", "unavailable"]
            .contains { m.localizedCaseInsensitiveContains($0) }
        case .invalidResponse, .cancelled: false
        }
    }

    /// The server's `Retry-After`, in seconds, if it sent one.
    public var retryAfter: Double? {
        if case .http(_, _, let r) = self { return r }
        return nil
    }

    /// Whether the prompt did not fit the model's context window.
    public var isContextOverflow: Bool {
        switch self {
        case .http(_, let m, _), .streamError(let m):
            let l = m.lowercased()
            return l.contains("context") && (l.contains("exceed") || l.contains("too long") || l.contains("length") || l.contains("maximum"))
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .http(let status, let message, _): "HTTP \(status): \(message)"
        case .streamError(let message): "server error during the stream: \(message)"
        case .streamInterrupted(let n): "the stream ended without [DONE] after \(n) characters"
        case .connection(let message): "cannot reach the model server: \(message)"
        case .timedOut(let message): "timed out: \(message)"
        case .emptyResponse: "the server sent an empty completion"
        case .malformedStream(let message): "malformed data in the stream: \(message)"
        case .invalidResponse(let message): "unexpected response from the model server: \(message)"
        case .cancelled: "cancelled"
        }
    }
}
