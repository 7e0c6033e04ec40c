import AgentProtocol
import AgentTools
import Foundation
import Store

/// `session_search`: the agent searches every past session (FTS5 over all stored messages),
/// gets the best sessions with their matching lines and, where a model is available, a short
/// summary of what each session says about the query (cached per session and query).
public struct SessionSearchTool: Tool {
    public static let description = """
        Search all past conversations with the user (every stored session, not this one) for \
        earlier work, decisions, commands and facts. Returns the best matching sessions with their \
        matching lines and a short summary of what each says about the query. Use it when the user \
        refers to something done before ("like last time", "the fix we found") or when past context \
        would help. All words of the query must appear in a message.
        """
    public typealias Summarizer = @Sendable (_ instructions: String, _ text: String) async -> String?

    let store: SessionStore
    let summarize: Summarizer?

    public init(store: SessionStore, summarize: Summarizer? = nil) {
        self.store = store
        self.summarize = summarize
    }

    public var spec: ToolSpec {
        ToolSpec(name: "session_search", description: Self.description, parameters: schema([
            "query": ["type": "string", "description": "Words to find, e.g. \"docker network timeout\"."],
            "sessions": ["type": "integer", "description": "How many sessions to return (default 3, max 10)."],
            "summarize": ["type": "boolean", "description": "Summarise each session for the query (default true)."],
        ], required: ["query"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let query: String, count: Int, wantSummary: Bool
        do {
            query = try args.string("query").trimmingCharacters(in: .whitespacesAndNewlines)
            count = min(max(try args.optionalInt("sessions") ?? 3, 1), 10)
            wantSummary = try args.optionalBool("summarize") ?? true
        } catch { return .error(error.message) }
        guard !query.isEmpty else { return .error("the query is empty") }
        let groups: [SessionMatches]
        do { groups = try store.searchSessions(query, sessions: 11).filter { $0.sessionID != context.sessionID } } catch {
            return .error("cannot search: \(error)")
        }
        // This session is not "past".
        let order = groups.map(\.sessionID)
        guard !groups.isEmpty else { return ToolOutput(text: "no past session mentions \(query)") }
        var out: [String] = []
        for group in groups.prefix(count) {
            // The hits carry what the header needs: no per-session query on the search path.
            let title = group.sessionTitle ?? "untitled"
            var block = "## \(title) (session \(group.sessionID.prefix(15)), \(MemoryTransfer.day(group.newest)), \(group.matchCount)\(group.isCountComplete ? "" : "+") matching messages)"
            if wantSummary, let summary = await summary(of: group.sessionID, query: query, ask: context.askModel) { block += "\n" + summary }
            let lines = group.hits.map { h in "- \(h.role): " + h.snippet(markingWith: "**", "**").replacingOccurrences(of: "\n", with: " ") }
            block += "\nMatching messages:\n" + lines.joined(separator: "\n")
            out.append(block)
        }
        let more = order.count > count ? "\n\n[\(order.count - count) more sessions match; ask for more with sessions=N]" : ""
        return ToolOutput(text: out.joined(separator: "\n\n") + more)
    }

    /// A cached or fresh summary of what session `id` says about `query`: asked of the session's
    /// model as a fork of the conversation when the tool runs in one (`ask`), else of `summarize`.
    func summary(of id: String, query: String, ask: (@Sendable (String, Int) async -> String?)? = nil) async -> String? {
        let key = query.lowercased()
        if let cached = try? store.sessionSummary(sessionID: id, query: key) { return cached }
        guard ask != nil || summarize != nil, let messages = try? store.messages(sessionID: id) else { return nil }
        var text = ""
        for m in messages where m.message.role == .user || m.message.role == .assistant {
            let body = m.message.content.count > 1500 ? String(m.message.content.prefix(1500)) + " […]" : m.message.content
            guard !body.isEmpty else { continue }
            text += "[\(m.message.role.rawValue)] \(body)\n\n"
            if text.count > 16_000 { text += "[… later messages left out]"; break }
        }
        let instructions = """
            Summarise, in at most five sentences, what this past conversation says about: \(query). \
            Name concrete commands, files, decisions and outcomes. If it says nothing relevant, answer \
            exactly: nothing relevant.
            """
        let answer: String?
        if let ask {
            let forked = await ask("<system-reminder>\nA tool needs this, not the user: \(instructions)\n\nThe past conversation:\n\(text)\n</system-reminder>", 300)
            if let forked { answer = forked } else { answer = await summarize?(instructions, text) }
        } else {
            answer = await summarize?(instructions, text)
        }
        guard let s = answer?.trimmingCharacters(in: .whitespacesAndNewlines), !s.isEmpty else { return nil }
        try? store.saveSessionSummary(s, sessionID: id, query: key)
        return s
    }
}
