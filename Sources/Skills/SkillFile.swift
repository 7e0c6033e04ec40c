import AgentProtocol
import Foundation

/// A skill folder's `SKILL.md`, read the way the agentskills.io reference reads it.
public struct SkillFile: Sendable, Hashable {
    /// The file that was read (`SKILL.md`, or `skill.md` when there is no `SKILL.md`).
    public var path: String
    public var frontMatter: YAMLValue
    public var body: String
    /// The text as read (line ends normalised), for messages that name lines.
    public var text: String = ""

    public static let allowedFields = ["allowed-tools", "compatibility", "description", "license", "metadata", "name"]

    /// `SKILL.md` if it exists, else `skill.md`, else nil.
    public static func locate(in directory: String) -> String? {
        var st = stat()
        for name in ["SKILL.md", "skill.md"] where stat(directory + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG {
            return directory + "/" + name
        }
        return nil
    }

    /// Reads and splits the file. Throws the reference's message for each way it can fail.
    public static func read(directory: String) throws(SkillError) -> SkillFile {
        var st = stat()
        guard stat(directory, &st) == 0 else { throw SkillError("Path does not exist: \(directory)") }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw SkillError("Not a directory: \(directory)") }
        guard let path = locate(in: directory) else { throw SkillError("Missing required file: SKILL.md") }
        return try read(file: path)
    }

    /// Reads a SKILL.md already located (discovery knows the path).
    public static func read(file path: String) throws(SkillError) -> SkillFile {
        guard let data = readFile(path) else { throw SkillError("\(path): cannot be read") }
        // Foundation would drop a byte-order mark; the reference keeps it, so the file then does
        // not start with `---`.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { throw SkillError("SKILL.md must start with YAML frontmatter (---)", line: 1) }
        guard let text = String(validating: data, as: UTF8.self) else { throw SkillError("\(path): not UTF-8 text") }
        return try parse(text, path: path)
    }

    /// Splits `text` into front matter and body (CR and CRLF read as LF, as text mode does).
    public static func parse(_ text: String, path: String) throws(SkillError) -> SkillFile {
        let content = text.withLFLineEnds
        guard content.hasPrefix("---") else { throw SkillError("SKILL.md must start with YAML frontmatter (---)", line: 1) }
        // The reference splits at the first two `---` anywhere, not only on lines of their own.
        let afterOpen = content.index(content.startIndex, offsetBy: 3)
        guard let close = content[afterOpen...].utf8Range(of: "---") else {
            throw SkillError("SKILL.md frontmatter not properly closed with ---", line: 1)
        }
        let yaml = String(content[afterOpen..<close.lowerBound])
        let body = trimmed(content[close.upperBound...])
        let value: YAMLValue?
        do { value = try StrictYAML.parse(yaml) } catch {
            // The YAML starts on the file's first line, right after the opening `---`.
            throw SkillError("Invalid YAML in frontmatter: \(error.message)", line: error.line)
        }
        guard let value, case .map = value else { throw SkillError("SKILL.md frontmatter must be a YAML mapping", line: 1) }
        return SkillFile(path: path, frontMatter: value, body: body, text: content)
    }

    /// The file's bytes (POSIX: Foundation's file reading is slow on Linux).
    static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return nil }
        // Read straight into an array of the file's size (one allocation), then whatever follows.
        var out = [UInt8](unsafeUninitializedCapacity: Int(st.st_size) + 1) { buf, count in
            var total = 0
            while total < buf.count {
                let n = Glibc.read(fd, buf.baseAddress! + total, buf.count - total)
                if n <= 0 { break }
                total += n
            }
            count = total
        }
        if out.count == Int(st.st_size) + 1 {
            var more = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = Glibc.read(fd, &more, more.count)
                if n <= 0 { break }
                out += more[0..<n]
            }
        }
        return out
    }

    /// Python's `str.strip()`: white space off both ends.
    static func trimmed(_ s: Substring) -> String {
        // ASCII white space by bytes (the common case, and fast); anything else by Character.
        func isSpace(_ b: UInt8) -> Bool { b == 32 || (9...13).contains(b) }
        let u = s.utf8
        var lo = u.startIndex, hi = u.endIndex
        while lo < hi, isSpace(u[lo]) { lo = u.index(after: lo) }
        while hi > lo, isSpace(u[u.index(before: hi)]) { hi = u.index(before: hi) }
        var t = s[lo..<hi]
        if let f = t.first, f.isWhitespace || (t.last?.isWhitespace ?? false) {
            _ = f
            while let c = t.first, c.isWhitespace { t = t.dropFirst() }
            while let c = t.last, c.isWhitespace { t = t.dropLast() }
        }
        return String(t)
    }
}

