import AgentProtocol
@testable import LLMClient
import Testing

@Suite("Think and tool-call tags in streamed content")
struct ContentSplitterTests {
    /// Feeds `text` in two pieces split at `cut` and folds the segments.
    func split(_ text: String, at cut: Int? = nil) -> (text: String, reasoning: String, calls: [String]) {
        var s = ContentSplitter()
        var segs: [ContentSplitter.Segment] = []
        if let cut {
            let i = text.index(text.startIndex, offsetBy: cut)
            segs += s.feed(String(text[..<i]))
            segs += s.feed(String(text[i...]))
        } else {
            segs += s.feed(text)
        }
        segs += s.finish()
        var t = "", r = "", c: [String] = []
        for seg in segs {
            switch seg {
            case .text(let x): t += x
            case .reasoning(let x): r += x
            case .toolCall(let x): c.append(x)
            }
        }
        return (t, r, c)
    }

    @Test("<think> and <thinking> blocks become reasoning, split at every position")
    func thinkSplitEverywhere() {
        for tag in ["think", "thinking"] {
            let text = "<\(tag)>plan the work</\(tag)>The answer."
            for cut in 0...text.count {
                let r = split(text, at: cut)
                #expect(r.text == "The answer.", "cut \(cut)")
                #expect(r.reasoning == "plan the work", "cut \(cut)")
            }
        }
    }

    @Test("several <tool_call> blocks are extracted, split at every position")
    func hermesCalls() {
        let text = #"Checking.<tool_call>{"name":"a","arguments":{}}</tool_call><tool_call>{"name":"b","arguments":{"x":1}}</tool_call>"#
        for cut in 0...text.count {
            let r = split(text, at: cut)
            #expect(r.text == "Checking.", "cut \(cut)")
            #expect(r.calls == [#"{"name":"a","arguments":{}}"#, #"{"name":"b","arguments":{"x":1}}"#], "cut \(cut)")
        }
    }

    @Test("text that only looks like a tag passes through")
    func lookalikes() {
        #expect(split("if a < b and <div> or <th").text == "if a < b and <div> or <th")
        #expect(split("x <thinker> y").text == "x <thinker> y")
    }

    @Test("an unclosed think block at the end is reasoning; an unclosed tool_call is still offered")
    func unclosed() {
        #expect(split("<think>never closed").reasoning == "never closed")
        #expect(split(#"<tool_call>{"name":"a","arguments":{}}"#).calls == [#"{"name":"a","arguments":{}}"#])
    }
}

@Suite("Tool calls written as text")
struct TextToolCallTests {
    var n = 0
    func ids() -> () -> String { var i = 0; return { i += 1; return "id\(i)" } }

    @Test("a bare JSON object naming a known tool is a call; arguments as object or string")
    func bare() {
        let r = TextToolCalls.recognize(in: #" {"name": "terminal", "arguments": {"command": "ls"}} "#, known: ["terminal"], makeID: ids())
        #expect(r.calls.map(\.name) == ["terminal"])
        #expect(r.calls.first?.arguments == #"{"command":"ls"}"#)
        #expect(r.remainder == "")
        let s = TextToolCalls.recognize(in: #"{"name":"terminal","arguments":"{\"command\":\"ls\"}"}"#, known: ["terminal"], makeID: ids())
        #expect(s.calls.first?.arguments == #"{"command":"ls"}"#)
    }

    @Test("a fenced json block after prose is a call and is removed from the text")
    func fenced() {
        let text = "I will list files.\n```json\n{\"name\": \"list_dir\", \"parameters\": {\"path\": \".\"}}\n```\n"
        let r = TextToolCalls.recognize(in: text, known: ["list_dir"], makeID: ids())
        #expect(r.calls == [.init(id: "id1", name: "list_dir", arguments: #"{"path":"."}"#)])
        #expect(r.remainder == "I will list files.")
    }

    @Test("JSON naming an unknown tool, or other code blocks, stay text")
    func notCalls() {
        let json = #"{"name": "Alice", "arguments": {}}"#
        #expect(TextToolCalls.recognize(in: json, known: ["terminal"], makeID: ids()).calls.isEmpty)
        let code = "```python\nprint({'name': 'terminal'})\n```"
        #expect(TextToolCalls.recognize(in: code, known: ["terminal"], makeID: ids()).calls.isEmpty)
        #expect(TextToolCalls.recognize(in: #"{"name":"terminal"}"#, known: [], makeID: ids()).calls.isEmpty)
    }

    @Test("a list of calls in one block gives several calls")
    func list() {
        let r = TextToolCalls.recognize(in: #"[{"name":"a","arguments":{}},{"name":"b","arguments":{}}]"#, known: ["a", "b"], makeID: ids())
        #expect(r.calls.map(\.name) == ["a", "b"])
    }

    @Test("an attempted call that does not parse is recognised as one, with what is wrong", arguments: [
        // (text, the tool it names, a word of the problem) — one row per shape small models write.
        (#"{"name": "skill_view", "arguments": {"name": "x""#, "skill_view", "ends before"),
        ("```json\n{\"name\": \"terminal\", \"arguments\": {\"command\": \"ls\"\n```", "terminal", "ends before"),
        (#"{"name": "terminal", "arguments": {command: ls}}"#, "terminal", "not valid JSON"),
        (#"{"name": "read_file", "arguments": {"path": "a.txt"}} trailing words"#, "read_file", "not valid JSON"),
        (#"[{"name": "terminal", "arguments": {"command": "ls"}"#, "terminal", "ends before"),
    ])
    func attempted(text: String, tool: String, problem: String) {
        let a = TextToolCalls.attemptedCall(in: text, known: ["terminal", "read_file", "skill_view"])
        #expect(a?.name == tool)
        #expect(a?.problem.contains(problem) == true, "\(a?.problem ?? "nil")")
    }

    @Test("a call to a tool that is not offered is an attempt too (the model is told which exist); other JSON is not")
    func attemptedOrNot() {
        let known: Set<String> = ["terminal"]
        let unknown = TextToolCalls.attemptedCall(in: #"{"name": "run_shell", "arguments": {"cmd": "ls"}}"#, known: known)
        #expect(unknown?.name == "run_shell")
        #expect(unknown?.problem.contains("no tool named") == true)
        // JSON the user asked for: no "arguments", a name that is not a tool.
        #expect(TextToolCalls.attemptedCall(in: #"{"name": "Alice", "age": 3}"#, known: known) == nil)
        #expect(TextToolCalls.attemptedCall(in: "The answer is {\"name\": \"terminal\"} as text.", known: known) == nil)
        #expect(TextToolCalls.attemptedCall(in: "Plain prose.", known: known) == nil)
        #expect(TextToolCalls.attemptedCall(in: #"{"name": "terminal", "arguments": {}}"#, known: []) == nil)
    }
}
