import Foundation
@testable import Skills
import Testing

@Suite("Skill library")
struct LibraryTests {
    @Test("parallel parsing returns every result in order, at every size", arguments: [0, 1, 63, 128, 129, 1_000])
    func inParallelOrder(count: Int) {
        #expect(SkillLibrary.inParallel(count) { $0 * 3 } == (0..<count).map { $0 * 3 })
    }

    @Test("many actors refreshing big libraries at once neither stall the pool nor mix up skills")
    func concurrentRefresh() async throws {
        let root = NSTemporaryDirectory() + "skills-par-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for i in 0..<300 {
            let dir = root + "/skill-\(i)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try "---\nname: skill-\(i)\ndescription: Does thing number \(i).\n---\nSteps.\n".write(toFile: dir + "/SKILL.md", atomically: true, encoding: .utf8)
        }
        let started = ContinuousClock.now
        let counts = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<16 {
                group.addTask {
                    // A timer in every task: a stalled pool would never fire it.
                    try? await Task.sleep(for: .milliseconds(1))
                    return SkillLibrary(roots: [SkillRoot(path: root, source: .user)]).skills.map(\.description)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let expected = Set((0..<300).map { "Does thing number \($0)." })
        #expect(counts.count == 16 && counts.allSatisfy { Set($0) == expected && $0.count == 300 })
        #expect(ContinuousClock.now - started < .seconds(60))
    }
}
