import AgentProtocol
import Foundation
import Store
import Synchronization

/// The session as a JSONL file for hooks (`transcript_path`), in the shape of Claude Code's
/// transcripts so scripts written for those read this: one line per message,
/// `{"type": "user" | "assistant", "message": {"role", "content": [blocks]}, "session_id", "timestamp"}`,
/// tool calls as `tool_use` blocks, results as `tool_result` blocks in a user line.
///
/// Brought up to date from the store before each hook runs (only the messages since the last
/// time are appended); the file is the user's only (0600).
public final class HookTranscript: Sendable {
    let directory: String
    let store: SessionStore
    private let written: Mutex<[String: Int64]> = Mutex([:])

    public init(directory: String, store: SessionStore) {
        self.directory = directory
        self.store = store
    }

    public func path(for sessionID: String) -> String { directory + "/" + sessionID + ".jsonl" }

    /// Appends what the store has that the file has not; the file's path.
    @discardableResult
    public func sync(_ sessionID: String) -> String {
        let path = path(for: sessionID)
        written.withLock { written in
            let after = written[sessionID] ?? 0
            guard let messages = try? store.messages(sessionID: sessionID, after: after), let last = messages.last else { return }
            var text = ""
            for m in messages where m.message.role != .system { text += Self.line(m) + "\n" }
            if Self.append(text, to: path) { written[sessionID] = last.id }
        }
        return path
    }

    static func line(_ m: StoredMessage) -> String {
        let msg = m.message
        var blocks: [JSONValue] = []
        switch msg.role {
        case .tool:
            blocks = [.object(["type": .string("tool_result"), "tool_use_id": .string(msg.toolCallID ?? ""), "content": .string(msg.content)])]
        default:
            if !msg.content.isEmpty { blocks.append(.object(["type": .string("text"), "text": .string(msg.content)])) }
            for call in msg.toolCalls {
                blocks.append(.object(["type": .string("tool_use"), "id": .string(call.id), "name": .string(call.name),
                                       "input": JSONValue.parse(call.arguments) ?? .object([:])]))
            }
        }
        let role = msg.role == .assistant ? "assistant" : "user"
        let stamp = ISO8601DateFormatter().string(from: m.createdAt)
        return JSONValue.object(["type": .string(role), "session_id": .string(m.sessionID), "timestamp": .string(stamp),
                                 "message": .object(["role": .string(role), "content": .array(blocks)])]).jsonText
    }

    private static func append(_ text: String, to path: String) -> Bool {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            try? fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                    attributes: [.posixPermissions: 0o700])
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else { return false }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { return false }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            return true
        } catch { return false }
    }
}
