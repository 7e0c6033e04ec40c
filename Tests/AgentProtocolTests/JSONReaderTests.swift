import AgentProtocol
import Foundation
import Testing

@Suite("JSONReader")
struct JSONReaderTests {
    @Test("reads what JSON allows", arguments: [
        (#"{"command":"true"}"#, JSONValue.object(["command": .string("true")])),
        (#"  [1, -2.5, 3e2, 0, -0.0, 1E-2] "#, .array([.number(1), .number(-2.5), .number(300), .number(0), .number(-0.0), .number(0.01)])),
        (#"{"a":{"b":[true,false,null]},"c":""}"#, .object(["a": .object(["b": .array([.bool(true), .bool(false), .null])]), "c": .string("")])),
        (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{08}\u{0C}\n\r\t")),
        (#""\u00e9\u4e2d\ud83d\ude00""#, .string("é中😀")),
        (#""héllo 中文 😀""#, .string("héllo 中文 😀")),
        (#"{"k":1,"k":2}"#, .object(["k": .number(2)])),
        ("[1, 2,]", .array([.number(1), .number(2)])), (#"{"a":1 , }"#, .object(["a": .number(1)])),
        ("{}", .object([:])), ("[]", .array([])), ("null", .null), ("\"x\"", .string("x")),
    ])
    func valid(_ text: String, _ expected: JSONValue) {
        #expect(JSONReader.parse(text) == expected)
    }

    @Test("refuses what JSON does not allow (a trailing comma aside, as JSONDecoder)", arguments: [
        "", " ", "{", "}", "[,]", "{,}", "[1,,]", "{'a':1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "Infinity",
        "tru", "nul", "[1 2]", "{\"a\" 1}", "\"abc", "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
        "\"\\ud800\\u0041\"", "1 2", "{} x", "// c\n{}", "1e400",
    ])
    func invalid(_ text: String) {
        #expect(JSONReader.parse(text) == nil, "accepted \(text.debugDescription)")
    }

    @Test("nesting deeper than maxDepth is refused, not a crash")
    func depth() {
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(JSONReader.parse(ok) != nil)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(JSONReader.parse(deep) == nil)
    }

    @Test("agrees with JSONDecoder on 500 random documents, and reads back what JSONWriter wrote")
    func agreesWithFoundation() throws {
        var rng = SplitMix(seed: 7)
        for _ in 0..<500 {
            let value = rng.value(depth: 0)
            var w = JSONWriter()
            w.value(value)
            let text = String(decoding: w.bytes, as: UTF8.self)
            let ours = try #require(JSONReader.parse(text), "refused \(text)")
            let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(ours == theirs, "\(text)")
            #expect(ours == value)
        }
    }
}

private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func pick(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    mutating func string() -> String {
        let alphabet: [String] = ["a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "é", "中", "😀", "\u{7F}", "0"]
        return (0..<pick(8)).map { _ in alphabet[pick(alphabet.count)] }.joined()
    }

    mutating func value(depth: Int) -> JSONValue {
        switch pick(depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(pick(2) == 0)
        case 2: return .number([0, 1, -7, 3.25, 1e-7, 123456789, -0.5][pick(7)])
        case 3: return .string(string())
        case 4: return .array((0..<pick(4)).map { _ in value(depth: depth + 1) })
        default:
            var o: [String: JSONValue] = [:]
            for _ in 0..<pick(4) { o[string()] = value(depth: depth + 1) }
            return .object(o)
        }
    }
}
