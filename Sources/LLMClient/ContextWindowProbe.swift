import AgentProtocol
import Foundation

/// Reads a model's real context window from the server that serves it.
///
/// Local servers each expose it differently, and guessing wrong is the most common
/// local-model failure (prompts cut off, or compression far too early). Probes run
/// concurrently with short timeouts; the first answer in this order wins:
/// llama.cpp `GET /props` (`n_ctx` per slot), LM Studio `GET /api/v0/models/{id}`
/// (`loaded_context_length`), Ollama `POST /api/show` (`num_ctx`, else the model's
/// `*.context_length`), and `GET /v1/models` (`max_model_len` from vLLM,
/// `context_length` from OpenRouter, `meta.n_ctx_train` from llama.cpp).
public struct ContextWindowProbe: Sendable {
    public let endpoint: Endpoint
    let transport: any HTTPStreamTransport
    public var timeout: Double

    public init(endpoint: Endpoint, transport: any HTTPStreamTransport, timeout: Double = 2) {
        self.endpoint = endpoint
        self.transport = transport
        self.timeout = timeout
    }

    /// The server root without a trailing `/v1`.
    var root: String {
        let base = endpoint.baseURL.absoluteString.trimmingSuffix("/")
        return base.hasSuffix("/v1") ? String(base.dropLast(3)) : base
    }

    public func detect() async -> Int? {
        let probes: [(Int, @Sendable () async -> Int?)] = [
            (0, { await self.llamaCpp() }),
            (1, { await self.lmStudio() }),
            (2, { await self.ollama() }),
            (3, { await self.openAIModels() }),
        ]
        var results: [Int: Int] = [:]
        await withTaskGroup(of: (Int, Int?).self) { group in
            for (rank, probe) in probes { group.addTask { (rank, await probe()) } }
            for await (rank, value) in group { if let value, value > 0 { results[rank] = value } }
        }
        return results.keys.min().flatMap { results[$0] }
    }

    private func getJSON(_ url: String, method: String = "GET", body: JSONValue? = nil) async -> JSONValue? {
        guard let u = URL(string: url) else { return nil }
        var headers = ["accept": "application/json"]
        if let key = endpoint.apiKey, !key.isEmpty { headers["authorization"] = "Bearer \(key)" }
        if body != nil { headers["content-type"] = "application/json" }
        let req = HTTPRequest(url: u, method: method, headers: headers, body: body.map { Data($0.jsonText.utf8) },
                              connectTimeout: timeout, idleTimeout: timeout)
        guard let resp = try? await transport.send(req), resp.status == 200 else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: resp.body)
    }

    /// Whether the server's model takes images: llama.cpp's `/props` says (`modalities.vision`);
    /// nil where the server does not say.
    public func supportsVision() async -> Bool? {
        guard let props = await getJSON(root + "/props") else { return nil }
        return props["modalities"]?["vision"]?.boolValue
    }

    func llamaCpp() async -> Int? {
        guard let props = await getJSON(root + "/props") else { return nil }
        return props["default_generation_settings"]?["n_ctx"]?.intValue ?? props["n_ctx"]?.intValue
    }

    func lmStudio() async -> Int? {
        let id = endpoint.model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? endpoint.model
        guard let m = await getJSON(root + "/api/v0/models/" + id) else { return nil }
        return m["loaded_context_length"]?.intValue ?? m["max_context_length"]?.intValue
    }

    func ollama() async -> Int? {
        guard let show = await getJSON(root + "/api/show", method: "POST", body: ["model": .string(endpoint.model)]) else { return nil }
        if let params = show["parameters"]?.stringValue {
            for line in params.split(separator: "\n") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count == 2, parts[0] == "num_ctx", let n = Int(parts[1]) { return n }
            }
        }
        for (key, value) in show["model_info"]?.objectValue ?? [:] where key.hasSuffix(".context_length") {
            if let n = value.intValue { return n }
        }
        return nil
    }

    func openAIModels() async -> Int? {
        guard let list = await getJSON(endpoint.url("/models").absoluteString), let data = list["data"]?.arrayValue else { return nil }
        let match: JSONValue? = data.first { $0["id"]?.stringValue == endpoint.model } ?? (data.count == 1 ? data[0] : nil)
        guard let model = match else { return nil }
        return model["max_model_len"]?.intValue ?? model["context_length"]?.intValue
            ?? model["context_window"]?.intValue ?? model["meta"]?["n_ctx_train"]?.intValue
    }
}
