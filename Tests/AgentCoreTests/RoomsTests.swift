import AgentProtocol
@testable import AgentCore
import AgentTools
import Foundation
import Skills
import Store
import TestSupport
import Testing

/// The agent's rooms on their own, without a model: the approval gate, tool dispatch, the
/// prompt's state, context management, skill learning's triggers.
@Suite("The agent's rooms")
struct RoomsTests {
    static let call = ToolCall(id: "c1", name: "terminal", arguments: #"{"command": "git reset --hard"}"#)
    static let args: JSONValue = ["command": "git reset --hard"]

    @Test("the gate: the mode decides first; a session answer holds for the session, an always answer for later sessions too")
    func approvalGate() throws {
        let dir = TempDir("gate")
        #expect(ApprovalGate(mode: .approveAll, memory: nil).check(Self.call, reason: "discards changes", arguments: Self.args) == .allow(.once))
        #expect(ApprovalGate(mode: .denyAll, memory: nil).check(Self.call, reason: "discards changes", arguments: Self.args) == .deny)
        var gate = ApprovalGate(mode: .ask, memory: ApprovalMemory(path: dir.file("approvals.json")))
        guard case .ask(let request) = gate.check(Self.call, reason: "discards changes", arguments: Self.args) else {
            Issue.record("a dangerous command in ask mode was not asked about"); return
        }
        #expect(request.callID == "c1" && request.command == "git reset --hard" && request.reason == "discards changes")
        try gate.remember(.session, for: "discards changes")
        #expect(gate.check(Self.call, reason: "discards changes", arguments: Self.args) == .allow(.session))
        #expect(ApprovalGate(mode: .ask, memory: ApprovalMemory(path: dir.file("approvals.json")))
            .check(Self.call, reason: "discards changes", arguments: Self.args) != .allow(.session), "a session answer outlived its session")
        try gate.remember(.always, for: "deletes files")
        let later = ApprovalGate(mode: .ask, memory: ApprovalMemory(path: dir.file("approvals.json")))
        #expect(later.check(Self.call, reason: "deletes files", arguments: Self.args) == .allow(.session))
        // What the user approved "always" holds in a one-shot run too; nothing else does.
        let oneShot = ApprovalGate(mode: .denyAll, memory: ApprovalMemory(path: dir.file("approvals.json")))
        #expect(oneShot.check(Self.call, reason: "deletes files", arguments: Self.args) == .allow(.always))
        #expect(oneShot.check(Self.call, reason: "discards changes", arguments: Self.args) == .deny)
    }

