import AgentProtocol
import Foundation
import LLMClient

/// The local signal-cli JSON-RPC daemon (`Fixtures/signal_server.py`) on a free loopback port.
public final class FakeSignal: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let account: String
    let transport: any HTTPStreamTransport
    let dir: TempDir

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init(account: String = "+15550000001", transport: any HTTPStreamTransport) async throws {
        self.account = account
        self.transport = transport
        (process, port, dir) = try await launchFixture("signal_server.py", ["--account", account], label: "signal")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// `source` writes `text` to the bot (in group `group` when given).
    public func message(from source: String, name: String = "alice", text: String, group: String? = nil, file: FakeFile? = nil) async throws {
        var body: [String: JSONValue] = ["source": .string(source), "name": .string(name), "text": .string(text)]
        if let group { body["group"] = .string(group) }
        if let file { body["file"] = file.json }
        var w = JSONWriter()
        w.value(.object(body))
        _ = try await transport.send(HTTPRequest(url: URL(string: baseURL + "/_test/message")!, method: "POST",
                                                 headers: ["content-type": "application/json"], body: Data(w.bytes)))
    }

    /// Every call the bot made (method, params; `files` for attachments it sent).
    public func calls() async throws -> [JSONValue] {
        let r = try await transport.send(HTTPRequest(url: URL(string: baseURL + "/_test/sent")!))
        return JSONReader.parse(String(decoding: r.body, as: UTF8.self))?.arrayValue ?? []
    }

    /// What a chat (a number, or `group:ID`) shows of the bot's messages: each after its last edit.
    public func texts(to chat: String) async throws -> [String] {
        let r = try await transport.send(HTTPRequest(url: URL(string: baseURL + "/_test/sent")!))
        let calls = JSONReader.parse(String(decoding: r.body, as: UTF8.self))?.arrayValue ?? []
        var order: [Int] = [], text: [Int: String] = [:]
        for c in calls where c["method"]?.stringValue == "send" {
            let p = c["params"] ?? .null
            let to = p["groupId"]?.stringValue.map { "group:" + $0 } ?? p["recipient"]?.arrayValue?.first?.stringValue
            guard to == chat, let stamp = c["timestamp"]?.intValue else { continue }
            if p["editTimestamp"] == nil { order.append(stamp) }
            text[stamp] = p["message"]?.stringValue ?? ""
        }
        return order.compactMap { text[$0] }
    }

    /// Waits for `count` messages whose texts satisfy `until` (an answer streams in by edits).
    public func waitForTexts(to chat: String, count: Int, seconds: Double = 30, until: ([String]) -> Bool = { _ in true }) async throws -> [String] {
        let deadline = Date().addingTimeInterval(seconds)
        var t = try await texts(to: chat)
        while t.count < count || !until(t), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            t = try await texts(to: chat)
        }
        return t
    }
}
