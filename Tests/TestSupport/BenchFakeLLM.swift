import Foundation

/// The shared scripted OpenAI server (`../shared/bench/fake_llm.py`) on a free loopback port,
/// playing a `--script` of tool calls. Unlike the repo's own fake it ignores `tool_choice`, as
/// some servers do, so it plays a model that keeps calling tools whatever it is told.
public final class BenchFakeLLM: @unchecked Sendable {
    public let process: Process
    public let port: Int
    /// One JSON line per request the server received.
    public let logPath: String
    private let dir: TempDir
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    public static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/bench/fake_llm.py").path
    }

    /// Whether the shared bench folder is beside the repository (it is in CI).
    public static var isAvailable: Bool { FileManager.default.fileExists(atPath: scriptPath) }

    /// - Parameter script: the steps (`[{"tool": …, "args": {…}}, {"final": …}]`), as JSON.
    public init(script: String, extra: [String] = []) async throws {
        dir = TempDir("benchfake")
        dir.write("script.json", script)
        logPath = dir.file("requests.jsonl")
        let portFile = dir.file("port")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.scriptPath, "--port", "0", "--port-file", portFile, "--script", dir.file("script.json"),
                       "--log", logPath, "--quiet"] + extra
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(s) {
                port = n
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        p.terminate()
        throw NSError(domain: "BenchFakeLLM", code: 1, userInfo: [NSLocalizedDescriptionKey: "fake_llm.py did not start"])
    }

    /// The chat requests received so far (one decoded log line each).
    public var chatRequests: [[String: Any]] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { ($0["path"] as? String)?.hasSuffix("/chat/completions") == true }
    }

    deinit {
        // SIGKILL: a child Foundation's Process starts inherits the starting thread's signal
        // mask, in which Swift's runtime blocks SIGTERM, so `terminate()` never reached it.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
