import Foundation
import Testing
import TestSupport

@Suite("talaria doctor, backup and restore, the binary", .serialized)
struct DoctorEndToEndTests {
    @Test("after a -p session: doctor passes; backup writes a copy; a readable secrets file makes doctor exit 1 naming the fix; restore brings the backup back")
    func roundTrip() async throws {
        let llm = try await FakeLLMServer()
        let home = TalariaHome()
        let first = try await home.run(["-p", "remember zebras final=Noted", "--base-url", llm.baseURL, "--model", "fake"])
        #expect(first.status == 0, "\(first.stderr)")
        // (The harness made the home with the default mode; Talaria makes it 0700.)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: home.home)
        let doctor = try await home.run(["doctor"], extraEnv: ["TALARIA_BASE_URL": llm.baseURL])
        #expect(doctor.status == 0, "\(doctor.stdout)\(doctor.stderr)")
        #expect(doctor.stdout.contains("integrity ok") && doctor.stdout.contains("all good"), "\(doctor.stdout)")
        let backup = try await home.run(["backup", home.dir.path + "/b.db"])
        #expect(backup.status == 0 && backup.stdout.contains("1 sessions"), "\(backup.stdout)\(backup.stderr)")
        _ = try await home.run(["-p", "second final=Again", "--base-url", llm.baseURL, "--model", "fake"])
        FileManager.default.createFile(atPath: home.home + "/secrets.env", contents: Data("K=v\n".utf8), attributes: [.posixPermissions: 0o644])
        let bad = try await home.run(["doctor"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("PROBLEM secrets") && bad.stdout.contains("chmod 600"), "\(bad.stdout)")
        let restore = try await home.run(["restore", home.dir.path + "/b.db"])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        let list = try await home.run(["sessions", "list", "--json"])
        #expect(list.stdout.components(separatedBy: "\"id\"").count - 1 == 1, "\(list.stdout)")
        let refused = try await home.run(["restore", home.dir.path + "/missing.db"])
        #expect(refused.status == 1 && refused.stderr.contains("missing.db"), "\(refused.stderr)")
    }
}
