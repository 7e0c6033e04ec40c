import AgentCore
import AgentProtocol
import Foundation
import TestSupport
import Testing

/// Checkpoints in the turn loop: one snapshot before a turn's first file change, none for a
/// turn that only reads; `/undo`, `/redo` between turns; the model told what was put back.
@Suite("Checkpoints in the turn loop")
struct CheckpointTurnTests {
    /// The events an op causes, up to the first that `done` accepts.
    static func after(_ op: Op, on agent: Agent, until done: (AgentEvent) -> Bool) async -> [AgentEvent] {
        await agent.submit(op)
        var out: [AgentEvent] = []
        for await env in agent.events {
            out.append(env.event)
            if done(env.event) { break }
        }
        return out
    }

    static func restored(_ e: AgentEvent) -> FilesRestored? { if case .filesRestored(let r) = e { r } else { nil } }
    static func warning(_ e: AgentEvent) -> String? { if case .warning(let w) = e { w } else { nil } }
    static func ends(_ e: AgentEvent) -> Bool { restored(e) != nil || warning(e) != nil }

    @Test("two writes in a turn: one checkpoint; a reading turn: none; /undo puts the file back and says which; /redo takes it back; the model hears of it")
    func undoRedo() async throws {
        let h = try Harness([
            SSE.callTool("write_file", arguments: #"{"path":"a.txt","content":"v1"}"#, id: "w1"),
            SSE.callTool("write_file", arguments: #"{"path":"b.txt","content":"new"}"#, id: "w2"),
            SSE.answer("wrote both"),
            SSE.callTool("read_file", arguments: #"{"path":"a.txt"}"#, id: "r1"),
            SSE.answer("read it"),
            SSE.answer("noted"),
        ], checkpoints: true)
        h.dir.write("a.txt", "v0")
        let first = await h.turn("write the files")
        let taken = first.compactMap { if case .checkpoint(let c) = $0 { c } else { nil } }
        #expect(taken.count == 1, "\(names(first))")
        #expect(taken.first?.turnID == "turn-1" && taken.first?.messageID != nil)
        #expect(try String(contentsOfFile: h.dir.file("a.txt"), encoding: .utf8) == "v1")
        let second = await h.turn("read a.txt")
        #expect(!second.contains { if case .checkpoint = $0 { true } else { false } }, "a turn that only reads took a checkpoint")

        let undo = await Self.after(.undoFiles, on: h.agent, until: Self.ends)
        let r = try #require(undo.compactMap(Self.restored).first, "\(undo)")
        #expect(r.action == .undo && r.restored == ["a.txt"] && r.removed == ["b.txt"] && r.checkpointID == taken[0].id)
        #expect(r.message == "undid turn 1's file changes: restored a.txt; removed b.txt", "\(r.message)")
        #expect(try String(contentsOfFile: h.dir.file("a.txt"), encoding: .utf8) == "v0")
        #expect(!FileManager.default.fileExists(atPath: h.dir.file("b.txt")))

        let again = await Self.after(.undoFiles, on: h.agent, until: Self.ends)
        #expect(again.compactMap(Self.warning).first == "nothing more to undo in this session")

        let redo = await Self.after(.redoFiles, on: h.agent, until: Self.ends)
        #expect(redo.compactMap(Self.restored).first?.action == .redo)
        #expect(try String(contentsOfFile: h.dir.file("a.txt"), encoding: .utf8) == "v1")
        #expect(try String(contentsOfFile: h.dir.file("b.txt"), encoding: .utf8) == "new")

        _ = await h.turn("carry on")
        let last = messages(h.transport.requestBodies.last ?? [:]).last?["content"] as? String ?? ""
        #expect(last.contains("The user undid turn 1's file changes (restored a.txt; removed b.txt)"), "\(last)")
        #expect(last.contains("The user redid the file changes /undo had taken back"), "\(last)")
    }

    @Test("/undo while a turn runs is refused with the reason; with checkpoints off it says they are off")
    func refused() async throws {
        let h = try Harness([SSE.callTool("terminal", arguments: #"{"command":"sleep 1"}"#, id: "t1"), SSE.answer("slept")], checkpoints: true)
        await h.agent.submit(.userTurn(UserTurn(text: "sleep")))
        let busy = await Self.after(.undoFiles, on: h.agent, until: { Self.warning($0) != nil })
        #expect(busy.compactMap(Self.warning).last == "a turn is running: put files back after it ends (Esc stops it)")
        let off = try Harness([])
        let none = await Self.after(.undoFiles, on: off.agent, until: Self.ends)
        #expect(none.compactMap(Self.warning).first?.hasPrefix("checkpoints are off") == true)
    }
}
