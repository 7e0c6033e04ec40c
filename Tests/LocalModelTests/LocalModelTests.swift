import CurlTransport
import Foundation
import LLMClient
import LocalModel
import Synchronization
import TestSupport
import Testing

/// The loopback stand-in for Hugging Face (`Tests/fake-hf/fake_hf.py`) serving the files of a folder.
final class FakeHF: @unchecked Sendable {
    let process: Process
    let port: Int
    let files = TempDir("hf-files")
    var base: String { "http://127.0.0.1:\(port)" }

    init(_ options: [String] = [], populate: (TempDir) -> Void) async throws {
        populate(files)
        let dir = TempDir("fakehf")
        let portFile = dir.file("port")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fake-hf/fake_hf.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--dir", files.path, "--port-file", portFile] + options
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(s) { port = n; _ = dir; return }
            try await Task.sleep(for: .milliseconds(20))
        }
        p.terminate()
        throw NSError(domain: "FakeHF", code: 1)
    }

    /// The Range header of every file request, in order.
    func ranges() async throws -> [String?] {
        let r = try await CurlTransport().send(HTTPRequest(url: URL(string: base + "/log")!))
        let log = try JSONSerialization.jsonObject(with: r.body) as? [[String: Any]] ?? []
        return log.filter { ($0["path"] as? String)?.hasPrefix("/files/") == true }.map { $0["range"] as? String }
    }

    deinit { if process.isRunning { process.terminate() } }
}

/// Bytes that are not all alike, so a wrong offset shows.
func weights(_ n: Int) -> String {
    var bytes = [UInt8](repeating: 0, count: n)
    for i in 0..<n { bytes[i] = UInt8(65 + (i * 7 + i / 13) % 26) }
    return String(decoding: bytes, as: UTF8.self)
}

final class Reports: Sendable {
    private let values = Mutex<[Int64]>([])
    func add(_ n: Int64) { values.withLock { $0.append(n) } }
    var all: [Int64] { values.withLock { $0 } }
}

@Suite("Model downloads")
struct ModelDownloadTests {
    let content = weights(300_000)

    func sha(_ text: String) async -> String {
        String(String(decoding: await runToEnd("/usr/bin/sha256sum", [], input: Data(text.utf8)), as: UTF8.self).prefix(64))
    }

    @Test("a dropped connection resumes where it stopped (Range), progress is reported, and the checksum is checked")
    func resumes() async throws {
        let hf = try await FakeHF(["--cut-after", "100000"]) { $0.write("model.gguf", content) }
        let out = TempDir("dl")
        let reports = Reports()
        try await ModelDownloader(transport: CurlTransport()).download(URL(string: hf.base + "/files/model.gguf")!, to: out.file("m.gguf"),
                                                                      size: Int64(content.utf8.count), sha256: await sha(content)) { done, _ in reports.add(done) }
        #expect(try String(contentsOfFile: out.file("m.gguf"), encoding: .utf8) == content)
        #expect(!FileManager.default.fileExists(atPath: out.file("m.gguf.part")))
        let ranges = try await hf.ranges()
        #expect(ranges.count == 2 && ranges[0] == nil, "\(ranges)")
        #expect(ranges.last??.hasPrefix("bytes=") == true && ranges.last??.hasPrefix("bytes=0-") == false, "the second request resumed: \(ranges)")
        #expect(reports.all.last == Int64(content.utf8.count))
        #expect(reports.all.contains { $0 > 0 && $0 < Int64(content.utf8.count) }, "progress along the way")
    }

    @Test("a part left by an earlier run is resumed, not downloaded again")
    func resumesAcrossRuns() async throws {
        let hf = try await FakeHF { $0.write("model.gguf", content) }
        let out = TempDir("dl")
        out.write("m.gguf.part", String(content.prefix(123_456)))
        try await ModelDownloader(transport: CurlTransport()).download(URL(string: hf.base + "/files/model.gguf")!, to: out.file("m.gguf"),
                                                                      size: Int64(content.utf8.count), sha256: await sha(content))
        #expect(try String(contentsOfFile: out.file("m.gguf"), encoding: .utf8) == content)
        #expect(try await hf.ranges() == ["bytes=123456-"])
    }

