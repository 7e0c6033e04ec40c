import Foundation
import TestSupport

/// Runs the built `talaria` binary in a private TALARIA_HOME.
struct TalariaRun {
    var stdout: String
    var stderr: String
    var status: Int32
    var elapsed: Double
}

final class TalariaHome: @unchecked Sendable {
    let dir = TempDir("e2e")
    var home: String { dir.path + "/home" }
    var work: String { dir.path + "/work" }

    init() {
        try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["TALARIA_BIN"] { return b }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/talaria").path
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["TALARIA_HOME"] = home
        env["TALARIA_LOCAL_PORTS"] = "9"
        env.removeValue(forKey: "OPENAI_BASE_URL")
        env.removeValue(forKey: "OPENAI_API_KEY")
        env["NO_COLOR"] = "1"
        return env
    }

    /// Starts the binary; the caller waits or signals it.
    func start(_ args: [String], stdin: String? = nil, extraEnv: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: work)
        p.environment = environment.merging(extraEnv) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        if let stdin {
            let inPipe = Pipe()
            p.standardInput = inPipe
            try p.run()
            inPipe.fileHandleForWriting.write(Data(stdin.utf8))
            try inPipe.fileHandleForWriting.close()
        } else {
            p.standardInput = FileHandle.nullDevice
            try p.run()
        }
        return (p, out, err)
    }

    /// Runs to completion. Waiting happens on plain threads, never on the cooperative pool,
    /// so concurrently running async tests are not starved on a 2-core machine.
    func run(_ args: [String], stdin: String? = nil, extraEnv: [String: String] = [:]) async throws -> TalariaRun {
        let start = Date()
        let (p, out, err) = try self.start(args, stdin: stdin, extraEnv: extraEnv)
        return await withCheckedContinuation { c in
            Thread {
                // Drain both pipes concurrently so a chatty run cannot block on a full pipe.
                let group = DispatchGroup()
                nonisolated(unsafe) var o = Data(), e = Data()
                group.enter(); Thread { o = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }.start()
                group.enter(); Thread { e = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }.start()
                p.waitUntilExit()
                group.wait()
                c.resume(returning: TalariaRun(stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self),
                                               status: p.terminationStatus, elapsed: Date().timeIntervalSince(start)))
            }.start()
        }
    }
}

/// Waits for a process without blocking the cooperative pool.
func waitForExit(_ p: Process) async {
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
        Thread { p.waitUntilExit(); c.resume() }.start()
    }
}
