import Foundation

/// Starts one of the Python fixtures beside this file (`Fixtures/NAME.py`) on a free loopback
/// port: the script writes its port to `--port-file`; this waits (30 s at most) and returns the
/// process, the port and the temporary folder holding the port file.
func launchFixture(_ script: String, _ arguments: [String], label: String) async throws -> (process: Process, port: Int, dir: TempDir) {
    let dir = TempDir(label)
    let portFile = dir.file("port")
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(script)").path
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", path, "--port-file", portFile] + arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        if let s = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(s) { return (p, n, dir) }
        try await Task.sleep(for: .milliseconds(20))
    }
    kill(p.processIdentifier, SIGKILL)
    throw NSError(domain: label, code: 1, userInfo: [NSLocalizedDescriptionKey: "\(script) did not start"])
}

/// Fetches until `done` holds of what came back (or `seconds` pass, every 50 ms); the last fetch.
func pollUntil<T>(_ seconds: Double, _ fetch: () async throws -> T, _ done: (T) -> Bool) async throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    var value = try await fetch()
    while !done(value), Date() < deadline {
        try await Task.sleep(for: .milliseconds(50))
        value = try await fetch()
    }
    return value
}

/// A chat that shows `count` messages, none a draft still streaming (" …").
func settled(_ texts: [String], count: Int) -> Bool { texts.count >= count && !texts.contains { $0.hasSuffix(" …") } }
