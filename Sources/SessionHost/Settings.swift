import AgentProtocol
import Config
import Foundation
import LLMClient
import LocalModel

/// What the command line says over config.yaml (`--base-url`, `--model`, …); nil: config's.
public struct EndpointOverrides: Sendable, Hashable {
    public var baseURL: String?
    public var model: String?
    public var apiKeyEnv: String?
    public var maxIterations: Int?
    public var contextWindow: Int?
    public var maxTokens: Int?
    /// A backend's name as typed (`singularity` is apptainer's old name).
    public var backend: String?

    public init(baseURL: String? = nil, model: String? = nil, apiKeyEnv: String? = nil, maxIterations: Int? = nil,
                contextWindow: Int? = nil, maxTokens: Int? = nil, backend: String? = nil) {
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.maxIterations = maxIterations
        self.contextWindow = contextWindow
        self.maxTokens = maxTokens
        self.backend = backend
    }
}

/// Why sessions cannot start: a message for the user and what kind of problem it is (the
/// executable turns the kind into its documented exit code).
public struct SetupError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case usage, noEndpoint, failed }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The effective settings: flags over config over environment over detection.
public struct Settings: Sendable {
    public var paths: TalariaPaths
    public var config: TalariaConfig
    public var baseURL: String
    public var model: String
    public var apiKey: String?
    public var maxIterations: Int
    public var contextWindow: Int?
    public var maxTokens: Int?
    /// The process environment with `secrets.env` beneath it (the key's variable may live there).
    public var environment: [String: String]

    public init(paths: TalariaPaths, config: TalariaConfig, baseURL: String, model: String, apiKey: String? = nil,
                maxIterations: Int = Defaults.maxIterations, contextWindow: Int? = nil, maxTokens: Int? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.paths = paths
        self.config = config
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.maxIterations = maxIterations
        self.contextWindow = contextWindow
        self.maxTokens = maxTokens
        self.environment = environment
    }

    /// config.yaml with the command line's backend over it.
    public static func loadConfig(_ o: EndpointOverrides, paths: TalariaPaths) throws(SetupError) -> TalariaConfig {
        var config: TalariaConfig
        do { config = try TalariaConfig.load(path: paths.configFile) } catch { throw SetupError(.usage, "\(error)") }
        if let b = o.backend {
            guard let kind = BackendKind(rawValue: b == "singularity" ? "apptainer" : b) else {
                throw SetupError(.usage, "--backend must be one of \(BackendKind.allCases.map(\.rawValue).joined(separator: ", ")), found '\(b)'")
            }
            config.backend = kind
        }
        return config
    }

    /// Resolves everything, or says why it cannot.
    ///
    /// - Parameter startLocal: with no endpoint but a configured, installed `local_model`, start
    ///   it and wait (one-shot runs; `notice` hears that it is starting); the interface starts
    ///   it in the background instead.
    public static func resolve(_ o: EndpointOverrides, env processEnv: [String: String] = ProcessInfo.processInfo.environment,
                               transport: any HTTPStreamTransport, startLocal: Bool = true,
                               notice: @Sendable (String) -> Void = { _ in }) async throws(SetupError) -> Settings {
        let paths = TalariaPaths(environment: processEnv)
        let env = SecretsFile.load(paths).merging(processEnv) { _, process in process }
        let config = try loadConfig(o, paths: paths)
        let keyVar = o.apiKeyEnv ?? config.apiKeyEnv ?? Defaults.apiKeyEnv
        let apiKey = env[keyVar].flatMap { $0.isEmpty ? nil : $0 }
        var base = o.baseURL ?? config.baseURL ?? env["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if base == nil { base = await LocalServerDetector(transport: transport, localPortFile: paths.local + "/port").detect() }
        if base == nil, startLocal, let configured = config.localModel {
            base = try await startLocalModel(configured, paths: paths, transport: transport, notice: notice)
        }
        guard let base, let url = URL(string: base), url.scheme == "http" || url.scheme == "https" else {
            if let bad = o.baseURL ?? config.baseURL { throw SetupError(.usage, "base_url '\(bad)' is not an http(s) URL") }
            throw SetupError(.noEndpoint, """
                no model endpoint found.
                  No server answered on 127.0.0.1 (llama.cpp :8080, Ollama :11434, LM Studio :1234, vLLM :8000).
                  Set one of:
                    talaria --base-url http://HOST:PORT/v1 ...
                    base_url: http://HOST:PORT/v1     in \(paths.configFile)  (talaria config init writes a template)
                    OPENAI_BASE_URL=https://... and OPENAI_API_KEY=...
                  or start the built-in local model: talaria local up
                """)
        }
        var model = o.model ?? config.model ?? env["TALARIA_MODEL"]
        if model == nil {
            model = await ModelLister(transport: transport, baseURL: url, apiKey: apiKey).firstModel() ?? "default"
        }
        return Settings(paths: paths, config: config, baseURL: base, model: model!, apiKey: apiKey,
                        maxIterations: o.maxIterations ?? config.maxIterations ?? Defaults.maxIterations,
                        contextWindow: o.contextWindow ?? config.contextWindow,
                        maxTokens: o.maxTokens ?? config.maxTokens, environment: env)
    }

    /// Starts the configured built-in model when it is installed (a few seconds); its API base.
    static func startLocalModel(_ configured: String, paths: TalariaPaths, transport: any HTTPStreamTransport,
                                notice: @Sendable (String) -> Void) async throws(SetupError) -> String? {
        let installer = LocalModelInstaller(dir: paths.local, transport: transport)
        guard let spec = try? LocalModelSpec.parse(configured) else {
            throw SetupError(.usage, "local_model '\(configured)' in \(paths.configFile) is not a model (talaria local models lists them)")
        }
        guard installer.isInstalled(spec), installer.installedServer() != nil else {
            throw SetupError(.noEndpoint, "the local model \(spec.id) is not installed yet: talaria local up --model \(configured)")
        }
        notice("starting the local model \(spec.id)…")
        do { return try await installer.prepare(spec, port: LocalServerDetector.freePort()).absoluteString } catch {
            throw SetupError(.noEndpoint, error.message)
        }
    }
}
