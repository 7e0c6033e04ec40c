import AgentProtocol
@testable import AgentTools
import Exec
import Testing

@Suite("todo: the model's plan")
struct TodoToolTests {
    static func args(_ json: String) -> JSONValue { JSONValue.parse(json)! }

    @Test("todos replaces the plan; merge updates the steps named and adds the rest; no todos reads it")
    func replaceMergeRead() throws {
        let board = PlanBoard()
        let first = board.apply(Self.args(#"{"todos": [{"content": "read the config", "status": "in_progress"}, {"content": "fix the parser", "status": "pending"}]}"#))
        #expect(try first.get() == [PlanItem("read the config", .inProgress), PlanItem("fix the parser")])
        _ = board.apply(Self.args(#"{"merge": true, "todos": [{"content": "read the config", "status": "completed"}, {"content": "run the tests", "status": "pending"}]}"#))
        #expect(board.items == [PlanItem("read the config", .done), PlanItem("fix the parser"), PlanItem("run the tests")])
        #expect(try board.apply(Self.args("{}")).get() == board.items)
        #expect(board.items.rendered == "Plan (1/3 done):\n[x] read the config\n[ ] fix the parser\n[ ] run the tests")
        _ = board.apply(Self.args(#"{"todos": [{"content": "only this", "status": "in-progress"}]}"#))
        #expect(board.items == [PlanItem("only this", .inProgress)])
    }

    @Test("a bad step changes nothing and says why; a plan holds at most 50 steps")
    func refusals() async {
        let board = PlanBoard()
        _ = board.apply(Self.args(#"{"todos": [{"content": "keep me", "status": "pending"}]}"#))
        guard case .failure(let why) = board.apply(Self.args(#"{"todos": [{"content": "x", "status": "maybe"}]}"#)) else { Issue.record("accepted"); return }
        #expect(why.description.contains("\"maybe\" is not one of pending, in_progress, done, cancelled"))
        guard case .failure = board.apply(Self.args(#"{"todos": [{"status": "pending"}]}"#)) else { Issue.record("accepted a step without content"); return }
        guard case .failure = board.apply(Self.args(#"{"todos": "all of it"}"#)) else { Issue.record("accepted a string"); return }
        let many = (0..<51).map { #"{"content": "step \#($0)", "status": "pending"}"# }.joined(separator: ",")
        guard case .failure = board.apply(Self.args(#"{"todos": [\#(many)]}"#)) else { Issue.record("accepted 51 steps"); return }
        #expect(board.items == [PlanItem("keep me")])
        let out = await TodoTool(board: board).run(Self.args(#"{"todos": [{"content": "x", "status": "maybe"}]}"#),
                                                  context: ToolContext(cwd: "/", backend: LocalBackend(), callID: "c"))
        #expect(out.isError && out.text.hasPrefix("The plan was not changed") && out.plan == nil)
    }
}
