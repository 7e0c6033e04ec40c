import Foundation

/// Waits for a process without blocking the cooperative pool.
///
/// `Process.waitUntilExit()` spins a run loop on the calling thread; called from an async
/// test it holds one of the pool's threads (two on CI) for as long as the child runs, and
/// every other test's timing bound pays for it.
public func waitForExit(_ p: Process) async {
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
        Thread { p.waitUntilExit(); c.resume() }.start()
    }
}

/// Runs a program to its end off the cooperative pool and returns its stdout (stdin from `input`).
public func runToEnd(_ executable: String, _ arguments: [String], input: Data? = nil) async -> Data {
    await withCheckedContinuation { (c: CheckedContinuation<Data, Never>) in
        Thread {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments
            let stdin = Pipe(), stdout = Pipe()
            p.standardInput = stdin
            p.standardOutput = stdout
            guard (try? p.run()) != nil else { c.resume(returning: Data()); return }
            // Write on a thread of its own so a large input cannot deadlock against a full stdout pipe.
            let writer = Thread {
                if let input { try? stdin.fileHandleForWriting.write(contentsOf: input) }
                try? stdin.fileHandleForWriting.close()
            }
            writer.start()
            let out = stdout.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            c.resume(returning: out)
        }.start()
    }
}
