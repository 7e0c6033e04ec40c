import AgentProtocol
import ArgumentParser
import Config
import Foundation
import SessionHost
import Store

/// `talaria sessions list | show | search | resume`.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List, show, search and resume stored sessions.",
        subcommands: [List.self, Show.self, Search.self, Resume.self]
    )

    static func openStore() throws -> SessionStore { try FrontEnd.store(TalariaPaths()) }

    static func jsonLine(_ value: some Encodable) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return String(decoding: (try? e.encode(value)) ?? Data(), as: UTF8.self)
    }

    static func date(_ d: Date) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: d)
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Recent sessions, newest first.")
        @Option var limit = 20
        @Flag var json = false

        func run() async throws {
            let store = try SessionsCommand.openStore()
            let sessions = try store.sessions(limit: limit)
            if json { sessions.forEach { print(SessionsCommand.jsonLine($0)) }; return }
            if sessions.isEmpty { print("no sessions yet"); return }
            for s in sessions {
                print("\(s.id)  \(SessionsCommand.date(s.updatedAt))  \(String(format: "%4d", s.messageCount)) msgs  \(s.title ?? "(untitled)")")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a session's messages.")
        @Argument(help: "Session id or unique prefix.") var id: String
        @Flag var json = false

        func run() async throws {
            let store = try SessionsCommand.openStore()
            let info: SessionInfo
            do { info = try store.session(id: id) } catch {
                printError("talaria: \(error)")
                throw ExitStatus.usage
            }
            let messages = try store.messages(sessionID: info.id)
            if json {
                for m in messages { print(SessionsCommand.jsonLine(m)) }
                return
            }
            let parent = info.parentID.map { " · \(info.source == "subagent" ? "subagent of" : "forked from") \($0)" } ?? ""
            print("# \(info.title ?? info.id)\n  \(info.id) · \(info.model) · \(info.cwd) · \(SessionsCommand.date(info.createdAt))\(parent)\n")
            for m in messages {
                let msg = m.message
                switch msg.role {
                case .user: print("› \(msg.content)\n")
                case .assistant:
                    if !msg.content.isEmpty { print(msg.content) }
                    for c in msg.toolCalls { print("  ▸ \(c.name) \(c.arguments)") }
                    print("")
                case .tool:
                    let lines = msg.content.split(separator: "\n", omittingEmptySubsequences: false)
                    for l in lines.prefix(8) { print("    │ \(l)") }
                    if lines.count > 8 { print("    │ … \(lines.count - 8) more lines") }
                    print("")
                case .system: break
                }
            }
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "search", abstract: "Full-text search over every stored message, grouped by session.")
        @Argument(help: "Words to find (all must match; the last matches as a prefix).") var query: [String]
        @Option(help: "How many sessions.") var limit = 20
        @Flag(help: "One JSON object per session: its id, title, match count and best matches.") var json = false

        func run() async throws {
            let store = try SessionsCommand.openStore()
            // Index anything a crashed or still-running session left unindexed.
            try await Indexer(store: store).catchUp()
            let groups = try store.searchSessions(query.joined(separator: " "), sessions: limit)
            if json { groups.forEach { print(SessionsCommand.jsonLine($0)) }; return }
            if groups.isEmpty { print("no matches"); return }
            // Bold matches on a terminal; plain text for pipes and files (never Markdown markers).
            let bold = isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) != false
            let (on, off) = bold ? ("\u{1B}[1m", "\u{1B}[22m") : ("", "")
            for g in groups {
                let count = "\(g.matchCount)\(g.isCountComplete ? "" : "+") matching message\(g.matchCount == 1 ? "" : "s")"
                print("\(g.sessionID)  \(SessionsCommand.date(g.newest))  \(g.sessionTitle ?? "(untitled)")  · \(count)")
                for h in g.hits { print("    \(h.role): \(h.snippet(markingWith: on, off))") }
            }
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "resume", abstract: "Continue a session: talaria sessions resume ID -p PROMPT.")
        @Argument(help: "Session id or unique prefix.") var id: String
        @Option(name: [.customShort("p"), .customLong("prompt")]) var prompt: String?
        @Flag var json = false
        @Flag(name: [.customShort("y"), .customLong("yes")]) var yes = false
        @OptionGroup var endpoint: EndpointOptions

        func run() async throws {
            try await ChatRunner(prompt: prompt, json: json, yes: yes, resume: id, endpoint: endpoint).run()
        }
    }
}
