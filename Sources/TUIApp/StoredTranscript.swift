import AgentProtocol
import AppFeature
import Store

/// A stored session as transcript items: user and assistant messages, and tool cards with
/// their stored output and status.
enum StoredTranscript {
    struct Loaded {
        var items: [TranscriptItem]
        /// The item that shows each stored message (a tool result shows in its call's card).
        var itemOfMessage: [Int64: Int]
    }

    static func items(store: SessionStore, sessionID: String) throws -> [TranscriptItem] {
        try load(store: store, sessionID: sessionID).items
    }

    static func load(store: SessionStore, sessionID: String) throws -> Loaded {
        load(try store.messages(sessionID: sessionID)) { callID in (try? store.toolRun(callID: callID, sessionID: sessionID)) ?? nil }
    }

    /// `messages` as items; `toolRun` finds a call's stored run (its status and full output).
    static func load(_ messages: [StoredMessage], toolRun: (String) -> ToolRunRecord?) -> Loaded {
        var items: [TranscriptItem] = []
        var itemOfMessage: [Int64: Int] = [:]
        var toolIndex: [String: Int] = [:]
        for m in messages {
            let msg = m.message
            switch msg.role {
            case .system: continue
            case .user:
                itemOfMessage[m.id] = items.count
                items.append(.user(msg.content))
            case .assistant:
                itemOfMessage[m.id] = items.count
                if !msg.content.isEmpty || !(msg.reasoning ?? "").isEmpty {
                    items.append(.assistant(AssistantItem(id: "m\(m.id)", text: msg.content, reasoning: msg.reasoning ?? "", isStreaming: false)))
                }
                for call in msg.toolCalls {
                    let run = toolRun(call.id)
                    let status = run.flatMap { ToolStatus(rawValue: $0.status) } ?? .succeeded
                    toolIndex[call.id] = items.count
                    items.append(.tool(ToolItem(callID: call.id, name: call.name, arguments: call.arguments, status: status,
                                                output: run?.output ?? "", elapsedMs: run?.elapsedMs, exitCode: run?.exitCode)))
                }
            case .tool:
                guard let i = toolIndex[msg.toolCallID ?? ""] else { continue }
                itemOfMessage[m.id] = i
                if case .tool(let t) = items[i], !t.hasOutput {
                    items[i] = .tool(ToolItem(callID: t.callID, name: t.name, arguments: t.arguments, status: t.status,
                                              output: msg.content, elapsedMs: t.elapsedMs, exitCode: t.exitCode))
                }
            }
        }
        return Loaded(items: items, itemOfMessage: itemOfMessage.filter { $0.value < items.count })
    }
}