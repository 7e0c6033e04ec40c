import AgentProtocol
import AgentTools
import Foundation

/// How a tool call goes from the model's request to a result: checked (the tool exists, the
/// arguments are JSON, the call could be read), run, its output redacted and capped.
///
/// Approval and hooks sit between checking and running (the agent asks the gate and the hook
/// runner); recording the result is the conversation's. Everything here is a pure function of
/// the call and the tools, so it is tested without a model.
struct ToolDispatcher: Sendable {
    /// Secrets leave tool output here, before the store, the model and the UI see it.
    let redactor: SecretRedactor
    /// Characters of output the model sees per call; the store keeps all of it.
    let outputLimit: Int

    /// The tool and its arguments, or the failed result the model gets instead.
    func validate(_ call: ToolCall, tools: ToolRegistry, unreadable: [String: String]) -> Result<(tool: any Tool, arguments: JSONValue), ToolFailure> {
        if let problem = unreadable[call.id] {
            return .failure(ToolFailure(output: .error("Your tool call could not be read: \(problem). Nothing ran. Write the call again as valid JSON "
                + "({\"name\": \"tool\", \"arguments\": {…}}), or answer in plain text.")))
        }
        guard let tool = tools[call.name] else {
            return .failure(ToolFailure(output: .error("unknown tool '\(call.name)'. Available tools: \(tools.names.joined(separator: ", "))")))
        }
        switch ToolRegistry.parseArguments(call.arguments) {
        case .success(let v): return .success((tool, v))
        case .failure(let e): return .failure(ToolFailure(output: .error(e.message)))
        }
    }

    /// The result of a call the user did not approve.
    static func denied(_ reason: String) -> ToolOutput {
        ToolOutput(text: "The user did not approve this command (\(reason)). Do not run it another way; explain what you wanted to do and continue without it.",
                   status: .denied)
    }

    /// The result of a call a hook blocked, with the hook's reason for the model.
    static func blocked(_ reason: String) -> ToolOutput {
        ToolOutput(text: "A hook blocked this call: \(reason)", status: .denied)
    }

    /// Secrets out of the output (before anything else sees it).
    func redact(_ output: ToolOutput) -> ToolOutput {
        var out = output
        out.text = redactor.redact(output.text)
        return out
    }

    /// What the model sees of `text`: its head and tail when long (the full text is in the store).
    func shown(_ text: String) -> String { Self.cap(text, limit: outputLimit) }

    static func cap(_ text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        let head = text.prefix(limit * 6 / 10)
        let tail = text.suffix(limit * 4 / 10)
        return "\(head)\n[… \(text.count - head.count - tail.count) characters omitted …]\n\(tail)"
    }
}

/// A call that cannot run, and the result the model gets for it.
struct ToolFailure: Error {
    var output: ToolOutput
}
