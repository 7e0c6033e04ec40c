import AgentCore
import ArgumentParser
import Config
import AgentProtocol
import Foundation
import SessionHost
import Memory
import Store

/// `talaria memory …`: what Talaria remembers, inspectable and editable from a shell.
struct MemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "List, search, edit, export and import what Talaria remembers.",
        subcommands: [List.self, Search.self, Add.self, Remove.self, Restore.self, Delete.self, Export.self, Import.self])

    static func book() throws -> MemoryBook {
        let paths = TalariaPaths()
        let config = (try? TalariaConfig.load(path: paths.configFile)) ?? TalariaConfig()
        do {
            try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true)
            let store = try SessionStore(path: paths.database)
            return MemoryBook(store: store, limits: MemoryLimits(notes: config.memory.notesLimit, user: config.memory.userLimit, nudgeEvery: config.memory.nudgeEvery))
        } catch {
            printError("talaria: \(error)")
            throw ExitStatus.failed
        }
    }

    static func target(_ s: String) throws -> MemoryTarget {
        guard let t = MemoryTarget(rawValue: s == "memory" ? "notes" : s) else {
            printError("talaria: the target must be notes, user or fact, found '\(s)'")
            throw ExitStatus.usage
        }
        return t
    }

    /// Applies `body` to entry `id` and says what happened to it.
    static func change(_ id: Int64, _ verb: String, _ body: (SessionStore, Int64) throws -> Void) throws {
        let store = try book().store
        guard let e = try store.memoryEntry(id: id) else { printError("talaria: no entry \(id)"); throw ExitStatus.failed }
        try body(store, id)
        print("\(verb): \(e.text)")
    }

    static func line(_ e: MemoryEntry) -> String {
        "\(e.id)\t\(e.target.rawValue)\t\(e.isActive ? "active" : "removed")\t\(MemoryTransfer.day(e.confirmedAt))\t\(e.sourceSessionID ?? "-")\t\(e.text.replacingOccurrences(of: "\n", with: " "))\(e.flag.map { "\t⚑ \($0)" } ?? "")"
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Entries: id, target, state, last confirmed, source session, text.")
        @Flag(help: "Include removed (archived) entries.") var all = false
        @Option(help: "notes, user or fact.") var target: String?
        func run() async throws {
            let book = try MemoryCommand.book()
            let t = try target.map(MemoryCommand.target)
            for e in try book.store.memory(t, includeRemoved: all) { print(MemoryCommand.line(e)) }
            for t in [MemoryTarget.notes, .user] where target == nil {
                printError("\(t.rawValue): \(try book.used(t))/\(book.limits.limit(t)) characters in the prompt")
            }
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "search", abstract: "Entries matching the words, removed ones included.")
        @Argument var words: [String]
        func run() async throws {
            let hits = try MemoryCommand.book().store.searchMemory(words.joined(separator: " "))
            if hits.isEmpty { printError("nothing remembered matches"); throw ExitStatus.failed }
            for e in hits { print(MemoryCommand.line(e)) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Remember a fact: talaria memory add notes|user TEXT.")
        @Argument var target: String
        @Argument var text: [String]
        func run() async throws {
            let book = try MemoryCommand.book()
            switch book.add(try MemoryCommand.target(target), text.joined(separator: " "), sessionID: nil) {
            case .changed(let e, _, let summary): print("\(e.id)\t\(summary)")
            case .refused(let why): printError("talaria: \(why)"); throw ExitStatus.failed
            case .found: break
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Take an entry out of the prompt (it stays searchable).")
        @Argument var id: Int64
        func run() async throws { try MemoryCommand.change(id, "removed") { store, id in try store.removeMemory(id: id, sessionID: nil) } }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restore", abstract: "Bring a removed entry back into the prompt.")
        @Argument var id: Int64
        func run() async throws { try MemoryCommand.change(id, "restored") { store, id in try store.restoreMemory(id: id) } }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Forget an entry for good (with its history).")
        @Argument var id: Int64
        func run() async throws { try MemoryCommand.change(id, "deleted") { store, id in try store.deleteMemory(id: id) } }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export", abstract: "Write notes.md, user.md and facts.md (removed entries marked) to a directory.")
        @Argument var directory: String
        func run() async throws {
            let store = try MemoryCommand.book().store
            let dir = UserHome.expand(directory)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (t, name) in [(MemoryTarget.notes, "notes.md"), (.user, "user.md"), (.fact, "facts.md")] {
                let entries = try store.memory(t, includeRemoved: true)
                try MemoryTransfer.markdown(entries, target: t).write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
                print("\(dir)/\(name)\t\(entries.count) entries")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", abstract: "Load entries from a Markdown file (bullets, or Hermes' §-separated MEMORY.md/USER.md).")
        @Argument var file: String
        @Option(help: "notes or user.") var target: String = "notes"
        func run() async throws {
            let book = try MemoryCommand.book()
            let path = UserHome.expand(file)
            guard let data = FileManager.default.contents(atPath: path) else { printError("talaria: cannot read \(path)"); throw ExitStatus.failed }
            let r = try MemoryTransfer.load(MemoryTransfer.entries(in: String(decoding: data, as: UTF8.self)), into: MemoryCommand.target(target), book: book)
            print("\(path): \(r.added) added, \(r.archived) archived (over the prompt limit, still searchable), \(r.duplicates) already known, \(r.refused.count) refused")
            for why in r.refused { printError("refused: \(why)") }
        }
    }
}
