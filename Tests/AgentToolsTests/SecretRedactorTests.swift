import AgentTools
import Testing

@Suite("Secret redaction in tool output")
struct SecretRedactorTests {
    let redactor = SecretRedactor(environment: ["OPENAI_API_KEY": "abc123-secret-value", "GITHUB_TOKEN": "tok_1234567890",
                                                "HOME": "/home/u", "SHORT_KEY": "abc", "SSH_KEY_PATH": "/home/u/.ssh/id_ed25519"])

    @Test("values of secret-named environment variables become placeholders; other variables stay")
    func environment() {
        #expect(redactor.redact("key=abc123-secret-value, home /home/u") == "key=[redacted $OPENAI_API_KEY], home /home/u")
        #expect(redactor.redact("export GITHUB_TOKEN=tok_1234567890") == "export GITHUB_TOKEN=[redacted $GITHUB_TOKEN]")
        #expect(redactor.redact("abc and /home/u/.ssh/id_ed25519") == "abc and /home/u/.ssh/id_ed25519")
    }

    @Test("well-known credential shapes are hidden", arguments: [
        ("OPENAI=sk-proj-AbCdEfGhIjKlMnOpQrStUvWx123", "OPENAI=[redacted]"),
        ("token ghp_0123456789abcdefghijABCDEFGHIJ0123456789", "token [redacted]"),
        ("AWS AKIAIOSFODNN7EXAMPLE here", "AWS [redacted] here"),
        ("slack xoxb-1234-5678-abcdefghij", "slack [redacted]"),
        ("Authorization: Bearer abc.def.ghi", "Authorization: Bearer [redacted]"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "aws_secret_access_key=[redacted]"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nafter", "[redacted]\nafter"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N", "jwt [redacted]"),
    ])
    func shapes(input: String, expected: String) {
        #expect(redactor.redact(input) == expected)
    }

    @Test("ordinary output is untouched", arguments: [
        "Compiling Talaria (12 files)", "the key idea is caching", "password: (none set)", "git log --oneline", "sk-short",
    ])
    func ordinary(text: String) {
        #expect(redactor.redact(text) == text)
    }
}
