import Testing

/// The real llama.cpp peer gets one test at a time.
///
/// Two slots share two cores: a test that streams while another fills its prompt, or while
/// `talaria local up` starts a second llama-server, slows to a crawl (llama.cpp's threads spin
/// at their barriers when the machine is oversubscribed) — a turn that takes 20 s alone took
/// over 3 minutes in CI. Tests marked `.llmPeer` queue here instead, so each measures its own
/// turn against an idle server; the rest of the suite still runs beside them.
///
/// A suite's `.timeLimit` counts the wait in this queue too (Swift Testing starts the clock
/// before it applies scoping traits), and the queue is every real-model test in a row — over
/// 14 minutes on CI's two busy cores — so those suites take `peerQueueLimitMinutes`, not the
/// 10 minutes an ordinary slow test gets.
public struct LLMPeerTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Suites pass through; each test case holds the peer for its whole run.
        guard !test.isSuite else { return try await function() }
        await LLMPeerQueue.shared.acquire()
        do {
            try await function()
        } catch {
            await LLMPeerQueue.shared.release()
            throw error
        }
        await LLMPeerQueue.shared.release()
    }
}

/// The time limit of a suite marked `.llmPeer`: its own run plus its wait behind the others.
public let peerQueueLimitMinutes = 30

extension Trait where Self == LLMPeerTrait {
    /// Runs the test alone against the llama.cpp peer (see `LLMPeerTrait`).
    public static var llmPeer: Self { LLMPeerTrait() }
}

/// A first-come first-served lock whose waiters suspend (never block a thread of the pool).
actor LLMPeerQueue {
    static let shared = LLMPeerQueue()
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard held else { held = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { held = false } else { waiters.removeFirst().resume() }
    }
}
