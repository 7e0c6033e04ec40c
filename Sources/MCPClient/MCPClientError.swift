import AgentProtocol
import Foundation

/// Why an MCP connection or call failed: the module's one error type.
///
/// It crosses the SDK (our transports throw it from `send`, the SDK hands it to the waiting
/// request) and comes back to ``MCPServerConnection``, which turns it into a status for the
/// user and a message for the model; nothing outside the module sees it thrown.
public struct MCPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The peer is gone: exited, closed its output, unreachable. Reconnecting may help.
        case closed
        /// An HTTP answer that is not an MCP message.
        case http(status: Int)
        /// No answer in time.
        case timedOut
        /// Retrying cannot fix it: a missing program, an unset token variable, a bad URL, a
        /// protocol version Talaria does not speak.
        case fatal
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        if case .http(let status) = code { return "HTTP \(status): \(message)" }
        return message
    }

    static func timeout(_ what: String, seconds: Double) -> MCPClientError {
        MCPClientError(.timedOut, "\(what) got no answer within \(seconds.formatted(.number.precision(.fractionLength(0...1)))) s")
    }

    /// An HTTP error answer, with the JSON-RPC error message when the body has one.
    static func http(status: Int, body: Data) -> MCPClientError {
        let text = String(decoding: body.prefix(2000), as: UTF8.self)
        let detail = JSONValue.parse(text)?["error"]?["message"]?.stringValue ?? text.trimmingCharacters(in: .whitespacesAndNewlines)
        return MCPClientError(.http(status: status), detail.isEmpty ? "no details" : String(detail.prefix(300)))
    }
}
