import AgentTools
import Testing

@Suite("Secret redaction while an answer streams")
struct StreamingRedactorTests {
    static let environment = ["OPENAI_API_KEY": "abc123-secret-value", "DB_PASSWORD": "pa ss!wo rd#9", "HOME": "/home/u"]
    let redactor = SecretRedactor(environment: Self.environment)

    func stream(_ pieces: [String]) -> (shown: [String], all: String) {
        var r = StreamingRedactor(redactor)
        var shown = pieces.map { r.feed($0) }
        shown.append(r.finish())
        return (shown, shown.joined())
    }

    @Test("prose is released word by word; a word still being written waits for its end")
    func prose() {
        let s = stream(["Hello ", "wor", "ld, how ", "are you"])
        #expect(s.shown == ["Hello ", "", "world, how ", "are ", "you"])
        #expect(s.all == "Hello world, how are you")
    }

    @Test("text without separators a secret could use is not held: Chinese streams as it comes")
    func unsegmented() {
        #expect(stream(["数据库", "连接超时"]).shown == ["数据库", "连接超时", ""])
    }

    @Test("a key split over deltas is never shown, not even its first half", arguments: [
        ["the key is sk-proj-AbCdEf", "GhIjKlMnOpQrSt", "UvWx123 and more"],
        ["use abc123-", "secret-", "value now"],
        ["Authorization: Bearer ", "abcdefghijkl", "mnop\nnext line"],
        ["password = ", "hunter2hunter2", " ok\n"],
        ["-----BEGIN OPENSSH PRIVATE KEY-----\n", "b3BlbnNzaC1rZXktdjEAAAAA\n", "c2Vjb25kIGxpbmU=\n", "-----END OPENSSH PRIVATE KEY-----\n", "after"],
        ["it is pa ss", "!wo r", "d#9 — the password"],
        ["jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIi", "OiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N done"],
    ])
    func splitSecret(pieces: [String]) {
        let s = stream(pieces)
        for leaked in ["AbCdEf", "abc123-", "abcdefghijkl", "hunter2", "b3BlbnNz", "c2Vjb25k", "pa ss", "eyJzdWIi"] {
            #expect(!s.shown.contains { $0.contains(leaked) }, "\(leaked) shown in \(s.shown)")
        }
        #expect(s.all.contains("[redacted"), "\(s.all)")
    }

    @Test("every way of cutting a text into pieces shows no secret and joins to the text redacted whole")
    func everyChunking() {
        let texts = [
            "Run it with OPENAI key abc123-secret-value, then Authorization: Bearer tok.en.value1234 and export API_KEY=zzzzzzzzzz; done.\n",
            "Keys: sk-ant-0123456789abcdefghijKLMN ghp_0123456789abcdefghijABCDEFGHIJ0123456789 AKIAIOSFODNN7EXAMPLE, pa ss!wo rd#9 end",
            "Plain text — with dashes, 中文 and emoji 🙂, code `let x = a/b + c.d` and a path /home/u/file.txt.\n",
        ]
        var generator = SplitMix(seed: 7)
        for text in texts {
            let secretFree = !redactor.redact(text).contains("[redacted")
            for _ in 0..<300 {
                let pieces = generator.chunks(of: text)
                let s = stream(pieces)
                if secretFree { #expect(s.all == text) }
                // However it was cut, the pieces joined are the whole text redacted at once.
                #expect(s.all == redactor.redact(text), "\(pieces)")
                for secret in ["abc123-secret-value", "tok.en.value1234", "zzzzzzzzzz", "sk-ant-0123", "ghp_0123", "AKIAIOSFODNN7", "pa ss!wo"] {
                    // Not even its start: what is shown, joined, never holds the first 8 characters.
                    #expect(!s.all.contains(String(secret.prefix(8))), "\(secret) in \(pieces)")
                }
            }
        }
    }

    @Test("a credential's name holds the text only until its value ends: prose about passwords streams")
    func credentialNames() {
        #expect(stream(["Your password ", "should be ", "long.\n"]).shown == ["Your ", "password should be ", "long.\n", ""])
        #expect(stream(["password=password", "123 next"]).shown == ["", "password=[redacted] ", "next"])
        #expect(stream(["Authorization: ", "Bearer ", "abc.def.ghi", " ok"]).shown == ["", "", "", "Authorization: Bearer [redacted] ", "ok"])
    }

    @Test("a runaway run of token characters, or a key block that never ends, is released, not held forever")
    func runaway() {
        var r = StreamingRedactor(redactor)
        let line = String(repeating: "x", count: StreamingRedactor.longestHold + 10)
        #expect(r.feed(line) == line)
        #expect(r.finish() == "")
        var block = StreamingRedactor(redactor)
        var shown = block.feed("-----BEGIN PRIVATE KEY-----\n")
        for _ in 0..<300 { shown += block.feed(String(repeating: "A", count: 63) + "\n") }
        // Released once it is longer than any key, redacted from its BEGIN line on.
        #expect(shown.hasPrefix("[redacted]") && shown.count > 1000, "\(shown.prefix(80))")
    }
}

/// A small deterministic generator: the same cuts on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chunks(of text: String) -> [String] {
        let chars = Array(text)
        var out: [String] = [], i = 0
        while i < chars.count {
            let n = 1 + Int(next() % 12)
            out.append(String(chars[i..<min(chars.count, i + n)]))
            i += n
        }
        return out
    }
}
