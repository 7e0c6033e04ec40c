import Foundation
import Testing
import TestSupport

/// Bad storage on real mounts: the home on a small tmpfs that fills up, and a home bind-mounted
/// read-only — each made by bubblewrap around the binary, so the messages are the ones a user
/// on such a disk reads.
@Suite("bad storage: a full disk, a read-only home and a locked database, the binary", .serialized)
struct StorageEndToEndTests {
    static let bwrap = "/usr/bin/bwrap"

    /// Runs `script` with bash inside bwrap with `mount` (arguments placing the home), and the
    /// home's environment; `$B` is the binary, `$H` the home, `$U` the model's base URL.
    func sandboxed(_ home: TalariaHome, mount: [String], script: String, baseURL: String) async throws -> TalariaRun {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.bwrap)
        p.arguments = ["--dev-bind", "/", "/"] + mount + ["--chdir", home.work, "bash", "-c", script]
        p.environment = home.environment.merging(["B": TalariaHome.binary, "H": home.home, "U": baseURL]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = await withCheckedContinuation { (c: CheckedContinuation<Data, Never>) in
            Thread { let d = out.fileHandleForReading.readDataToEndOfFile(); p.waitUntilExit(); c.resume(returning: d) }.start()
        }
        return TalariaRun(stdout: String(decoding: data, as: UTF8.self), stderr: "", status: p.terminationStatus, elapsed: 0)
    }

    @Test("a full disk: the turn fails naming the database's folder, the disk and what to do; after space is freed the database is whole and the first session is there")
    func fullDisk() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.bwrap) else { return }
        let llm = try await FakeLLMServer()
        let home = TalariaHome()
        let script = """
            $B -p "hello zebras final=Hi" --base-url $U --model fake; echo "first=$?"
            dd if=/dev/zero of=$H/fill bs=4096 2>/dev/null
            $B -p "second long=400" --base-url $U --model fake >/dev/null; echo "second=$?"
            rm $H/fill
            $B doctor; echo "doctor=$?"
            $B sessions search zebras; echo "search=$?"
            """
        let r = try await sandboxed(home, mount: ["--size", "2097152", "--tmpfs", home.home], script: script, baseURL: llm.baseURL)
        let out = r.stdout
        #expect(out.contains("Hi") && out.contains("first=0"), "\(out)")
        #expect(out.contains("second=1"), "\(out)")
        #expect(out.contains("the disk holding \(home.home) is full"), "\(out)")
        #expect(!out.contains("dmesg"), "a full disk is not a hardware fault: \(out)")
        #expect(out.contains("integrity ok"), "\(out)")
        #expect(out.contains("search=0") && out.contains("zebras"), "\(out)")
    }

    @Test("a read-only home: the turn fails naming the folder, that its filesystem is read-only and what to do")
    func readOnlyHome() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.bwrap) else { return }
        let llm = try await FakeLLMServer()
        let home = TalariaHome()
        let first = try await home.run(["-p", "hello final=Hi", "--base-url", llm.baseURL, "--model", "fake"])
        #expect(first.status == 0, "\(first.stderr)")
        let script = """
            $B -p "again final=Again" --base-url $U --model fake; echo "again=$?"
            """
        let r = try await sandboxed(home, mount: ["--ro-bind", home.home, home.home], script: script, baseURL: llm.baseURL)
        let out = r.stdout
        #expect(out.contains("again=1"), "\(out)")
        #expect(out.contains("\(home.home) is on a read-only filesystem") && out.contains("TALARIA_HOME"), "\(out)")
        #expect(!out.contains("Again"), "no answer is shown for a turn that was not stored: \(out)")
    }

    @Test("a database another program holds locked: the turn waits, then fails naming the file and who to wait for")
    func lockedDatabase() async throws {
        let llm = try await FakeLLMServer()
        let home = TalariaHome()
        let first = try await home.run(["-p", "hello final=Hi", "--base-url", llm.baseURL, "--model", "fake"])
        #expect(first.status == 0, "\(first.stderr)")
        // A second writer: Python's sqlite3 holds an exclusive lock for longer than the store's busy wait.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(20)",
                            home.home + "/state.db"]
        let held = Pipe()
        holder.standardOutput = held
        try holder.run()
        defer { holder.terminate() }
        _ = held.fileHandleForReading.availableData
        let r = try await home.run(["-p", "again final=Again", "--base-url", llm.baseURL, "--model", "fake"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains(home.home + "/state.db"), "\(r.stderr)")
        #expect(r.stderr.contains("another program is using the database"), "\(r.stderr)")
    }
}
