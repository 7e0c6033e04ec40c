/// A minimal, fast JSON writer for hot paths (request bodies, stored tool calls).
///
/// Foundation's `JSONEncoder` goes through `Codable` containers and dynamic casts; writing
/// the bytes directly is several times faster, and the request body is encoded on every
/// model call. Output is compact JSON; object keys of ``JSONValue`` are sorted.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    public mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// A JSON string literal, escaped per RFC 8259.
    public mutating func string(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }

    public mutating func number(_ n: Double) {
        if !n.isFinite { raw("null") } else if n.rounded() == n, abs(n) < 1e15 { raw(String(Int64(n))) } else { raw("\(n)") }
    }

    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: raw("null")
        case .bool(let b): raw(b ? "true" : "false")
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let a):
            bytes.append(0x5B)
            for (i, e) in a.enumerated() {
                if i > 0 { bytes.append(0x2C) }
                value(e)
            }
            bytes.append(0x5D)
        case .object(let o):
            bytes.append(0x7B)
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { bytes.append(0x2C) }
                string(k)
                bytes.append(0x3A)
                value(o[k]!)
            }
            bytes.append(0x7D)
        }
    }

    /// Writes `"key":` (with a leading comma unless `first`).
    public mutating func key(_ k: String, first: Bool = false) {
        if !first { bytes.append(0x2C) }
        string(k)
        bytes.append(0x3A)
    }
}
