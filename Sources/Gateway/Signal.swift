import AgentProtocol
import Foundation
import LLMClient

/// Signal through signal-cli's JSON-RPC daemon (`signal-cli -a ACCOUNT daemon --http 127.0.0.1:8080
/// --receive-mode manual`): `receive` pulls what arrived (it stays on Signal's servers until
/// pulled, so nothing is lost while the gateway is down), `send` answers (an edit is a send with
/// `editTimestamp`), `sendTyping` shows typing. Signal has no buttons: approvals are answered by
/// replying yes or no. A group is the chat `group:ID`; a person is their number.
public struct SignalPlatform: ChatPlatform {
    public let name = "signal"
    public let maxLength = 2000
    let account: String
    let baseURL: String
    let transport: any HTTPStreamTransport
    let pollTimeout: Int

    public init(account: String, baseURL: String, transport: any HTTPStreamTransport, pollTimeout: Int = 20) {
        self.account = account
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.transport = transport
        self.pollTimeout = pollTimeout
    }

    func call(_ method: String, _ params: [String: JSONValue], timeout: Double = 30) async throws(PlatformError) -> JSONValue {
        var params = params
        params["account"] = .string(account)
        var w = JSONWriter()
        w.value(["jsonrpc": "2.0", "id": .string(UUID().uuidString), "method": .string(method), "params": .object(params)])
        let request = HTTPRequest(url: URL(string: "\(baseURL)/api/v1/rpc")!, method: "POST", headers: ["content-type": "application/json"],
                                  body: Data(w.bytes), connectTimeout: 10, idleTimeout: timeout)
        let response: HTTPResponse
        do { response = try await transport.send(request) } catch { throw PlatformError(.network, "signal-cli \(method): \(error)") }
        guard let json = JSONReader.parse(String(decoding: response.body, as: UTF8.self)) else {
            throw PlatformError(.network, "signal-cli \(method): HTTP \(response.status), not JSON-RPC (is it `signal-cli daemon --http`?)")
        }
        if let error = json["error"] {
            let message = error["message"]?.stringValue ?? "error"
            if message.localizedCaseInsensitiveContains("rate") { throw PlatformError(.rateLimited, "signal-cli \(method): \(message)", retryAfter: 5) }
            if message.localizedCaseInsensitiveContains("not registered") || message.localizedCaseInsensitiveContains("unknown account") {
                throw PlatformError(.unauthorized, "signal-cli does not serve \(account): \(message)")
            }
            throw PlatformError(.rejected, "signal-cli \(method): \(message)")
        }
        return json["result"] ?? .null
    }

    public func poll(after cursor: String?) async throws(PlatformError) -> (updates: [ChatUpdate], cursor: String?) {
        let result: JSONValue
        do { result = try await call("receive", ["timeout": .number(Double(pollTimeout))], timeout: Double(pollTimeout + 15)) } catch where error.kind == .rateLimited {
            try? await Task.sleep(for: .seconds(error.retryAfter ?? 5))
            return ([], cursor)
        }
        return ((result.arrayValue ?? []).compactMap(Self.decode), cursor)
    }

    /// One received envelope as the gateway reads it; nil for receipts, typing and the like.
    static func decode(_ item: JSONValue) -> ChatUpdate? {
        let envelope = item["envelope"] ?? item
        guard let source = envelope["sourceNumber"]?.stringValue ?? envelope["source"]?.stringValue,
              let data = envelope["dataMessage"], let stamp = data["timestamp"]?.intValue ?? envelope["timestamp"]?.intValue else { return nil }
        let text = data["message"]?.stringValue ?? ""
        let chat = data["groupInfo"]?["groupId"]?.stringValue.map { "group:" + $0 } ?? source
        // An attachment is fetched by its id from the chat it came in: `CHAT|ID`.
        let files = (data["attachments"]?.arrayValue ?? []).compactMap { a -> ChatFile? in
            guard let id = a["id"]?.stringValue else { return nil }
            let mime = a["contentType"]?.stringValue ?? "application/octet-stream"
            return ChatFile(ref: "\(chat)|\(id)", name: a["filename"]?.stringValue ?? id, mime: mime, size: a["size"]?.intValue)
        }
        guard !text.isEmpty || !files.isEmpty else { return nil }
        let name = envelope["sourceName"]?.stringValue ?? source
        return .message(id: "\(source):\(stamp)", chat: chat, user: source, userName: name, text: text, files: files.isEmpty ? nil : files)
    }

    static func target(_ chat: String) -> [String: JSONValue] {
        chat.hasPrefix("group:") ? ["groupId": .string(String(chat.dropFirst(6)))] : ["recipient": [.string(chat)]]
    }

    public func send(_ markdown: String, to chat: String, buttons: [ChatButton]) async throws(PlatformError) -> String {
        var params = Self.target(chat)
        params["message"] = .string(ChatText.plain(markdown))
        let result = try await call("send", params)
        return result["timestamp"]?.intValue.map(String.init) ?? ""
    }

    public func edit(_ messageID: String, in chat: String, to markdown: String) async throws(PlatformError) {
        guard let stamp = Int(messageID) else { return }
        var params = Self.target(chat)
        params["message"] = .string(ChatText.plain(markdown))
        params["editTimestamp"] = .number(Double(stamp))
        _ = try await call("send", params)
    }

    public func typing(in chat: String) async {
        _ = try? await call("sendTyping", Self.target(chat))
    }

    public func answerButton(_ queryID: String, text: String) async {}

    public func download(_ file: ChatFile) async throws(PlatformError) -> Data {
        guard let bar = file.ref.lastIndex(of: "|") else { throw PlatformError(.rejected, "Signal attachment without its chat") }
        var params = Self.target(String(file.ref[..<bar]))
        if let one = params["recipient"]?.arrayValue?.first { params["recipient"] = one }
        params["id"] = .string(String(file.ref[file.ref.index(after: bar)...]))
        let result = try await call("getAttachment", params, timeout: 60)
        guard let b64 = result["data"]?.stringValue ?? result.stringValue, let data = Data(base64Encoded: b64) else {
            throw PlatformError(.rejected, "signal-cli getAttachment gave no data")
        }
        return data
    }

    /// An attachment as a data URI (signal-cli takes `data:MIME;filename=NAME;base64,…`).
    public func sendFile(_ data: Data, name: String, mime: String, caption: String, to chat: String) async throws(PlatformError) {
        var params = Self.target(chat)
        params["message"] = .string(ChatText.plain(caption))
        let safeName = name.replacingOccurrences(of: ";", with: "_").replacingOccurrences(of: ",", with: "_")
        params["attachments"] = [.string("data:\(mime);filename=\(safeName);base64,\(data.base64EncodedString())")]
        _ = try await call("send", params, timeout: 120)
    }
}
