import AgentProtocol
import AgentTools
import Foundation
import LLMClient
import Memory

/// What the model is told besides the conversation: the session's system prompt, built once,
/// and each turn's note on its user message.
///
/// **One prefix per session.** Every request begins with the previous one, byte for byte, so
/// the server's prompt cache (llama.cpp's KV cache, a provider's prefix cache) reads only what
/// is new. The system prompt is frozen at the first turn and built again only when what it
/// describes changes (the backend, the set of tools). What a turn adds — skills the catalogue
/// does not list, the memory nudge, servers that are down — rides on its user message inside
/// `<system-reminder>`, kept by message id so later requests send it again identically.
struct PromptState {
    /// The frozen prompt, the key it was built for (backend and tools), and its skills section.
    private(set) var frozen: (key: String, text: String, skills: String?)?
    /// Each turn's note, by the store id of the user message it rides on.
    private(set) var turnNotes: [Int64: String] = [:]
    /// The memory section, taken at the first turn and kept for the session.
    private var memorySnapshot: String??

    /// The parts a fresh prompt is built from (the agent gathers them: some need the backend).
    struct Parts {
        var cwd: String
        var tools: [String]
        var key: String
        var extraInstructions: String?
        var skills: String?
        var memory: () -> String?
        /// Where commands run, when that is not this machine.
        var remote: String?
        /// The project's instruction files, as the prompt shows them.
        var context: () -> String? = { nil }
    }

    /// The frozen prompt; built now when there is none, or it was built for other tools or
    /// another backend. `fresh`: it was just built.
    mutating func systemPrompt(_ parts: Parts) -> (text: String, fresh: Bool) {
        if let frozen, frozen.key == parts.key { return (frozen.text, false) }
        if memorySnapshot == nil { memorySnapshot = .some(parts.memory()) }
        let extra = [parts.extraInstructions, parts.skills, memorySnapshot ?? nil, parts.remote].compactMap { $0 }.joined(separator: "\n\n")
        let text = SystemPrompt.make(cwd: parts.cwd, tools: parts.tools, context: parts.context(), extra: extra.isEmpty ? nil : extra)
        frozen = (parts.key, text, parts.skills)
        return (text, true)
    }

    /// The skills section of the frozen prompt (a turn's note names only the others).
    var frozenSkills: String? { frozen?.skills }

    mutating func setNote(_ note: String, for messageID: Int64) { turnNotes[messageID] = note }

    /// Keeps the notes of messages still in the view (after a compression).
    mutating func keepNotes(for ids: Set<Int64>) { turnNotes = turnNotes.filter { ids.contains($0.key) } }

    /// Characters the notes add to a request (for the token estimate).
    var noteCharacters: Int { turnNotes.values.reduce(0) { $0 + $1.utf8.count } }

    /// A request's messages: the system prompt, then the history with each turn's note on its
    /// user message, inside a tag that says these are not the user's words.
    func messages(system: String, history: [ChatMessage], ids: [Int64?]) -> [ChatMessage] {
        var out: [ChatMessage] = [.system(system)]
        out.reserveCapacity(history.count + 1)
        guard !turnNotes.isEmpty else { return out + history }
        for (m, id) in zip(history, ids) {
            guard m.role == .user, let id, let note = turnNotes[id] else { out.append(m); continue }
            var sent = m
            sent.content += "\n\n<system-reminder>\n" + note + "\n</system-reminder>"
            out.append(sent)
        }
        return out
    }

    /// A side request that extends the conversation's prompt instead of replacing it: the
    /// messages the session's requests send, then `instructions` as a user message, with the
    /// tools listed — they are part of the prefix — but not to be called. The server's cache
    /// serves the whole conversation and evaluates only the instructions, and the next turn still
    /// finds the conversation cached (on a one-slot server any other prompt would have evicted
    /// it). Nil before the first turn.
    func fork(_ instructions: String, history: [ChatMessage], ids: [Int64?], tools: [ToolSpec], maxTokens: Int,
              extra: [String: JSONValue]) -> LLMRequest? {
        guard let frozen else { return nil }
        var messages = messages(system: frozen.text, history: history, ids: ids)
        messages.append(.user(instructions))
        return LLMRequest(messages: messages, tools: tools, toolChoice: tools.isEmpty ? nil : "none", maxTokens: maxTokens,
                          temperature: 0.2, extra: extra)
    }
}
