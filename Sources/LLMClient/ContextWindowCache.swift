import Foundation

/// Remembers detected context windows per endpoint and model, so start-up does not probe every time.
///
/// A JSON file of `"<base url> <model>": {"n": 8192, "at": 1764100000}`; entries older than a day
/// are probed again (a server may be restarted with another `-c`).
public struct ContextWindowCache: Sendable {
    public let path: String
    public var maxAge: Double

    public init(path: String, maxAge: Double = 86_400) {
        self.path = path
        self.maxAge = maxAge
    }

    private struct Entry: Codable { var n: Int; var at: Double }

    private func load() -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: Entry].self, from: data)) ?? [:]
    }

    public func lookup(_ endpoint: Endpoint, now: Date = Date()) -> Int? {
        guard let e = load()[Self.key(endpoint)], now.timeIntervalSince1970 - e.at < maxAge else { return nil }
        return e.n
    }

    public func store(_ n: Int, for endpoint: Endpoint, now: Date = Date()) {
        var all = load()
        all[Self.key(endpoint)] = Entry(n: n, at: now.timeIntervalSince1970)
        if let data = try? JSONEncoder().encode(all) { try? data.write(to: URL(fileURLWithPath: path), options: .atomic) }
    }

    static func key(_ e: Endpoint) -> String { e.baseURL.absoluteString + " " + e.model }
}

extension ContextWindowProbe {
    /// The cached value when fresh, else a probe (whose answer is cached).
    public func detect(cache: ContextWindowCache?) async -> Int? {
        if let cache, let n = cache.lookup(endpoint) { return n }
        let n = await detect()
        if let n, let cache { cache.store(n, for: endpoint) }
        return n
    }
}
