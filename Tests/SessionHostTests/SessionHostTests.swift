import AgentCore
import AgentProtocol
import Config
import CurlTransport
import Foundation
import SessionHost
import Store
import Testing
import TestSupport

/// A host on the shared scripted OpenAI server (`fake_llm.py --script`), a temporary home and
/// an on-disk store: the sessions are real agents, their tools real commands.
struct HostFixture {
    let server: BenchFakeLLM
    let host: SessionHost
    let dir = TempDir("host")

    init(script: String, config: TalariaConfig = TalariaConfig()) async throws {
        server = try await BenchFakeLLM(script: script)
        let paths = TalariaPaths(environment: ["TALARIA_HOME": dir.path + "/home"])
        try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true)
        let settings = Settings(paths: paths, config: config, baseURL: server.baseURL, model: "fake", environment: [:])
        let store = try SessionStore(path: paths.database)
        host = SessionHost(builder: SessionBuilder(settings: settings, store: store, transport: CurlTransport()))
    }

    func request(approvals: ApprovalPolicy = .yes, interactive: Bool = false) -> SessionRequest {
        SessionRequest(cwd: dir.path, source: .cli, approvals: approvals, interactive: interactive)
    }
}

/// Events of `stream` up to and including the end of the next turn (or the stream's end).
func untilTurnEnds(_ stream: AsyncStream<EventEnvelope>, onEvent: (AgentEvent) async -> Void = { _ in }) async -> [AgentEvent] {
    var out: [AgentEvent] = []
    for await e in stream {
        out.append(e.event)
        await onEvent(e.event)
        if case .turnCompleted = e.event { break }
        if case .turnAborted = e.event { break }
    }
    return out
}

func toolOutputs(_ events: [AgentEvent]) -> [String] {
    events.compactMap { if case .toolCallEnded(let e) = $0 { e.output } else { nil } }
}

func finals(_ events: [AgentEvent]) -> [String] {
    events.compactMap { if case .messageCompleted(let m) = $0, m.toolCalls.isEmpty { m.text } else { nil } }
}

