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

    /// Async so that waiting for the server to come up never holds a thread of the cooperative
    /// pool (two on this machine): a blocked pool stalls every other running test.
    /// `environment`: variables the script may expand (`${NAME}` in args and final: a model that
    /// "knows" something the user never typed).
    public init(nCtx: Int = 0, environment: [String: String] = [:]) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fakellm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let portFile = dir.appendingPathComponent("port").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.scriptPath, "--port", "0", "--port-file", portFile, "--n-ctx", String(nCtx)]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        try p.run()
        process = p
        // Generous: under the whole suite's load on two cores a Python start can take seconds,
        // and a stalled cooperative pool must not turn a started server into a failure.
        let deadline = Date().addingTimeInterval(60)
        repeat {
            if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(s) {
                port = n
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        } while Date() < deadline
        if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(s) {
            port = n
            return
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

/// A TCP port nothing listens on right now.
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}
