import AgentProtocol
import Foundation

/// JSON-RPC 2.0 as ACP uses it: one message per line on stdio.
enum RPC {
    /// A message from the client, classified.
    enum Incoming: Sendable {
        case request(id: JSONValue, method: String, params: JSONValue)
        case notification(method: String, params: JSONValue)
        case response(id: JSONValue, result: JSONValue?, error: JSONValue?)
        /// Not JSON-RPC: answered with a parse or invalid-request error.
        case invalid(id: JSONValue, code: Int, message: String)
    }

    static func parse(_ line: String) -> Incoming {
        guard let value = JSONValue.parse(line), case .object(let o) = value else {
            return .invalid(id: .null, code: parseError, message: "not a JSON object")
        }
        let id = o["id"] ?? .null
        if let method = o["method"]?.stringValue {
            let params = o["params"] ?? .object([:])
            return o["id"] == nil ? .notification(method: method, params: params) : .request(id: id, method: method, params: params)
        }
        if o["result"] != nil || o["error"] != nil { return .response(id: id, result: o["result"], error: o["error"]) }
        return .invalid(id: id, code: invalidRequest, message: "neither a request, a notification nor a response")
    }

    static let parseError = -32700
    static let invalidRequest = -32600
    static let methodNotFound = -32601
    static let invalidParams = -32602
    static let internalError = -32603

    static func result(_ id: JSONValue, _ result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "result": result]
    }

    static func error(_ id: JSONValue, _ code: Int, _ message: String) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": ["code": .number(Double(code)), "message": .string(message)]]
    }

    static func notification(_ method: String, _ params: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "method": .string(method), "params": params]
    }

    static func request(_ id: Int, _ method: String, _ params: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": .number(Double(id)), "method": .string(method), "params": params]
    }
}

/// A failure a method answers with (its JSON-RPC error).
struct RPCFailure: Error {
    var code: Int
    var message: String

    static func params(_ message: String) -> RPCFailure { RPCFailure(code: RPC.invalidParams, message: message) }
}

/// Where messages go: one line each, in the order written (stdout, or a test's pipe).
actor LineWriter {
    private let handle: FileHandle

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    func send(_ message: JSONValue) {
        handle.write(Data((message.jsonText + "\n").utf8))
    }
}
