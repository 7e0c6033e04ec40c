import AgentProtocol
import CurlTransport
import Foundation
import LLMClient
import Testing
import TestSupport

/// Keys planted in the environment, in a workspace file and (so) in tool output, printed by a
/// command the agent runs, repeated by a model that echoes its tool results, written to memory,
/// asked for through the serve API and a Telegram chat: none reaches the database, a log,
/// memory, an API response or a chat message — only `[redacted …]` does.
@Suite("secrets audit", .serialized)
struct SecretsAuditTests {
    static let envSecret = "tok-PLANTED-ENV-7f3a9c1d2e4b"
    static let fileSecret = "PLANTED-FILE-b81c33aa90"
    static let awsKey = "AKIAPLANTEDX7Q2ZB4KQ"
    static let gatewayToken = "424242:PLANTED-telegram-token-xyz"
    static let all = [envSecret, fileSecret, awsKey, gatewayToken]

    static func leaks(_ text: String) -> [String] { all.filter { text.contains($0) } }

    @Test("planted keys reach no store, log, memory, serve response or chat message")
    func audit() async throws {
        // The scripted model "knows" two keys (as if it had read them somewhere) and writes them down.
        let llm = try await FakeLLMServer(environment: ["FAKE_KNOWS": "\(Self.envSecret) and \(Self.awsKey)"])
        let home = TalariaHome()
        try "password=\(Self.fileSecret)\nAWS_ACCESS_KEY_ID=\(Self.awsKey)\n".write(toFile: home.work + "/.env", atomically: true, encoding: .utf8)
        try "cat .env\nprintenv MY_SERVICE_TOKEN\n".write(toFile: home.work + "/leak.sh", atomically: true, encoding: .utf8)
        let env = ["MY_SERVICE_TOKEN": Self.envSecret, "E2E_TG_TOKEN": Self.gatewayToken]
        let model = ["--base-url", llm.baseURL, "--model", "fake"]

        // A command prints the keys; the model repeats what it saw.
        let run = try await home.run(["-p", "audit rounds=1 cmd=sh%20leak.sh echo=tool"] + model, extraEnv: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("[redacted"), "the command ran and its output was redacted: \(run.stdout)")
        #expect(Self.leaks(run.stdout + run.stderr).isEmpty, "\(run.stdout)")

        // The model keeps them in memory, and says them in its answer.
        let args = #"{"action":"add","content":"deploy%20token%20is%20${FAKE_KNOWS}"}"#
        let remember = try await home.run(["-p", "note rounds=1 tool=memory args=\(args) final=They_are_${FAKE_KNOWS}"] + model, extraEnv: env)
        #expect(remember.status == 0, "\(remember.stderr)")
        // What -p prints as the answer streams is redacted too, not only what is kept.
        #expect(remember.stdout.contains("[redacted"), "\(remember.stdout)")
        #expect(Self.leaks(remember.stdout).isEmpty, "\(remember.stdout)")

        // Through the serve API.
        let serve = try await ServeProcess(home: home, args: model, extraEnv: env)
        let body = #"{"model":"fake","messages":[{"role":"user","content":"api rounds=1 cmd=sh%20leak.sh echo=tool"}]}"#
        let answer = try await serve.call("POST", "/v1/chat/completions", json: body)
        let answerText = String(decoding: answer.body, as: UTF8.self)
        #expect(answer.status == 200, "\(answerText)")
        #expect(answerText.contains("[redacted"), "\(answerText)")
        #expect(Self.leaks(answerText).isEmpty, "\(answerText)")
        // Streamed: the model says both keys, a few characters at a time; no event holds either, or its start.
        let streamed = try await serve.call("POST", "/v1/chat/completions",
                                            json: #"{"model":"fake","stream":true,"messages":[{"role":"user","content":"say slow=5 final=Known_${FAKE_KNOWS}"}]}"#)
        let sse = String(decoding: streamed.body, as: UTF8.self)
        let content = sse.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("data: {"), let json = JSONValue.parse(String(line.dropFirst(6))) else { return nil }
            return json["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue
        }.joined()
        #expect(streamed.status == 200, "\(sse)")
        // Joined, the pieces are the redacted answer once: nothing of a key, nothing sent twice.
        #expect(content == "Known [redacted $MY_SERVICE_TOKEN] and [redacted]", "\(sse)")
        serve.process.terminate()
        await waitForExit(serve.process)

        // Through a chat.
        let transport = CurlTransport()
        let telegram = try await FakeTelegram(token: Self.gatewayToken, transport: transport)
        try """
            gateways:
              telegram:
                token_env: E2E_TG_TOKEN
                base_url: \(telegram.baseURL)
                allowed_users: [111]
            """.write(toFile: home.home + "/config.yaml", atomically: true, encoding: .utf8)
        let (gateway, _, _) = try home.start(["gateway"] + model, extraEnv: env)
        try await telegram.message(chat: 111, user: 111, text: "chat rounds=1 cmd=sh%20leak.sh echo=tool")
        var texts: [String] = []
        let deadline = Date().addingTimeInterval(40)
        while !(texts.first?.contains("The tool said") == true && texts.first?.hasSuffix(" …") == false), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            texts = try await telegram.texts(to: 111)
        }
        // A model that says a key in its answer: the chat gets the placeholder (drafts too).
        try await telegram.message(chat: 222, user: 111, text: "say slow=30 final=Known_${FAKE_KNOWS}")
        var said: [String] = []
        let saidBy = Date().addingTimeInterval(40)
        while !(said.last?.hasPrefix("Known") == true && said.last?.hasSuffix(" …") == false), Date() < saidBy {
            try await Task.sleep(for: .milliseconds(100))
            said = try await telegram.texts(to: 222)
        }
        let drafts = try await telegram.sent().filter { $0.body["chat_id"]?.stringValue == "222" }.compactMap { $0.body["text"]?.stringValue }
        kill(gateway.processIdentifier, SIGTERM)
        await waitForExit(gateway)
        #expect(said.last?.contains("[redacted") == true, "\(said)")
        #expect(Self.leaks(drafts.joined(separator: "\n")).isEmpty, "\(drafts)")
        #expect(texts.first?.contains("[redacted") == true, "\(texts)")
        #expect(Self.leaks(texts.joined(separator: "\n")).isEmpty, "\(texts)")

        // Nothing under ~/.talaria holds one: the database (and its WAL), logs, memory, approvals.
        var scanned = 0
        let files = FileManager.default.enumerator(atPath: home.home)?.compactMap { $0 as? String } ?? []
        for f in files {
            let path = home.home + "/" + f
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            scanned += 1
            for secret in Self.all where data.range(of: Data(secret.utf8)) != nil {
                Issue.record("\(secret) is in \(f)")
            }
        }
        #expect(files.contains("state.db") && scanned >= 3, "\(files)")
    }
}
