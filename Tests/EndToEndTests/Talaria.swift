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

/// Runs a program with posix_spawn and waitpid and returns its stdout.
///
/// Foundation's Process sometimes never noticed a short-lived child's exit when waited for
/// from a test's task; this path has no such machinery.
func spawnAndRead(_ argv: [String], capture: Bool = true) -> String {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { return "" }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if capture { posix_spawn_file_actions_adddup2(&actions, fds[1], 1) } else { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addclose(&actions, fds[0])
    posix_spawn_file_actions_addclose(&actions, fds[1])
    let cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
    close(fds[1])
    defer { close(fds[0]) }
    guard rc == 0 else { return "" }
    var out = Data()
    if capture {
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return String(decoding: out, as: UTF8.self)
}

extension TalariaHome {
    /// What the model was last told by a tool in the newest session: its stored tool message.
    func lastToolMessage() async throws -> String? {
        let listed = try await run(["sessions", "list", "--json"]).stdout
        let first = listed.split(separator: "\n").first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        guard let id = first?["id"] as? String else { return nil }
        let shown = try await run(["sessions", "show", id, "--json"]).stdout
        return shown.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { $0["message"] as? [String: Any] }.last { $0["role"] as? String == "tool" }?["content"] as? String
    }
}
