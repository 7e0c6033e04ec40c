import AgentProtocol
import Foundation
import LLMClient

/// The local WhatsApp Cloud API (`Fixtures/whatsapp_server.py`): the Graph API the gateway sends
/// through, and Meta's side of the webhook (signed deliveries to the gateway).
public final class FakeWhatsApp: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public let token = "EAAtest-token"
    public let phoneID = "106540352242922"
    public let appSecret = "test-app-secret"
    let transport: any HTTPStreamTransport
    let dir: TempDir

    public var graphURL: String { "http://127.0.0.1:\(port)/v21.0" }

    public init(transport: any HTTPStreamTransport) async throws {
        self.transport = transport
        (process, port, dir) = try await launchFixture("whatsapp_server.py", ["--token", token, "--phone", phoneID], label: "whatsapp")
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Meta delivers a message (or a button reply) from `from` to `webhook`; the status it got.
    @discardableResult
    public func deliver(to webhook: String, from: String, name: String = "alice", text: String? = nil, buttonID: String? = nil,
                        file: FakeFile? = nil, badSignature: Bool = false) async throws -> Int {
        var body: [String: JSONValue] = ["webhook": .string(webhook), "secret": .string(appSecret), "from": .string(from), "name": .string(name)]
        if let file { body["file"] = file.json }
        if let text { body["text"] = .string(text) }
        if let buttonID { body["button_id"] = .string(buttonID) }
        if badSignature { body["bad_signature"] = true }
        var w = JSONWriter()
        w.value(.object(body))
        let r = try await transport.send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/_test/deliver")!, method: "POST",
                                                     headers: ["content-type": "application/json"], body: Data(w.bytes), idleTimeout: 60))
        return JSONReader.parse(String(decoding: r.body, as: UTF8.self))?["status"]?.intValue ?? 0
    }

    /// Media the bot uploaded: (media id, file name, sha256).
    public func uploads() async throws -> [(id: String, name: String, sha256: String)] {
        let r = try await transport.send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/_test/sent")!))
        return (JSONReader.parse(String(decoding: r.body, as: UTF8.self))?.arrayValue ?? []).compactMap { u in
            u["upload"]?.stringValue.map { ($0, u["name"]?.stringValue ?? "", u["sha256"]?.stringValue ?? "") }
        }
    }

    /// Messages the bot sent to `to`, in order (their request bodies).
    public func sent(to: String) async throws -> [JSONValue] {
        let r = try await transport.send(HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/_test/sent")!))
        return (JSONReader.parse(String(decoding: r.body, as: UTF8.self))?.arrayValue ?? []).compactMap { $0["body"] }
            .filter { $0["to"]?.stringValue == to }
    }

    public func waitSent(to: String, count: Int, seconds: Double = 30) async throws -> [JSONValue] {
        let deadline = Date().addingTimeInterval(seconds)
        var s = try await sent(to: to)
        while s.count < count, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            s = try await sent(to: to)
        }
        return s
    }
}