    @Test("a skill in use pre-approves only the commands its allowed-tools name")
    func skillAllowedTools() {
        var gate = ApprovalGate(mode: .ask, memory: nil)
        gate.useSkill("release", allowing: AllowedTools(.string("Bash(git reset:*) Read")))
        #expect(gate.check(Self.call, reason: "discards changes", arguments: Self.args) == .allowedBySkill("release"))
        let other = ToolCall(id: "c2", name: "terminal", arguments: #"{"command": "rm -rf build"}"#)
        guard case .ask = gate.check(other, reason: "deletes files", arguments: ["command": "rm -rf build"]) else {
            Issue.record("a command the skill does not name ran without asking"); return
        }
    }

    @Test("an answer resumes the waiting call once; interrupting denies everything pending")
    func approvalWaiters() async {
        let box = GateBox()
        async let first = box.wait("a")
        async let second = box.wait("b")
        while await box.waiting < 2 { await Task.yield() }
        #expect(await box.answer("a", .once) == true)
        #expect(await box.answer("a", .always) == false, "a second answer reached a settled call")
        await box.denyAll()
        #expect(await first == .once)
        #expect(await second == .deny)
    }

    @Test("dispatch: an unreadable call, an unknown tool and bad JSON each get a result that says what to do; output is redacted and capped")
    func dispatcher() {
        let d = ToolDispatcher(redactor: SecretRedactor(environment: ["MY_API_TOKEN": "sk-verysecretvalue123456"]), outputLimit: 100)
        let tools = ToolRegistry([EchoTool()])
        guard case .failure(let unreadable) = d.validate(Self.call, tools: tools, unreadable: ["c1": "the JSON ends early"]) else {
            Issue.record("an unreadable call ran"); return
        }
        #expect(unreadable.output.text.contains("could not be read: the JSON ends early") && unreadable.output.text.contains("Nothing ran"))
        guard case .failure(let unknown) = d.validate(Self.call, tools: tools, unreadable: [:]) else { Issue.record("an unknown tool ran"); return }
        #expect(unknown.output.text == "unknown tool 'terminal'. Available tools: echo")
        guard case .failure(let bad) = d.validate(ToolCall(id: "c3", name: "echo", arguments: "{not json"), tools: tools, unreadable: [:]) else {
            Issue.record("bad JSON ran"); return
        }
        #expect(!bad.output.text.isEmpty)
        guard case .success(let ok) = d.validate(ToolCall(id: "c4", name: "echo", arguments: #"{"text": "hi"}"#), tools: tools, unreadable: [:]) else {
            Issue.record("a good call was refused"); return
        }
        #expect(ok.arguments["text"]?.stringValue == "hi")
        #expect(!d.redact(ToolOutput(text: "token=sk-verysecretvalue123456", status: .succeeded)).text.contains("sk-verysecretvalue123456"))
        let long = String(repeating: "a", count: 300) + "THE-END"
        let shown = d.shown(long)
        #expect(shown.count < 200 && shown.hasSuffix("THE-END") && shown.contains("characters omitted"))
        #expect(d.shown("short") == "short")
    }

    @Test("the prompt is frozen until the tools or backend change; memory is read once; notes ride on their user message")
    func promptState() {
        var p = PromptState()
        var reads = 0
        func parts(_ key: String, memory: String = "the user likes tabs") -> PromptState.Parts {
            PromptState.Parts(cwd: "/w", tools: ["terminal"], key: key, extraInstructions: nil, skills: nil,
                              memory: { reads += 1; return memory }, remote: nil)
        }
        let first = p.systemPrompt(parts("k1"))
        #expect(first.fresh && first.text.contains("the user likes tabs"))
        let again = p.systemPrompt(parts("k1", memory: "changed"))
        #expect(!again.fresh && again.text == first.text, "the prompt changed without a reason: the server's cache is lost")
        let rebuilt = p.systemPrompt(parts("k2", memory: "changed"))
        #expect(rebuilt.fresh && rebuilt.text.contains("the user likes tabs"), "the memory snapshot is the session's, taken once")
        #expect(reads == 1)
        p.setNote("skill X fits this request", for: 7)
        let sent = p.messages(system: rebuilt.text, history: [.user("first"), .assistant("ok"), .user("second")], ids: [5, 6, 7])
        #expect(sent.map(\.content) == [rebuilt.text, "first", "ok", "second\n\n<system-reminder>\nskill X fits this request\n</system-reminder>"])
        p.keepNotes(for: [5])
        #expect(p.turnNotes.isEmpty)
    }

    @Test("context: nothing below the threshold; compression above it; not again within three turns (said once); /compress without a window says why")
    func contextManager() throws {
        let long = (0..<40).flatMap { i -> [ChatMessage] in [.user("question \(i) " + String(repeating: "x", count: 400)), .assistant("answer \(i)")] }
        var c = ContextManager(compressAt: 0.8, contextWindow: 10_000, factsEvery: 3)
        guard case .none = c.decide(history: long, tokens: 7_000, turn: 1) else { Issue.record("compressed below the threshold"); return }
        guard case .compress(_, let tokens, let window, let forced) = c.decide(history: long, tokens: 9_000, turn: 2) else {
            Issue.record("did not compress above the threshold"); return
        }
        #expect(tokens == 9_000 && window == 10_000 && !forced)
        let dir = TempDir("context")
        var conversation = try Conversation(store: try SessionStore(path: dir.file("state.db")), resume: nil,
                                            config: .test(baseURL: "http://127.0.0.1:9/v1", cwd: dir.path))
        for m in long { try conversation.commit(m) }
        c.forced = true
        if case .compress(let plan, _, _, _) = c.decide(history: conversation.history, tokens: 9_000, turn: 2) {
            let done = c.apply(plan, summary: nil, to: &conversation, turn: 2, tokensBefore: 9_000, window: 10_000, promptCharacters: 0, toolCount: 0)
            #expect(done.messages > 0)
        }
        #expect(conversation.history.count < long.count, "the view did not shrink")
        guard case .tell(let why) = c.decide(history: long, tokens: 9_500, turn: 3) else { Issue.record("compressed again a turn later"); return }
        #expect(why.contains("not compressing again so soon"))
        guard case .none = c.decide(history: long, tokens: 9_500, turn: 4) else { Issue.record("the refusal was said twice"); return }
        var unknown = ContextManager(compressAt: 0.8, contextWindow: nil, factsEvery: 3)
        unknown.forced = true
        guard case .tell(let unknownWhy) = unknown.decide(history: long, tokens: 0, turn: 1) else { Issue.record("/compress was silent"); return }
        #expect(unknownWhy.contains("context window is unknown"))
        // The user model's pass: every third turn, on what it has not seen.
        var facts = ContextManager(compressAt: 0.8, contextWindow: nil, factsEvery: 3)
        #expect([facts.turnCompleted(), facts.turnCompleted(), facts.turnCompleted()] == [false, false, true])
        #expect(facts.takeFactsSlice(Array(long.prefix(6))).count == 6)
        #expect(facts.takeFactsSlice(Array(long.prefix(8))).count == 2)
        #expect(!facts.owesFinalPass)
    }

    @Test("skill learning reviews after a long task or a correction, and only when reviews are on")
    func skillLearningTriggers() throws {
        #expect(SkillLearning.isCorrection("No, use pnpm"))
        #expect(SkillLearning.isCorrection("actually the tests live in spec/"))
        #expect(!SkillLearning.isCorrection("now add a README"))
    }
}

/// The gate behind an actor, as the agent holds it.
actor GateBox {
    private var gate = ApprovalGate(mode: .ask, memory: nil)
    private(set) var waiting = 0

    func wait(_ id: String) async -> ApprovalDecision {
        await withCheckedContinuation { c in
            gate.wait(for: id, c)
            waiting += 1
        }
    }

    func answer(_ id: String, _ d: ApprovalDecision) -> Bool { gate.answer(id, decision: d) }
    func denyAll() { gate.denyAll() }
}

/// A tool that returns its text.
struct EchoTool: Tool {
    var spec: ToolSpec { ToolSpec(name: "echo", description: "echo", parameters: ["type": "object", "properties": ["text": ["type": "string"]]]) }
    func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        ToolOutput(text: arguments["text"]?.stringValue ?? "", status: .succeeded)
    }
}
