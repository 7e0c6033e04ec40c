import Foundation
import LLMClient
import Synchronization

/// An in-process ``HTTPStreamTransport`` that answers each request with the next scripted reply
/// and records every request, for deterministic client and agent tests.
public final class ScriptedTransport: HTTPStreamTransport {
    public enum Reply: Sendable {
        /// Status, headers and body pieces (each piece is yielded separately, as a network read).
        case response(status: Int, headers: [String: String], pieces: [String])
        /// The connection fails after these body pieces (a reset mid-stream).
        case dropAfter(pieces: [String])
        /// The server never answers until cancelled.
        case hang
        /// Connection refused.
        case refused
    }

    private let state: Mutex<(replies: [Reply], requests: [HTTPRequest])>
    /// Used when the script runs out.
    private let fallback: Reply?

    public init(_ replies: [Reply], fallback: Reply? = nil) {
        state = Mutex((replies, []))
        self.fallback = fallback
    }

    public var requests: [HTTPRequest] { state.withLock { $0.requests } }

    /// The JSON bodies of the chat requests received so far.
    public var requestBodies: [[String: Any]] {
        requests.compactMap { r in r.body.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } }
    }

    public func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let reply: Reply? = state.withLock { s in
            s.requests.append(request)
            return s.replies.isEmpty ? fallback : s.replies.removeFirst()
        }
        return AsyncThrowingStream { c in
            let task = Task {
                switch reply {
                case .response(let status, let headers, let pieces)?:
                    c.yield(.head(status: status, headers: headers))
                    for p in pieces { c.yield(.body(Data(p.utf8))); await Task.yield() }
                    c.finish()
                case .dropAfter(let pieces)?:
                    c.yield(.head(status: 200, headers: ["content-type": "text/event-stream"]))
                    for p in pieces { c.yield(.body(Data(p.utf8))) }
                    c.finish(throwing: TransportError(.connectionFailed, "connection reset by peer"))
                case .hang?:
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                    c.finish(throwing: TransportError(.cancelled, "cancelled"))
                case .refused?, nil:
                    c.finish(throwing: TransportError(.connectionFailed, "Couldn't connect to server"))
                }
            }
            c.onTermination = { _ in task.cancel() }
        }
    }
}

/// Builders for OpenAI-style SSE bodies.
public enum SSE {
    public static func event(_ json: String) -> String { "data: \(json)\n\n" }
    public static let done = "data: [DONE]\n\n"

    public static func content(_ text: String) -> String {
        event(#"{"choices":[{"index":0,"delta":{"content":\#(quote(text))},"finish_reason":null}]}"#)
    }

    public static func reasoning(_ text: String) -> String {
        event(#"{"choices":[{"index":0,"delta":{"reasoning_content":\#(quote(text))},"finish_reason":null}]}"#)
    }

    public static func finish(_ reason: String) -> String {
        event(#"{"choices":[{"index":0,"delta":{},"finish_reason":"\#(reason)"}]}"#)
    }

    public static func usage(prompt: Int, completion: Int) -> String {
        event(#"{"choices":[],"usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion)}}"#)
    }

    /// A native tool call streamed as an opening fragment plus argument pieces.
    public static func toolCall(index: Int, id: String, name: String, arguments: String, pieceSize: Int = 5) -> [String] {
        var out = [event(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":\#(index),"id":"\#(id)","type":"function","function":{"name":"\#(name)","arguments":""}}]}}]}"#)]
        var rest = Substring(arguments)
        while !rest.isEmpty {
            let piece = rest.prefix(pieceSize)
            rest = rest.dropFirst(pieceSize)
            out.append(event(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":\#(index),"function":{"arguments":\#(quote(String(piece)))}}]}}]}"#))
        }
        return out
    }

    /// A complete text answer.
    public static func answer(_ text: String) -> ScriptedTransport.Reply {
        .response(status: 200, headers: ["content-type": "text/event-stream"], pieces: [content(text), finish("stop"), done])
    }

    /// A complete turn that calls one tool.
    public static func callTool(_ name: String, arguments: String, id: String = "call_1") -> ScriptedTransport.Reply {
        .response(status: 200, headers: ["content-type": "text/event-stream"],
                  pieces: toolCall(index: 0, id: id, name: name, arguments: arguments) + [finish("tool_calls"), done])
    }

    public static func quote(_ s: String) -> String {
        String(decoding: try! JSONEncoder().encode(s), as: UTF8.self)
    }
}
