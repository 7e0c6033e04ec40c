import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Refuses web addresses that reach this machine or its network: loopback, private, link-local
/// (cloud metadata at 169.254.169.254 among them), carrier-grade NAT, multicast and reserved
/// ranges — for an IP literal, for every address a name resolves to, and again for every
/// redirect. A checked name's address is pinned for the connection, so a second DNS answer
/// cannot swap it (rebinding).
public struct AddressGuard: Sendable {
    /// Skip the check (`web: {allow_private: true}`).
    public var allowPrivate: Bool
    /// Host names exempt from it (`allow_hosts`; `*.example.com` covers subdomains).
    public var allowHosts: [String]
    /// Resolves a host to its addresses (getaddrinfo; replaced in tests).
    var resolve: @Sendable (String) async -> [IPAddress]

    public init(allowPrivate: Bool = false, allowHosts: [String] = []) {
        self.allowPrivate = allowPrivate
        self.allowHosts = allowHosts.map { $0.lowercased() }
        resolve = { host in await Self.systemResolve(host) }
    }

    /// Where `url` may be fetched from: the pin for the transport (nil: resolve normally), or
    /// why not.
    public func check(_ url: URL) async -> Result<String?, WebRefusal> {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            return .failure(WebRefusal("only http and https addresses can be fetched, not \(url.scheme ?? "a bare path")"))
        }
        guard let host = url.host?.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]")), !host.isEmpty else {
            return .failure(WebRefusal("\(url.absoluteString) has no host"))
        }
        if allowPrivate || isAllowed(host) { return .success(nil) }
        if ["metadata.google.internal", "metadata", "instance-data"].contains(host) {
            return .failure(WebRefusal("\(host) is a cloud metadata address; web.allow_private in config.yaml allows such addresses"))
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let addresses: [IPAddress]
        if let literal = IPAddress(host) { addresses = [literal] } else {
            addresses = await resolve(host)
            guard !addresses.isEmpty else { return .failure(WebRefusal("cannot resolve \(host)")) }
        }
        if let blocked = addresses.first(where: { $0.isInternal }) {
            let what = host == blocked.description ? host : "\(host) resolves to \(blocked)"
            return .failure(WebRefusal("\(what), a \(blocked.kind) address: refused, so a page cannot make Talaria reach this machine or its network (web.allow_private or web.allow_hosts in config.yaml allow it)"))
        }
        let first = addresses[0]
        return .success(IPAddress(host) != nil ? nil : "\(host):\(port):\(first.isV6 ? "[\(first)]" : first.description)")
    }

    func isAllowed(_ host: String) -> Bool {
        allowHosts.contains { pattern in
            pattern.hasPrefix("*.") ? host.hasSuffix(pattern.dropFirst(1)) || host == pattern.dropFirst(2) : host == pattern
        }
    }

    /// getaddrinfo on a thread of its own (it blocks).
    static func systemResolve(_ host: String) async -> [IPAddress] {
        await withCheckedContinuation { c in
            Thread {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var list: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, &hints, &list) == 0 else { c.resume(returning: []); return }
                defer { freeaddrinfo(list) }
                var out: [IPAddress] = []
                var p = list
                while let info = p {
                    if let a = info.pointee.ai_addr {
                        if info.pointee.ai_family == AF_INET {
                            var v4 = a.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                            out.append(IPAddress(bytes: withUnsafeBytes(of: &v4) { Array($0) }))
                        } else if info.pointee.ai_family == AF_INET6 {
                            var v6 = a.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                            out.append(IPAddress(bytes: withUnsafeBytes(of: &v6) { Array($0) }))
                        }
                    }
                    p = info.pointee.ai_next
                }
                c.resume(returning: out)
            }.start()
        }
    }
}

/// Why an address was not fetched.
public struct WebRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a literal ("10.0.0.1", "::1", "::ffff:127.0.0.1").
    public init?(_ text: String) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    public var isV6: Bool { bytes.count == 16 }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        var copy = bytes
        let family = isV6 ? AF_INET6 : AF_INET
        return copy.withUnsafeMutableBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)).map { String(cString: $0) } ?? "?"
        }
    }

    /// An IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), to be judged as IPv4.
    var embeddedV4: IPAddress? {
        guard isV6 else { return nil }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff { return IPAddress(bytes: Array(bytes[12..<16])) }
        if bytes[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] { return IPAddress(bytes: Array(bytes[12..<16])) }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return IPAddress(bytes: Array(bytes[2..<6])) }
        return nil
    }

    /// What kind of internal address this is; nil for a public one.
    public var internalKind: String? {
        if let v4 = embeddedV4 { return v4.internalKind }
        let b = bytes
        if !isV6 {
            switch (b[0], b[1]) {
            case (0, _): return "this-network"
            case (10, _), (172, 16...31), (192, 168): return "private"
            case (100, 64...127): return b[1] == 100 && b[2] == 100 && b[3] == 200 ? "metadata" : "shared (carrier NAT)"
            case (127, _): return "loopback"
            case (169, 254): return b[2] == 169 && b[3] == 254 ? "metadata" : "link-local"
            case (192, 0) where b[2] == 0: return "reserved"
            case (198, 18...19): return "benchmarking"
            case (224...239, _): return "multicast"
            case (240...255, _): return "reserved"
            default: return nil
            }
        }
        if b.allSatisfy({ $0 == 0 }) { return "unspecified" }
        if b[0..<15].allSatisfy({ $0 == 0 }), b[15] == 1 { return "loopback" }
        if b[0] & 0xfe == 0xfc { return b == IPAddress("fd00:ec2::254")?.bytes ? "metadata" : "private (unique local)" }
        if b[0] == 0xfe, b[1] & 0xc0 == 0x80 { return "link-local" }
        if b[0] == 0xff { return "multicast" }
        return nil
    }

    var isInternal: Bool { internalKind != nil }
    var kind: String { internalKind ?? "public" }
}