@Suite("SessionHost", .enabled(if: BenchFakeLLM.isAvailable, "the shared bench folder is not beside the repository"))
struct SessionHostTests {
    static let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]

    /// Each word's session runs `echo out-<word>` then answers `done <word>`. The server plays
    /// the steps of the first word (in this order) found in any user message so far, so a
    /// second turn uses a word earlier in the list than the first's.
    ///
    /// Each word's command sleeps 2 s between its stamps; with `barrier`, it instead waits (up to 2 min)
    /// until every word's command has started.
    static func perWordScript(barrier: Bool = false) -> String {
        let wait = barrier ? "for i in $(seq 1200); do [ $(ls start-* | wc -l) -ge \(words.count) ] && break; sleep 0.1; done" : "sleep 2"
        let entries = words.map { w in
            #""\#(w)": [{"tool": "terminal", "args": {"command": "date +%s%N > start-\#(w); \#(wait); date +%s%N > end-\#(w); echo out-\#(w)"}}, {"final": "done \#(w)"}]"#
        }
        return "{" + entries.joined(separator: ", ") + "}"
    }

    @Test("six sessions run at once, each with its own tools, events and stored messages")
    func manySessions() async throws {
        // What is measured is the commands' overlap. Checkpoints (sessions in one folder take turns
        // on the shadow index before their first command) have tests of their own.
        var config = TalariaConfig()
        config.checkpoints.enabled = false
        let f = try await HostFixture(script: Self.perWordScript(barrier: true), config: config)
        var sessions: [(String, HostedSession, SessionAttachment)] = []
        for w in Self.words {
            let s = try await f.host.open(f.request())
            sessions.append((w, s, await s.attach(.driver)))
        }
        #expect(Set(sessions.map { $0.1.id }).count == Self.words.count)
        let results = await withTaskGroup(of: (String, [AgentEvent]).self) { group in
            for (w, s, a) in sessions {
                group.addTask {
                    _ = try? await s.submit(.userTurn(UserTurn(text: "please \(w)")), from: a.id)
                    return (w, await untilTurnEnds(a.events))
                }
            }
            var out: [String: [AgentEvent]] = [:]
            for await (w, events) in group { out[w] = events }
            return out
        }
        for w in Self.words {
            let events = try #require(results[w])
            #expect(toolOutputs(events) == ["out-\(w)"], "session \(w)")
            #expect(finals(events) == ["done \(w)"], "session \(w)")
        }
        // The commands overlap: each waits (up to 2 min) until all have started, so every one started
        // before any ended however loaded the machine; run one after another, the first would end alone.
        func stamps(_ kind: String) -> [Int] {
            Self.words.compactMap { w in (try? String(contentsOfFile: f.dir.file("\(kind)-\(w)"), encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        }
        let (starts, ends) = (stamps("start"), stamps("end"))
        #expect(starts.count == Self.words.count && ends.count == Self.words.count)
        #expect((starts.max() ?? 0) < (ends.min() ?? 0), "the sessions ran one after another")
        let live = await f.host.list()
        #expect(live.count == Self.words.count && live.allSatisfy { $0.attachments == 1 && !$0.busy })
        await f.host.closeAll()
        #expect(await f.host.list().isEmpty)
        for (w, s, _) in sessions {
            let stored = try f.host.store.messages(sessionID: s.id).map(\.message)
            #expect(stored.contains { $0.role == .user && $0.content.contains("please \(w)") })
            let others = Self.words.filter { $0 != w }
            #expect(!stored.contains { m in others.contains { m.content.contains($0) } }, "another session's words in \(w)'s")
        }
    }

    @Test("a front-end joining late gets the transcript so far, then the live events")
    func lateSubscriber() async throws {
        let f = try await HostFixture(script: Self.perWordScript())
        let s = try await f.host.open(f.request())
        let first = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "bravo")), from: first.id)
        _ = await untilTurnEnds(first.events)
        let late = await s.attach(.observer)
        let history = late.history.map(\.event)
        #expect(toolOutputs(history) == ["out-bravo"])
        #expect(finals(history) == ["done bravo"])
        // Deltas arrive merged: the answer is one delta, not one per word.
        let deltas = history.filter { if case .messageDelta = $0 { true } else { false } }
        #expect(deltas.count <= 2)
        #expect(history.contains { if case .turnCompleted = $0 { true } else { false } })
        try await s.submit(.userTurn(UserTurn(text: "alpha")), from: first.id)
        async let driverSaw = untilTurnEnds(first.events)
        let observerSaw = await untilTurnEnds(late.events)
        #expect(finals(observerSaw) == ["done alpha"])
        #expect(finals(await driverSaw) == ["done alpha"])
        await f.host.closeAll()
    }

    @Test("a fork starts from the original's messages and goes its own way; the original is untouched")
    func fork() async throws {
        let f = try await HostFixture(script: Self.perWordScript())
        let original = try await f.host.open(f.request())
        let a = await original.attach(.driver)
        try await original.submit(.userTurn(UserTurn(text: "bravo")), from: a.id)
        _ = await untilTurnEnds(a.events)
        let before = try f.host.store.messages(sessionID: original.id).count
        let forked = try await f.host.fork(original.id, request: f.request())
        #expect(forked.id != original.id)
        #expect(try f.host.store.session(id: forked.id).parentID == original.id)
        let inherited = await forked.agent.messages
        #expect(inherited.contains { $0.role == .user && $0.content == "bravo" })
        let b = await forked.attach(.driver)
        try await forked.submit(.userTurn(UserTurn(text: "alpha")), from: b.id)
        let events = await untilTurnEnds(b.events)
        #expect(finals(events) == ["done alpha"])
        #expect(try f.host.store.messages(sessionID: original.id).count == before)
        #expect(try f.host.store.messages(sessionID: forked.id).count > before)
        await f.host.closeAll()
    }

    @Test("approval requests go to the drivers only; an observer cannot answer; a driver joining later is asked too; the first answer counts")
    func approvalsRouteToTheDriver() async throws {
        let f = try await HostFixture(script: #"[{"tool": "terminal", "args": {"command": "git reset --hard 2>/dev/null; echo ran"}}, {"final": "finished"}]"#)
        let s = try await f.host.open(f.request(approvals: .ask, interactive: true))
        let first = await s.attach(.driver)
        let observer = await s.attach(.observer)
        try await s.submit(.userTurn(UserTurn(text: "reset")), from: first.id)
        var asked: ApprovalRequest?
        for await e in first.events { if case .approvalRequested(let r) = e.event { asked = r; break } }
        let request = try #require(asked)
        await #expect(throws: HostError(.notDriver, "only a front-end driving session \(s.id) answers its approvals")) {
            try await s.submit(.approveTool(callID: request.callID, decision: .once), from: observer.id)
        }
        // Another front-end joins as a driver: it is handed the question still open too.
        let second = await s.attach(.driver)
        #expect(await s.driver == second.id)
        var reasked: ApprovalRequest?
        for await e in second.events { if case .approvalRequested(let r) = e.event { reasked = r; break } }
        #expect(reasked?.callID == request.callID)
        // Either may answer; the first answer counts and a late one is dropped.
        try await s.submit(.approveTool(callID: request.callID, decision: .once), from: second.id)
        try await s.submit(.approveTool(callID: request.callID, decision: .deny), from: first.id)
        let rest = await untilTurnEnds(second.events)
        #expect(toolOutputs(rest) == ["ran"])
        let watched = await untilTurnEnds(observer.events)
        #expect(!watched.contains { if case .approvalRequested = $0 { true } else { false } }, "the observer was asked")
        #expect(toolOutputs(watched) == ["ran"])
        await f.host.closeAll()
    }

    @Test("a front-end that reconnects after the last event it saw gets the rest, nothing twice, even inside merged deltas")
    func resumeAfterSeq() async throws {
        let answer = "one two three four five six seven eight nine ten eleven twelve"
        let f = try await HostFixture(script: #"[{"final": "\#(answer)"}]"#)
        let s = try await f.host.open(f.request())
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "count")), from: a.id)
        var seen: [EventEnvelope] = []
        for await e in a.events {
            seen.append(e)
            if case .turnCompleted = e.event { break }
        }
        let deltas = seen.filter { if case .messageDelta = $0.event { true } else { false } }
        try #require(deltas.count >= 3, "the answer streamed in \(deltas.count) pieces")
        // Every cut point: what was seen up to it, then the history after it, is the whole answer once.
        for cut in deltas.dropLast() {
            let before = seen.filter { $0.seq <= cut.seq }
            let after = await s.attach(.observer, after: cut.seq).history
            #expect(after.allSatisfy { $0.seq > cut.seq })
            let text = (before + after).compactMap { e -> String? in if case .messageDelta(_, let t) = e.event { t } else { nil } }.joined()
            #expect(text == answer, "cut after \(cut.seq)")
            #expect(after.contains { if case .turnCompleted = $0.event { true } else { false } })
        }
        await f.host.closeAll()
    }

    @Test("@file in a prompt attaches the file for the model, whichever front-end typed it")
    func mentions() async throws {
        let f = try await HostFixture(script: #"[{"final": "read it"}]"#)
        f.dir.write("notes.txt", "the launch code is blue-falcon")
        let s = try await f.host.open(f.request())
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "what does @notes.txt say?")), from: a.id)
        _ = await untilTurnEnds(a.events)
        let sent = await s.agent.messages.first { $0.role == .user }?.content ?? ""
        #expect(sent.contains("<file path=\"notes.txt\">") && sent.contains("blue-falcon"))
        await f.host.closeAll()
    }

    @Test("closing a session with a turn running interrupts it and lets it commit; the session leaves the list")
    func closeRunning() async throws {
        let f = try await HostFixture(script: #"[{"tool": "terminal", "args": {"command": "sleep 30"}}, {"final": "never"}]"#)
        let s = try await f.host.open(f.request())
        let a = await s.attach(.driver)
        try await s.submit(.userTurn(UserTurn(text: "wait")), from: a.id)
        for await e in a.events { if case .toolCallBegan = e.event { break } }
        let started = ContinuousClock.now
        await f.host.close(s.id)
        #expect(ContinuousClock.now - started < .seconds(15), "closing waited for the command")
        #expect(await f.host.list().isEmpty)
        #expect(await s.isClosed)
        await #expect(throws: HostError.self) { try await s.submit(.userTurn(UserTurn(text: "again"))) }
        let stored = try f.host.store.messages(sessionID: s.id).map(\.message)
        #expect(stored.contains { $0.role == .user && $0.content == "wait" })
    }
}
