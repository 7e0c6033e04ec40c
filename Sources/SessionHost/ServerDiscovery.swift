import Foundation
import LLMClient

/// Finds a local OpenAI-compatible server when none is configured.
public struct LocalServerDetector: Sendable {
    let transport: any HTTPStreamTransport
    let localPortFile: String
    let environment: [String: String]

    public init(transport: any HTTPStreamTransport, localPortFile: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.transport = transport
        self.localPortFile = localPortFile
        self.environment = environment
    }

    /// A server that answers; what it probably is.
    public struct Found: Sendable, Hashable {
        public var url: String
        public var label: String
    }

    /// The well-known ports (the built-in model's first), as API bases.
    func candidates() -> [String] {
        // TALARIA_LOCAL_PORTS="8080,11434" narrows the search (tests, unusual setups).
        var ports = environment["TALARIA_LOCAL_PORTS"].map {
            $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        } ?? [8080, 11434, 1234, 8000]
        if let n = localPort { ports.insert(n, at: 0) }
        return ports.map { "http://127.0.0.1:\($0)/v1" }
    }

    private var localPort: Int? {
        (try? String(contentsOfFile: localPortFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    public func detect() async -> String? { await detectAll().first?.url }

    /// Every candidate that answers, in order, with what it probably is.
    public func detectAll() async -> [Found] {
        let urls = candidates()
        let localPort = localPort
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
            return Found(url: url, label: label)
        }
    }

    /// A loopback port nothing listens on (for the local model when 8080 is taken).
    public static func freePort(preferred: Int = 8080) -> Int {
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
public struct ModelLister: Sendable {
    let transport: any HTTPStreamTransport
    let baseURL: URL
    let apiKey: String?

    public init(transport: any HTTPStreamTransport, baseURL: URL, apiKey: String?) {
        self.transport = transport
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    public func firstModel() async -> String? {
        guard let url = URL(string: baseURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/models") else { return nil }
        var headers: [String: String] = [:]
        if let apiKey { headers["authorization"] = "Bearer \(apiKey)" }
        guard let r = try? await transport.send(HTTPRequest(url: url, headers: headers, connectTimeout: 2, idleTimeout: 3)),
              r.status == 200, let obj = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any],
              let data = obj["data"] as? [[String: Any]] else { return nil }
        return data.first?["id"] as? String
    }
}