/// A skill problem: the reference's message, with the line of SKILL.md where we know it.
public struct SkillError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var line: Int?
    public init(_ message: String, line: Int? = nil) {
        self.message = message
        self.line = line
    }
    public var description: String { message }
}

/// The properties a skill declares (what `read_properties` returns).
public struct SkillProperties: Sendable, Hashable {
    public var name: String
    public var description: String
    public var license: YAMLValue?
    public var compatibility: YAMLValue?
    public var allowedTools: YAMLValue?
    /// A map of strings (nested values printed as Python does), or whatever was given.
    public var metadata: YAMLValue?

    /// Lenient: only `name` and `description` must be non-empty strings.
    public init(_ file: SkillFile) throws(SkillError) {
        let fm = file.frontMatter
        guard let nameValue = fm["name"] else { throw SkillError("Missing required field in frontmatter: name") }
        guard let name = nameValue.string.map({ SkillFile.trimmed($0[...]) }), !name.isEmpty else {
            throw SkillError("Field 'name' must be a non-empty string")
        }
        guard let descValue = fm["description"] else { throw SkillError("Missing required field in frontmatter: description") }
        guard let description = descValue.string.map({ SkillFile.trimmed($0[...]) }), !description.isEmpty else {
            throw SkillError("Field 'description' must be a non-empty string")
        }
        self.name = name
        self.description = description
        license = fm["license"]
        compatibility = fm["compatibility"]
        allowedTools = fm["allowed-tools"]
        switch fm["metadata"] {
        case .map(let entries)?:
            metadata = entries.isEmpty ? nil : .map(entries.map { ($0.key, .string(Self.pythonString($0.value))) })
        case let other:
            metadata = other
        }
    }

    /// Python's `str()` of a parsed value: strings as they are, lists and maps as their repr.
    static func pythonString(_ v: YAMLValue) -> String {
        if case .string(let s) = v { return s }
        return pythonRepr(v)
    }

    static func pythonRepr(_ v: YAMLValue) -> String {
        switch v {
        case .string(let s):
            let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
            var out = String(quote)
            for c in s.unicodeScalars {
                switch c {
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where Character(c) == quote: out += "\\" + String(quote)
                default: out.unicodeScalars.append(c)
                }
            }
            return out + String(quote)
        case .list(let l): return "[" + l.map(pythonRepr).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.map { pythonRepr(.string($0.key)) + ": " + pythonRepr($0.value) }.joined(separator: ", ") + "}"
        }
    }
}

extension Substring {
    /// The first occurrence of `needle`, searched over UTF-8 bytes (the generic `firstRange(of:)`
    /// is two orders of magnitude slower, and this is on the start-up path).
    func utf8Range(of needle: String) -> Range<Index>? {
        let n = Array(needle.utf8)
        guard let first = n.first else { return nil }
        let bytes = utf8
        var i = bytes.startIndex
        while let hit = bytes[i...].firstIndex(of: first) {
            var j = hit, k = 0
            while k < n.count, j < bytes.endIndex, bytes[j] == n[k] { j = bytes.index(after: j); k += 1 }
            if k == n.count { return hit..<j }
            i = bytes.index(after: hit)
        }
        return nil
    }
}
