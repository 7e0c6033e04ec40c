import Foundation

/// A local web on a free loopback port (`Fixtures/web_server.py`): pages, redirects, other
/// content types, and SearxNG's, Brave's and Tavily's search APIs.
public final class LocalWeb: @unchecked Sendable {
    public let process: Process
    public let port: Int
    let dir: TempDir

    public var base: String { "http://127.0.0.1:\(port)" }

    public init() async throws {
        dir = TempDir("localweb")
        let portFile = dir.file("port")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/web_server.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--port-file", portFile]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(s) {
                port = n
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(p.processIdentifier, SIGKILL)
        throw NSError(domain: "LocalWeb", code: 1, userInfo: [NSLocalizedDescriptionKey: "web_server.py did not start"])
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
