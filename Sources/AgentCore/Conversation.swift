import AgentProtocol
import Foundation
import Memory
import Store

/// The session's conversation: the messages the model sees, each committed to the store before
/// anything shows it as done.
///
/// `history` is the model's view (a compressed range is its summary); `ids` holds each
/// message's store row (nil for a summary, which has no row of its own). The store keeps every
/// message ever written; compression only changes this view.
struct Conversation {
    let store: SessionStore
    let sessionID: String
    private(set) var history: [ChatMessage] = []
    private(set) var ids: [Int64?] = []
    /// Whether the session's row exists (it is created with the first message).
    private var created: Bool
    private let session: (model: String, baseURL: String, cwd: String, source: String, parentID: String?)

    /// A new session (`resume == nil`), or a stored one's context, summaries in place.
    init(store: SessionStore, resume: String?, config: AgentConfiguration) throws(StoreError) {
        self.store = store
        session = (config.model, config.baseURL, config.cwd, config.source.rawValue, config.parentID)
        if let resume {
            let info = try store.session(id: resume)
            sessionID = info.id
            let stored = try store.contextMessages(sessionID: info.id)
            history = stored.map(\.message)
            ids = stored.map { ContextCompressor.isSummary($0.message) ? nil : $0.id }
            created = true
        } else {
            sessionID = SessionStore.makeSessionID()
            created = false
        }
    }

    /// Commits `message` (creating the session's row first if needed) and adds it to the view;
    /// staged results are committed first, in the same transaction (rows keep the view's order).
    mutating func commit(_ message: ChatMessage, usage: Usage? = nil) throws(StoreError) {
        history.append(message)
        ids.append(nil)
        staged.append((history.count - 1, usage, nil))
        do { try flush() } catch {
            history.removeLast()
            ids.removeLast()
            throw error
        }
    }

    /// Tool results in the view, not yet committed (see ``stage(_:toolRun:)``).
    private var staged: [(index: Int, usage: Usage?, toolRun: ToolRunRecord?)] = []
    var hasStaged: Bool { !staged.isEmpty }

    /// Adds a tool result to the view now and commits it with ``flush()`` — which the agent calls
    /// once the next request is on its way, so the commit overlaps the model's work instead of
    /// delaying it. Its run record goes in the same transaction. Nothing shows it as done before.
    mutating func stage(_ message: ChatMessage, toolRun: ToolRunRecord) {
        history.append(message)
        ids.append(nil)
        staged.append((history.count - 1, nil, toolRun))
    }

    /// Commits the staged messages in one transaction. On failure they stay in the view unsaved.
    mutating func flush() throws(StoreError) {
        guard !staged.isEmpty else { return }
        let items = staged
        staged = []
        if !created {
            _ = try store.createSession(model: session.model, baseURL: session.baseURL, cwd: session.cwd, source: session.source,
                                        parentID: session.parentID, id: sessionID)
            created = true
        }
        let rows = try store.appendMessages(items.map { (history[$0.index], $0.usage, $0.toolRun) }, sessionID: sessionID)
        for (item, id) in zip(items, rows) { ids[item.index] = id }
    }

    /// Adds `message` to the view only (its commit failed and the user was told).
    mutating func appendUnsaved(_ message: ChatMessage) {
        history.append(message)
        ids.append(nil)
    }

    /// Answers every call of the last assistant message that has no result yet, so the next
    /// request is valid (an interrupted or failed turn).
    mutating func answerOpenCalls(_ text: String) {
        guard let last = history.last(where: { $0.role == .assistant }), !last.toolCalls.isEmpty else { return }
        for call in last.toolCalls where !history.contains(where: { $0.toolCallID == call.id }) {
            try? commit(.tool(callID: call.id, name: call.name, content: text))
        }
    }

    /// Replaces the view after a compression (`ContextManager`).
    mutating func replace(history: [ChatMessage], ids: [Int64?]) {
        self.history = history
        self.ids = ids
    }

    /// The store row of the newest message, if it has one.
    var lastID: Int64? { ids.last ?? nil }
}
