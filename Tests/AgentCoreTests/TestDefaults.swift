import AgentCore
import AgentProtocol
import Config
import Memory

// The lower layers take every setting explicitly; tests start from the same defaults the
// session builder does (Config's `Defaults`).
extension LoopGuardSettings {
    static let standard = LoopGuardSettings(warnAfter: Defaults.LoopGuard.warnAfter, stopAfter: Defaults.LoopGuard.stopAfter,
                                            failureStreak: Defaults.LoopGuard.failureStreak)
}

extension MemoryLimits {
    static let standard = MemoryLimits(notes: Defaults.Memory.notesLimit, user: Defaults.Memory.userLimit, nudgeEvery: Defaults.Memory.nudgeEvery)
}

extension AgentConfiguration {
    /// A configuration with the defaults, for tests that care about a few values.
    static func test(model: String = "m", baseURL: String, cwd: String, maxIterations: Int = Defaults.maxIterations,
                     approvalMode: ApprovalMode = .approveAll, contextWindowOverride: Int? = nil, maxTokens: Int? = nil, temperature: Double? = nil,
                     loopGuard: LoopGuardSettings = .standard, review: SkillReviewSettings? = nil,
                     compressAt: Double = Defaults.Memory.compressAt, factsEvery: Int = Defaults.Memory.factsEvery,
                     userPresent: Bool = false) -> AgentConfiguration {
        var c = AgentConfiguration(model: model, baseURL: baseURL, cwd: cwd, maxIterations: maxIterations, approvalMode: approvalMode,
                           toolOutputLimit: Defaults.toolOutputLimit, contextWindowOverride: contextWindowOverride, maxTokens: maxTokens,
                           temperature: temperature, source: .cli, loopGuard: loopGuard, review: review, compressAt: compressAt, factsEvery: factsEvery)
        c.userPresent = userPresent
        return c
    }
}