    @Test("a server that ignores Range sends it all again, and the file is still right")
    func rangeIgnored() async throws {
        let hf = try await FakeHF(["--ignore-range"]) { $0.write("model.gguf", content) }
        let out = TempDir("dl")
        out.write("m.gguf.part", String(content.prefix(5_000)))
        try await ModelDownloader(transport: CurlTransport()).download(URL(string: hf.base + "/files/model.gguf")!, to: out.file("m.gguf"),
                                                                      size: Int64(content.utf8.count), sha256: await sha(content))
        #expect(try String(contentsOfFile: out.file("m.gguf"), encoding: .utf8) == content)
    }

    @Test("a file that does not match its checksum is refused and removed")
    func badChecksum() async throws {
        let hf = try await FakeHF(["--corrupt"]) { $0.write("model.gguf", content) }
        let out = TempDir("dl")
        await #expect(throws: InstallError.self) {
            try await ModelDownloader(transport: CurlTransport()).download(URL(string: hf.base + "/files/model.gguf")!, to: out.file("m.gguf"),
                                                                          size: Int64(content.utf8.count), sha256: await sha(content))
        }
        #expect(!FileManager.default.fileExists(atPath: out.file("m.gguf")))
        #expect(!FileManager.default.fileExists(atPath: out.file("m.gguf.part")))
    }

    @Test("hf:OWNER/REPO:QUANT finds the one file of that quantisation (sizes and checksums from the Hub), through its redirect")
    func huggingFace() async throws {
        let hf = try await FakeHF { dir in
            dir.write("Coder-Q4_K_M.gguf", content)
            dir.write("Coder-Q8_0.gguf", "other")
            dir.write("README.md", "readme")
        }
        let spec = try LocalModelSpec.parse("hf:someone/Coder-GGUF:Q4_K_M")
        #expect(spec.id == "coder-gguf-q4-k-m")
        let local = TempDir("local")
        let installer = LocalModelInstaller(dir: local.path, transport: CurlTransport(), environment: ["HF_ENDPOINT": hf.base])
        let path = try await installer.ensureModel(spec)
        #expect(path == local.path + "/models/coder-gguf-q4-k-m.gguf")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == content)
        #expect(installer.isInstalled(spec))
        let missing = try LocalModelSpec.parse("hf:someone/Coder-GGUF:Q2_K")
        await #expect(throws: InstallError("someone/Coder-GGUF has no Q2_K GGUF; it has Q4_K_M, Q8_0")) { try await installer.ensureModel(missing) }
    }

    @Test("model names: catalogue, hf:, addresses and files; the default is sized to the machine", arguments: [
        ("qwen2.5-coder-7b-instruct", "qwen2.5-coder-7b-instruct"), ("qwen2.5-coder-3b", "qwen2.5-coder-3b-instruct"),
        ("packaged", "qwen2.5-coder-0.5b-instruct"), ("hf:bartowski/Qwen2.5-Coder-7B-Instruct-GGUF", "qwen2.5-coder-7b-instruct-gguf-q4-k-m"),
        ("https://example.com/models/Tiny-Model.Q4.gguf", "tiny-model.q4"),
    ])
    func names(text: String, id: String) throws {
        #expect(try LocalModelSpec.parse(text).id == id)
    }

    @Test("machine sizing and mistakes")
    func sizing() {
        let gib: UInt64 = 1 << 30
        #expect(LocalModelSpec.recommended(memory: 24 * gib) == .coder7B)
        #expect(LocalModelSpec.recommended(memory: 8 * gib) == .coder3B)
        #expect(LocalModelSpec.recommended(memory: 4 * gib) == .packaged)
        #expect(throws: InstallError.self) { try LocalModelSpec.parse("hf:just-a-name") }
        #expect(throws: InstallError.self) { try LocalModelSpec.parse("https://example.com/page.html") }
        #expect(throws: InstallError.self) { try LocalModelSpec.parse("/no/such/model.gguf") }
    }
}
