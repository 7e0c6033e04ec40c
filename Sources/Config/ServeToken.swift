import Foundation

/// The bearer token `talaria serve` requires and its clients send (`serve.token`, mode 0600):
/// read, or made once, in one place for the server and `talaria attach` alike.
public enum ServeToken {
    public static let minimumLength = 16

    public enum Problem: Error, Sendable, Equatable {
        case missing(String)
        case tooShort(String)
        case unwritable(String)

        public var message: String {
            switch self {
            case .missing(let path): "no token in \(path)"
            case .tooShort(let path): "the token in \(path) is shorter than \(ServeToken.minimumLength) characters"
            case .unwritable(let path): "cannot write the token file \(path)"
            }
        }
    }

    /// The token in `path`.
    public static func read(_ path: String) throws(Problem) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .missing(path) }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= minimumLength else { throw .tooShort(path) }
        return token
    }

    /// The token in `path`, or a new random one written there (0600, its folder 0700).
    public static func readOrCreate(_ path: String) throws(Problem) -> String {
        if FileManager.default.fileExists(atPath: path) { return try read(path) }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        let dir = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .unwritable(path)
        }
        return token
    }
}
