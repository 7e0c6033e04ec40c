import Foundation

/// The repo's scripted OpenAI-compatible server (`Tests/fake-llm/fake_openai.py`) on a free loopback port.
public final class FakeLLMServer: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    public static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fake-llm/fake_openai.py").path
    }

    public init(nCtx: Int = 0) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fakellm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let portFile = dir.appendingPathComponent("port").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.scriptPath, "--port", "0", "--port-file", portFile, "--n-ctx", String(nCtx)]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(s) {
                port = n
                return
            }
            usleep(20_000)
        }
        p.terminate()
        throw NSError(domain: "FakeLLMServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "fake server did not start"])
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// A fresh temporary directory, removed when the value is released.
public final class TempDir: @unchecked Sendable {
    public let path: String

    public init(_ label: String = "talaria") {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ name: String, _ text: String) {
        let p = file(name)
        try? FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
