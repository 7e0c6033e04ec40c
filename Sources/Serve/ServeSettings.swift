import Foundation
import SessionHost

/// Where `talaria serve` listens, and the token every request must carry.
public struct ServeSettings: Sendable {
    public var host: String
    public var port: Int
    public var token: String
    /// Where the token was read from (or written to), for the start-up line.
    public var tokenFile: String

    /// The default address: loopback only.
    public static let defaultListen = "127.0.0.1:8765"

    /// Parses `--listen HOST:PORT` and loads (or, on first start, writes with mode 0600) the
    /// token. Refuses a non-loopback address unless the token was chosen explicitly and the
    /// caller accepted that the traffic is not encrypted: a token on a LAN in clear text is
    /// anyone's who can listen.
    public static func resolve(listen: String, tokenFile: String?, defaultTokenFile: String,
                               allowInsecure: Bool) throws(SetupError) -> ServeSettings {
        let (host, port) = try parse(listen)
        if !isLoopback(host) {
            guard tokenFile != nil else {
                throw SetupError(.usage, "refusing to listen on \(host): off this machine the token must be one you chose (--token-file FILE)")
            }
            guard allowInsecure else {
                throw SetupError(.usage, "refusing to listen on \(host) without TLS: the token and every prompt would cross the network in clear text. "
                                 + "Put a TLS proxy in front and pass --insecure-listen, or listen on 127.0.0.1")
            }
        }
        let file = tokenFile.map { ($0 as NSString).expandingTildeInPath } ?? defaultTokenFile
        return ServeSettings(host: host, port: port, token: try loadToken(file, create: tokenFile == nil), tokenFile: file)
    }

    static func parse(_ listen: String) throws(SetupError) -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw SetupError(.usage, "--listen '\(listen)' is not HOST:PORT (e.g. 127.0.0.1:8765)")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty || host == "localhost" { host = "127.0.0.1" }
        return (host, port)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host.hasPrefix("127.")
    }

    /// The token in `path`; a new random one written there (0600) when it is missing and
    /// `create` allows.
    static func loadToken(_ path: String, create: Bool) throws(SetupError) -> String {
        if let data = FileManager.default.contents(atPath: path) {
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.count >= 16 else { throw SetupError(.usage, "the token in \(path) is shorter than 16 characters") }
            return token
        }
        guard create else { throw SetupError(.usage, "cannot read the token file \(path)") }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SetupError(.failed, "cannot write the token file \(path)")
        }
        return token
    }
}

/// Compares without an early exit, so the time taken says nothing about the token.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
    return diff == 0
}
