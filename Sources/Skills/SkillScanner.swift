import Foundation

/// How risky a skill's text and scripts look.
public enum SkillSafety: String, Sendable, Hashable, Comparable {
    case safe, caution, dangerous
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
    var order: Int { self == .safe ? 0 : self == .caution ? 1 : 2 }
}

/// One reason for a rating: where, which rule, what it saw.
public struct SkillFinding: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var rule: String
    public var severity: SkillSafety
    public var excerpt: String
}

/// Reads a skill's SKILL.md and text files (scripts/, references/, …) for what a skill should
/// never contain: prompt-injection phrases, pipe-to-shell installs, exfiltration of secrets,
/// destructive commands, long encoded blobs and hidden Unicode. Nothing is executed.
public enum SkillScanner {
    struct Rule {
        var name: String
        var severity: SkillSafety
        var pattern: NSRegularExpression
    }

    static func rx(_ p: String) -> NSRegularExpression {
        try! NSRegularExpression(pattern: p, options: [.caseInsensitive])
    }

    static let rules: [Rule] = [
        Rule(name: "prompt injection", severity: .dangerous,
             pattern: rx(#"\b(ignore|disregard|forget)\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier|system)\s+(instructions|prompts?|rules|messages)"#)),
        Rule(name: "prompt injection", severity: .dangerous,
             pattern: rx(#"\b(do\s+not|don't|never)\s+(tell|inform|show|mention\s+(this\s+)?to)\s+the\s+user\b|\bwithout\s+(asking|telling|informing)\s+the\s+user\b"#)),
        Rule(name: "prompt injection", severity: .caution,
             pattern: rx(#"\b(reveal|print|output|leak)\s+(your\s+|the\s+)?(system\s+prompt|hidden\s+instructions)|\byou\s+are\s+now\s+(in\s+)?(developer|jailbreak|dan)\b"#)),
        Rule(name: "pipe to shell", severity: .dangerous,
             pattern: rx(#"\b(curl|wget|fetch)\b[^\n|]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b|\b(bash|sh)\s+<\(\s*(curl|wget)"#)),
        // Secrets or keys piped or uploaded to the network.
        Rule(name: "secret exfiltration", severity: .dangerous,
             pattern: rx(#"(\benv\b|\bprintenv\b|\.ssh/|id_rsa|id_ed25519|\.aws/credentials|\.netrc|_API_KEY|_TOKEN|\bsecrets?\b)[^\n]{0,120}\|\s*(curl|wget|nc|ncat|netcat)\b|\b(curl|wget)\b[^\n]{0,200}(-d|--data[a-z-]*|-F|--form|--upload-file|-T)\s+[^\n]*(\$\{?[A-Z_]*(KEY|TOKEN|SECRET|PASSWORD)|@?~?/?\.ssh/|id_rsa|\.aws/credentials)"#)),
        // A secret in a request is normal for an API; worth a look all the same.
        Rule(name: "secret in a request", severity: .caution,
             pattern: rx(#"\b(curl|wget)\b[^\n]{0,200}\$\{?[A-Z_]*(KEY|TOKEN|SECRET|PASSWORD)"#)),
        Rule(name: "secret access", severity: .caution,
             pattern: rx(#"~/\.ssh/|\bid_(rsa|ed25519)\b|\.aws/credentials|\.netrc\b|/etc/shadow"#)),
        Rule(name: "destructive command", severity: .dangerous,
             pattern: rx(#"\brm\s+(-[a-z]*r[a-z]*f?[a-z]*|-[a-z]*f[a-z]*r[a-z]*)\s+(/|~|\$HOME|/\*)(\s|$)|\bmkfs(\.\w+)?\s+/dev/|\bdd\s+[^\n]*of=/dev/(sd|nvme|hd|disk)|:\(\)\s*\{\s*:\|:&\s*\};:|\bchmod\s+-R\s+777\s+/(\s|$)"#)),
        Rule(name: "risky command", severity: .caution,
             pattern: rx(#"\bgit\s+push\s+(-f|--force)\b|\bsudo\s+rm\b|\bcurl\b[^\n]*\s-k\b"#)),
    ]

    /// Rates a skill folder; findings are sorted by severity, worst first.
    public static func scan(directory: String) -> (SkillSafety, [SkillFinding]) {
        var findings: [SkillFinding] = []
        let files = (FileManager.default.subpaths(atPath: directory) ?? []).filter { !$0.hasPrefix(".history") && !$0.contains("/.") }.sorted()
        for rel in files {
            let path = directory + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                  let data = FileManager.default.contents(atPath: path), data.count <= 256 << 10, !data.prefix(8192).contains(0) else { continue }
            findings += scan(text: String(decoding: data, as: UTF8.self), file: rel)
        }
        findings.sort { $0.severity > $1.severity }
        return (findings.map(\.severity).max() ?? .safe, findings)
    }

    /// Byte strings one of the rules needs (lowercase); a line with none of them skips the
    /// regular expressions, which are the slow part, so long reference files scan quickly.
    static let triggers: [[UInt8]] = ["ignore", "disregard", "forget", "the user", "reveal", "system prompt", "instructions",
                                      "you are now", "curl", "wget", "fetch", "bash", "env", ".ssh", "id_rsa", "id_ed25519",
                                      ".aws", ".netrc", "shadow", "rm ", "mkfs", "of=/dev", ":()", "chmod", "push", "sudo"].map { Array($0.utf8) }

    static func mayMatch(_ line: Substring) -> Bool {
        let bytes = line.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 32 : $0 }
        guard bytes.count >= 3 else { return false }
        for t in triggers where t.count <= bytes.count {
            let first = t[0]
            var i = 0
            let last = bytes.count - t.count
            while i <= last {
                if bytes[i] == first {
                    var j = 1
                    while j < t.count, bytes[i + j] == t[j] { j += 1 }
                    if j == t.count { return true }
                }
                i += 1
            }
        }
        return false
    }

    public static func scan(text: String, file: String) -> [SkillFinding] {
        var out: [SkillFinding] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let s = String(line)
            if let hidden = hiddenUnicode(s) { out.append(SkillFinding(file: file, line: n + 1, rule: hidden.0, severity: hidden.1, excerpt: hidden.2)) }
            if let blob = encodedBlob(s) { out.append(SkillFinding(file: file, line: n + 1, rule: "encoded blob", severity: .caution, excerpt: blob)) }
            guard mayMatch(line) else { continue }
            let range = NSRange(s.startIndex..., in: s)
            for rule in rules {
                if let m = rule.pattern.firstMatch(in: s, range: range), let r = Range(m.range, in: s) {
                    out.append(SkillFinding(file: file, line: n + 1, rule: rule.name, severity: rule.severity, excerpt: String(s[r].prefix(80))))
                }
            }
        }
        return out
    }

    /// Bidirectional overrides and tag characters hide text from a reader (dangerous);
    /// zero-width characters may (caution).
    static func hiddenUnicode(_ s: String) -> (String, SkillSafety, String)? {
        for u in s.unicodeScalars {
            switch u.value {
            case 0x202A...0x202E, 0x2066...0x2069, 0xE0000...0xE007F:
                return ("hidden Unicode", .dangerous, String(format: "U+%04X", u.value))
            case 0x200B...0x200F, 0x2060, 0xFEFF:
                return ("hidden Unicode", .caution, String(format: "U+%04X", u.value))
            default: continue
            }
        }
        return nil
    }

    /// A run of 200+ base64 characters or 128+ hex digits.
    static func encodedBlob(_ s: String) -> String? {
        var run = 0, hexRun = 0
        for c in s.unicodeScalars {
            let b64 = (c.value >= 0x41 && c.value <= 0x5A) || (c.value >= 0x61 && c.value <= 0x7A) || (c.value >= 0x30 && c.value <= 0x39) || c == "+" || c == "/" || c == "="
            let hex = (c.value >= 0x30 && c.value <= 0x39) || (c.value >= 0x61 && c.value <= 0x66) || (c.value >= 0x41 && c.value <= 0x46)
            run = b64 ? run + 1 : 0
            hexRun = hex ? hexRun + 1 : 0
            if run >= 200 { return "base64-like run of 200+ characters" }
            if hexRun >= 128 { return "hex run of 128+ digits" }
        }
        return nil
    }
}
