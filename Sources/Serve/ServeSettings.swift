import Config
import AgentProtocol
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
        let file = tokenFile.map { UserHome.expand($0) } ?? defaultTokenFile
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
        do { return create ? try ServeToken.readOrCreate(path) : try ServeToken.read(path) } catch {
            switch error {
            case .missing: throw SetupError(.usage, "cannot read the token file \(path)")
            case .tooShort: throw SetupError(.usage, error.message)
            case .unwritable: throw SetupError(.failed, error.message)
            }
        }
    }
}

/// Compares without an early exit, so the time taken says nothing about the token.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var diff = UInt8(x.count == y.count ? 0 : 1)
    for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
    return diff == 0
}
