import Exec
import Foundation

/// Removes secrets from tool output before the model, the store or a log sees it.
///
/// Two sources: the values of this process's environment variables whose names say they hold
/// a secret (`*_KEY`, `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, …; at least 8 characters), replaced
/// by `[redacted $NAME]`; and the shapes of well-known credentials (OpenAI/Anthropic keys, GitHub
/// and Slack tokens, AWS access keys, JWTs, private-key blocks, `Authorization:` headers),
/// replaced by `[redacted]`. A command that prints `~/.ssh/id_rsa` or `.env` therefore hands the
/// model placeholders, not keys.
public struct SecretRedactor: Sendable {
    private let values: [(value: String, name: String)]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        values = environment.compactMap { name, value in
            guard value.count >= 8, SecretNames.isSecret(name) else { return nil }
            return (value, name)
        }.sorted { $0.value.count > $1.value.count } // longer first: one value may contain another
    }

    /// The environment's secret values, longest first.
    var secretValues: [String] { values.map(\.value) }

    static let patterns: [NSRegularExpression] = [
        #"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)"#,
        #"\bsk-(ant-|proj-|or-)?[A-Za-z0-9_-]{20,}"#,
        #"\bgh[pousr]_[A-Za-z0-9]{30,}"#,
        #"\bgithub_pat_[A-Za-z0-9_]{30,}"#,
        #"\bxox[abprs]-[A-Za-z0-9-]{10,}"#,
        #"\b(AKIA|ASIA)[0-9A-Z]{16}\b"#,
        #"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"#,
        #"(?i)(authorization:\s*(bearer|basic|token)\s+)[^\s'"]+"#,
        #"(?i)\b(aws_secret_access_key|api_key|apikey|secret_key|client_secret|password|passwd)\s*[=:]\s*['"]?[^\s'"]{8,}"#,
    ].compactMap { try? NSRegularExpression(pattern: $0) }

    /// Cheap checks before any regular expression runs: most output holds none of these.
    static let triggers = ["PRIVATE KEY", "sk-", "gh", "github_pat_", "xox", "AKIA", "ASIA", "eyJ", "uthorization", "UTHORIZATION",
                           "key", "KEY", "secret", "SECRET", "pass", "PASS", "Key"]

    public func redact(_ text: String) -> String {
        var out = text
        for (value, name) in values where out.contains(value) {
            out = out.replacingOccurrences(of: value, with: "[redacted $\(name)]")
        }
        guard Self.triggers.contains(where: { out.contains($0) }) else { return out }
        for re in Self.patterns {
            let range = NSRange(out.startIndex..., in: out)
            guard re.firstMatch(in: out, range: range) != nil else { continue }
            // Keep a header's or assignment's name, hide its value.
            let template = re.numberOfCaptureGroups >= 2 && re.pattern.hasPrefix("(?i)(authorization") ? "$1[redacted]" : "[redacted]"
            if re.pattern.hasPrefix(#"(?i)\b(aws_secret"#) {
                out = re.stringByReplacingMatches(in: out, range: range, withTemplate: "$1=[redacted]")
            } else {
                out = re.stringByReplacingMatches(in: out, range: range, withTemplate: template)
            }
        }
        return out
    }
}
