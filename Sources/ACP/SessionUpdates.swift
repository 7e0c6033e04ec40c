import AgentProtocol
import Foundation
import Store

/// What ACP's `session/update` says for the agent's events, and for a stored conversation
/// replayed by `session/load`. Pure: `ACPAgent` sends what these return.
struct SessionUpdates {
    /// Tool calls whose output has started (their `in_progress` update was sent).
    private var running: Set<String> = []

    /// The updates one event makes (none for most: usage, warnings, the session's own bookkeeping).
    mutating func updates(for event: AgentEvent) -> [JSONValue] {
        switch event {
        case .messageDelta(let item, let text):
            return [["sessionUpdate": "agent_message_chunk", "messageId": .string(item), "content": ["type": "text", "text": .string(text)]]]
        case .reasoningDelta(_, let text):
            return [["sessionUpdate": "agent_thought_chunk", "content": ["type": "text", "text": .string(text)]]]
        case .toolCallBegan(let began):
            return [Self.toolCall(id: began.callID, name: began.name, arguments: began.arguments, status: "pending")]
        case .toolOutputDelta(let callID, _):
            guard !running.contains(callID) else { return [] }
            running.insert(callID)
            return [["sessionUpdate": "tool_call_update", "toolCallId": .string(callID), "status": "in_progress"]]
        case .toolCallEnded(let ended):
            running.remove(ended.callID)
            return [Self.toolDone(id: ended.callID, output: ended.output, failed: ended.status != .succeeded)]
        case .warning(let text):
            return [["sessionUpdate": "agent_thought_chunk", "content": ["type": "text", "text": .string("⚠ " + text + "\n")]]]
        case .plan(let items):
            // ACP's plan update: the whole list each time, `completed` for done.
            let entries: [JSONValue] = items.map { item in
                let status = switch item.status {
                case .pending, .cancelled: "pending"
                case .inProgress: "in_progress"
                case .done: "completed"
                }
                return ["content": .string(item.status == .cancelled ? item.content + " (cancelled)" : item.content), "priority": "medium", "status": .string(status)]
            }
            return [["sessionUpdate": "plan", "entries": .array(entries)]]
        case .clarifyRequested(let q):
            // A question with choices is asked as a permission prompt; ACP has no free-text one,
            // so the user reads it here and the model goes on (it says what it assumed).
            guard q.choices.isEmpty else { return [] }
            return [["sessionUpdate": "agent_message_chunk", "content": ["type": "text", "text": .string("\n❓ \(q.question)\n")]]]
        case .filesRestored(let r):
            return [["sessionUpdate": "agent_message_chunk", "content": ["type": "text", "text": .string(r.message + "\n")]]]
        case .usage(let report) where report.purpose == .turn:
            guard let window = report.contextWindow else { return [] }
            return [["sessionUpdate": "usage_update", "used": .number(Double(report.last.promptTokens + report.last.completionTokens)),
                     "size": .number(Double(window))]]
        case .sessionConfigured, .turnStarted, .userMessage, .messageCompleted, .approvalRequested, .usage, .retrying, .error, .turnCompleted, .turnAborted,
             .skillProposal, .skillChange, .memoryUpdate, .contextCompressed, .hook, .subagent, .checkpoint, .process:
            return []
        case .goal(let g):
            return [["sessionUpdate": "agent_thought_chunk", "content": ["type": "text", "text": .string("goal \(g.state.rawValue): \(g.message)\n")]]]
        }
    }

    static func toolCall(id: String, name: String, arguments: String, status: String) -> JSONValue {
        let args = JSONValue.parse(arguments) ?? .string(arguments)
        return ["sessionUpdate": "tool_call", "toolCallId": .string(id), "title": .string(title(name: name, arguments: args)),
                "kind": .string(kind(of: name)), "status": .string(status), "rawInput": args]
    }

    static func toolDone(id: String, output: String, failed: Bool) -> JSONValue {
        ["sessionUpdate": "tool_call_update", "toolCallId": .string(id), "status": failed ? "failed" : "completed",
         "content": [["type": "content", "content": ["type": "text", "text": .string(output)]]]]
    }

    /// ACP's tool kinds, so an editor picks the right icon and treatment.
    static func kind(of tool: String) -> String {
        switch tool {
        case "terminal": "execute"
        case "read_file": "read"
        case "write_file", "patch": "edit"
        case "list_dir", "search_files", "session_search", "web_search": "search"
        case "web_fetch": "fetch"
        case "clarify", "todo": "think"
        default: "other"
        }
    }

    /// What the call does, in a few words (`echo hi`, `Read notes.txt`).
    static func title(name: String, arguments: JSONValue) -> String {
        let path = arguments["path"]?.stringValue
        switch name {
        case "terminal": return arguments["command"]?.stringValue ?? "terminal"
        case "read_file": return "Read " + (path ?? "a file")
        case "write_file": return "Write " + (path ?? "a file")
        case "patch": return "Edit " + (path ?? "a file")
        case "list_dir": return "List " + (path ?? ".")
        case "search_files": return "Search " + (arguments["pattern"]?.stringValue ?? "")
        default: return name
        }
    }

    /// A stored conversation as the updates `session/load` replays: the user's messages, the
    /// answers, and each tool call with its result.
    static func replay(_ messages: [StoredMessage]) -> [JSONValue] {
        var out: [JSONValue] = []
        for m in messages {
            let msg = m.message
            switch msg.role {
            case .system: continue
            case .user:
                out.append(["sessionUpdate": "user_message_chunk", "content": ["type": "text", "text": .string(msg.content)]])
            case .assistant:
                if !msg.content.isEmpty {
                    out.append(["sessionUpdate": "agent_message_chunk", "messageId": .string("m\(m.id)"),
                                "content": ["type": "text", "text": .string(msg.content)]])
                }
                for call in msg.toolCalls { out.append(toolCall(id: call.id, name: call.name, arguments: call.arguments, status: "pending")) }
            case .tool:
                if let id = msg.toolCallID { out.append(toolDone(id: id, output: msg.content, failed: false)) }
            }
        }
        return out
    }

    /// The text of a prompt's content blocks: text as it is, embedded resources as files, links
    /// as `@path` mentions (the host attaches them).
    static func promptText(_ blocks: [JSONValue]) -> String {
        blocks.compactMap { block -> String? in
            switch block["type"]?.stringValue {
            case "text": return block["text"]?.stringValue
            case "resource":
                guard let r = block["resource"], let text = r["text"]?.stringValue else { return nil }
                let uri = r["uri"]?.stringValue ?? "resource"
                return "<file path=\"\(uri.hasPrefix("file://") ? String(uri.dropFirst(7)) : uri)\">\n\(text)\n</file>"
            case "resource_link":
                guard let uri = block["uri"]?.stringValue else { return nil }
                return uri.hasPrefix("file://") ? "@" + String(uri.dropFirst(7)) : uri
            default: return nil
            }
        }.joined(separator: "\n")
    }
}
