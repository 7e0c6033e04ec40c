import AgentProtocol
import AgentCore
import Config
import CurlTransport
import Foundation
import LLMClient
import LocalModel

/// The effective settings: flags over config over environment over detection.
struct Settings {
    var paths: TalariaPaths
    var config: TalariaConfig
    var baseURL: String
    var model: String
    var apiKey: String?
    var maxIterations: Int
    var contextWindow: Int?
    var maxTokens: Int?
    /// The process environment with `secrets.env` beneath it (the key's variable may live there).
    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// Resolves everything; prints a clear message and throws an exit code when it cannot.
    ///
    /// - Parameter startLocal: with no endpoint but a configured, installed `local_model`, start
    ///   it and wait (one-shot runs); the interface starts it in the background instead.
    static func resolve(_ o: EndpointOptions, env processEnv: [String: String] = ProcessInfo.processInfo.environment,
                        transport: CurlTransport, quiet: Bool = false, startLocal: Bool = true) async throws -> Settings {
        let paths = TalariaPaths(environment: processEnv)
        let env = SecretsFile.load(paths).merging(processEnv) { _, process in process }
        var config: TalariaConfig
        do { config = try TalariaConfig.load(path: paths.configFile) } catch {
            printError("talaria: \(error)")
            throw Exit.usage
        }
        if let b = o.backend {
            guard let kind = BackendKind(rawValue: b == "singularity" ? "apptainer" : b) else {
                printError("talaria: --backend must be one of \(BackendKind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(b)'")
                throw Exit.usage
            }
            config.backend = kind.rawValue
        }
        let keyVar = o.apiKeyEnv ?? config.apiKeyEnv ?? "OPENAI_API_KEY"
        let apiKey = env[keyVar].flatMap { $0.isEmpty ? nil : $0 }
        var base = o.baseURL ?? config.baseURL ?? env["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if base == nil { base = await LocalServerDetector(transport: transport, localPortFile: paths.local + "/port").detect() }
        if base == nil, startLocal, let configured = config.localModel {
            base = try await startLocalModel(configured, paths: paths, transport: transport)
        }
        guard let base, let url = URL(string: base), url.scheme == "http" || url.scheme == "https" else {
            if let bad = o.baseURL ?? config.baseURL {
                printError("talaria: base_url '\(bad)' is not an http(s) URL")
                throw Exit.usage
            }
            if quiet { throw Exit.noEndpoint }
            printError("""
                talaria: no model endpoint found.
                  No server answered on 127.0.0.1 (llama.cpp :8080, Ollama :11434, LM Studio :1234, vLLM :8000).
                  Set one of:
                    talaria --base-url http://HOST:PORT/v1 ...
                    base_url: http://HOST:PORT/v1     in \(paths.configFile)  (talaria config init writes a template)
                    OPENAI_BASE_URL=https://... and OPENAI_API_KEY=...
                  or start the built-in local model: talaria local up
                """)
            throw Exit.noEndpoint
        }
        var model = o.model ?? config.model ?? env["TALARIA_MODEL"]
        if model == nil {
            model = await ModelLister(transport: transport, baseURL: url, apiKey: apiKey).firstModel() ?? "default"
        }
        return Settings(paths: paths, config: config, baseURL: base, model: model!, apiKey: apiKey,
                        maxIterations: o.maxIterations ?? config.maxIterations ?? 50,
                        contextWindow: o.contextWindow ?? config.contextWindow,
                        maxTokens: o.maxTokens ?? config.maxTokens, environment: env)
    }

    /// Starts the configured built-in model when it is installed (a few seconds); its API base.
    static func startLocalModel(_ configured: String, paths: TalariaPaths, transport: CurlTransport) async throws -> String? {
        let installer = LocalModelInstaller(dir: paths.local, transport: transport)
        guard let spec = try? LocalModelSpec.parse(configured) else {
            printError("talaria: local_model '\(configured)' in \(paths.configFile) is not a model (talaria local models lists them)")
            throw Exit.usage
        }
        guard installer.isInstalled(spec), installer.installedServer() != nil else {
            printError("talaria: the local model \(spec.id) is not installed yet: talaria local up --model \(configured)")
            throw Exit.noEndpoint
        }
        printError("talaria: starting the local model \(spec.id)…")
        do { return try await installer.prepare(spec, port: LocalServerDetector.freePort()).absoluteString } catch {
            printError("talaria: \(error.message)")
            throw Exit.noEndpoint
        }
    }
}

/// Finds a local OpenAI-compatible server when none is configured.
struct LocalServerDetector {
    let transport: CurlTransport
    let localPortFile: String

    func candidates() -> [String] {
        // TALARIA_LOCAL_PORTS="8080,11434" narrows the search (tests, unusual setups).
        var ports = ProcessInfo.processInfo.environment["TALARIA_LOCAL_PORTS"].map {
            $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        } ?? [8080, 11434, 1234, 8000]
        if let p = try? String(contentsOfFile: localPortFile, encoding: .utf8), let n = Int(p.trimmingCharacters(in: .whitespacesAndNewlines)) {
            ports.insert(n, at: 0)
        }
        return ports.map { "http://127.0.0.1:\($0)/v1" }
    }

    func detect() async -> String? { await detectAll().first?.url }

    /// Every candidate that answers, in order, with what it probably is.
    func detectAll() async -> [(url: String, label: String)] {
        let urls = candidates()
        let localPort = (try? String(contentsOfFile: localPortFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        var found: [Int: String] = [:]
        await withTaskGroup(of: (Int, Bool).self) { group in
            for (i, u) in urls.enumerated() {
                group.addTask {
                    guard let url = URL(string: u + "/models") else { return (i, false) }
                    let r = try? await transport.send(HTTPRequest(url: url, connectTimeout: 0.3, idleTimeout: 1))
                    return (i, r?.status == 200)
                }
            }
            for await (i, ok) in group where ok { found[i] = urls[i] }
        }
        return found.keys.sorted().compactMap { i in
            guard let url = found[i], let port = URL(string: url)?.port else { return nil }
            let label = port == localPort ? "the built-in model"
                : [8080: "llama.cpp", 11434: "Ollama", 1234: "LM Studio", 8000: "vLLM"][port] ?? "a server"
            return (url, label)
        }
    }

    /// A loopback port nothing listens on (for the local model when 8080 is taken).
    static func freePort(preferred: Int = 8080) -> Int {
        func bindable(_ port: Int) -> Int? {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
            }
            return ok ? Int(UInt16(bigEndian: addr.sin_port)) : nil
        }
        return bindable(preferred) ?? bindable(0) ?? preferred
    }
}

/// Asks the server which models it serves.
struct ModelLister {
    let transport: CurlTransport
    let baseURL: URL
    let apiKey: String?

    func firstModel() async -> String? {
        guard let url = URL(string: baseURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/models") else { return nil }
        var headers: [String: String] = [:]
        if let apiKey { headers["authorization"] = "Bearer \(apiKey)" }
        guard let r = try? await transport.send(HTTPRequest(url: url, headers: headers, connectTimeout: 2, idleTimeout: 3)),
              r.status == 200, let obj = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any],
              let data = obj["data"] as? [[String: Any]] else { return nil }
        return data.first?["id"] as? String
    }
}
