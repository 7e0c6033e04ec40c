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

    /// Byte strings one of the rules needs (lowercase); only lines holding one run the regular
    /// expressions, which are the slow part.
    static let triggers: [[UInt8]] = ["ignore", "disregard", "forget", "the user", "reveal", "system prompt", "instructions",
                                      "you are now", "curl", "wget", "fetch", "bash", "env", ".ssh", "id_rsa", "id_ed25519",
                                      ".aws", ".netrc", "shadow", "rm ", "mkfs", "of=/dev", ":()", "chmod", "push", "sudo"].map { Array($0.utf8) }

    public static func scan(text: String, file: String) -> [SkillFinding] {
        var out: [SkillFinding] = []
        // One pass over the bytes: line starts, hidden Unicode and long blobs (triggers below).
        var bytes = Array(text.utf8)
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] += 32 }
        var lineStarts = [0]
        var flagged: Set<Int> = []
        var hidden: [Int: (SkillSafety, String)] = [:]
        var blobs: [Int: String] = [:]
        var run = 0, hexRun = 0
        var i = 0
        let count = bytes.count
        bytes.withUnsafeBufferPointer { p in
          while i < count {
            let b = p[i]
            let line = lineStarts.count - 1
            if b == 0x0A { lineStarts.append(i + 1); run = 0; hexRun = 0; i += 1; continue }
            // Hidden Unicode, from its UTF-8 bytes.
            if b == 0xE2, i + 2 < count {
                let (b1, b2) = (p[i + 1], p[i + 2])
                if b1 == 0x80, (0xAA...0xAE).contains(b2) || b1 == 0x81 && (0xA6...0xA9).contains(b2) {
                    hidden[line] = hidden[line] ?? (.dangerous, "bidirectional override")
                } else if b1 == 0x80, (0x8B...0x8F).contains(b2) || b1 == 0x81 && b2 == 0xA0 {
                    if hidden[line] == nil { hidden[line] = (.caution, "zero-width character") }
                }
            } else if b == 0xF3, i + 1 < count, p[i + 1] == 0xA0 {
                hidden[line] = (.dangerous, "Unicode tag characters")
            } else if b == 0xEF, i + 2 < count, p[i + 1] == 0xBB, p[i + 2] == 0xBF, i > 0 {
                if hidden[line] == nil { hidden[line] = (.caution, "zero-width no-break space") }
            }
            // Long base64 or hex runs (the text is lowercased here, so hex digits are a-f).
            let isB64 = (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2F || b == 0x3D
            let isHex = (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66)
            run = isB64 ? run + 1 : 0
            hexRun = isHex ? hexRun + 1 : 0
            if run == 200 { blobs[line] = "base64-like run of 200+ characters" }
            if hexRun == 128 { blobs[line] = "hex run of 128+ digits" }
            i += 1
          }
        }
        // Triggers: memmem over the whole text (SIMD in glibc), each hit marks its line.
        bytes.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            for t in triggers {
                var from = 0
                while from < count, let offset = t.withUnsafeBufferPointer({ needle -> Int? in
                    // memchr (SIMD in glibc) for the first byte, then memcmp.
                    var at = from
                    while at + t.count <= count, let hit = memchr(base + at, Int32(needle[0]), count - at) {
                        let o = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                        if o + t.count > count { return nil }
                        if memcmp(base + o, needle.baseAddress!, t.count) == 0 { return o }
                        at = o + 1
                    }
                    return nil
                }) {
                    // The line holding `offset`: the last line start at or before it.
                    var lo = 0, hi = lineStarts.count - 1
                    while lo < hi { let mid = (lo + hi + 1) / 2; if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 } }
                    flagged.insert(lo)
                    // Skip to the next line: one hit a line is enough.
                    from = lo + 1 < lineStarts.count ? lineStarts[lo + 1] : count
                }
            }
        }
        guard !flagged.isEmpty || !hidden.isEmpty || !blobs.isEmpty else { return [] }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for n in (flagged.union(hidden.keys).union(blobs.keys)).sorted() where n < lines.count {
            if let (sev, what) = hidden[n] { out.append(SkillFinding(file: file, line: n + 1, rule: "hidden Unicode", severity: sev, excerpt: what)) }
            if let blob = blobs[n] { out.append(SkillFinding(file: file, line: n + 1, rule: "encoded blob", severity: .caution, excerpt: blob)) }
            guard flagged.contains(n) else { continue }
            let s = String(lines[n])
            let range = NSRange(s.startIndex..., in: s)
            for rule in rules {
                if let m = rule.pattern.firstMatch(in: s, range: range), let r = Range(m.range, in: s) {
                    out.append(SkillFinding(file: file, line: n + 1, rule: rule.name, severity: rule.severity, excerpt: String(s[r].prefix(80))))
                }
            }
        }
        return out
    }
}
