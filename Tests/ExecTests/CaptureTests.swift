import Exec
import Foundation
import Testing

@Suite("Capture")
struct CaptureTests {
    @Test("a program past its timeout is killed with its group; its exit code and output are kept")
    func timeout() async throws {
        let started = ContinuousClock.now
        let r = try await Capture.run(["/bin/sh", "-c", "echo before; sleep 60"], timeout: 0.3)
        // Generous: the whole suite starting at once on two cores has taken seconds here.
        #expect(ContinuousClock.now - started < .seconds(40), "the program was not stopped at its timeout")
        #expect(r.timedOut)
        #expect(String(decoding: r.stdout, as: UTF8.self) == "before\n")
        #expect(r.exitCode == 128 + SIGTERM)
    }

    @Test("a killed program whose output another process still holds (it left the group) does not hold the caller")
    func heldPipe() async throws {
        let started = ContinuousClock.now
        // setsid puts the second sleep outside the group the timeout kills; it keeps stdout open.
        let r = try await Capture.run(["/bin/sh", "-c", "setsid sleep 63.3 & sleep 60"], timeout: 0.3)
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(40), "the caller waited \(elapsed) for a pipe a stray process held")
        #expect(r.timedOut)
        _ = try? await Capture.run(["pkill", "-f", "^sleep 63.3$"]) // only this test's stray
    }

    @Test("exit codes are read as a shell reports them")
    func exitCodes() async throws {
        #expect(try await Capture.run(["/bin/sh", "-c", "exit 2"]).exitCode == 2)
        #expect(try await Capture.run(["/bin/sh", "-c", "kill -9 $$"]).exitCode == 128 + 9)
        #expect(try await Capture.run(["/bin/true"]).exitCode == 0)
    }
}
