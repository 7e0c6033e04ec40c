import ArgumentParser
import Checkpoints
import Config
import AgentProtocol
import Foundation
import SessionHost

/// `talaria checkpoints list | restore`: the workspace's snapshots, taken before a turn changes files.
struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints", abstract: "List this workspace's checkpoints; put its files back as they were at one.",
        subcommands: [List.self, Restore.self])

    static func store(_ folder: String?) throws -> CheckpointStore {
        let paths = TalariaPaths()
        let c = try FrontEnd.config(paths).checkpoints
        let cwd = folder.map { UserHome.expand($0) } ?? FileManager.default.currentDirectoryPath
        return CheckpointStore.open(cwd: cwd, directory: paths.checkpoints, limits: CheckpointLimits(keepDays: c.keepDays, maxFiles: c.maxFiles, maxSizeMB: c.maxSizeMB))
    }

    /// The shape `sessions list --json` uses: camelCase keys, ISO 8601 dates.
    struct Line: Encodable {
        var id: String
        var sessionId: String
        var turn: Int
        var kind: String
        var note: String?
        var messageId: Int64?
        var createdAt: Date
        var filesChanged: Int?
        var workspace: String
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The workspace's checkpoints, newest first.")
        @Option(help: "The workspace (default: the current folder).") var workspace: String?
        @Flag(help: "One JSON object per checkpoint.") var json = false

        func run() async throws {
            let store = try CheckpointsCommand.store(workspace)
            let all: [Checkpoint]
            do { all = try await store.list() } catch {
                printError("talaria: \(error)")
                throw ExitStatus.failed
            }
            if json {
                for c in all {
                    print(SessionsCommand.jsonLine(Line(id: c.id, sessionId: c.sessionID, turn: c.turn, kind: c.kind.rawValue, note: c.note.isEmpty ? nil : c.note,
                                                        messageId: c.messageID, createdAt: c.createdAt, filesChanged: c.filesChanged, workspace: store.root)))
                }
                return
            }
            if all.isEmpty { print("no checkpoints for \(store.root) yet (one is taken before each turn that changes files)"); return }
            print("checkpoints of \(store.root), newest first:")
            for c in all {
                let changed = c.filesChanged.map { "\($0) file\($0 == 1 ? "" : "s") changed since" } ?? ""
                let what = c.kind == .restore ? c.note : "turn \(c.turn)"
                print("\(c.id)  \(SessionsCommand.date(c.createdAt))  \(c.sessionID)  \(what.padding(toLength: 28, withPad: " ", startingAt: 0))  \(changed)")
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Put the workspace's files back as they were at checkpoint ID (what it will do is printed first).",
            discussion: "Files changed since get their content back, deleted ones come back, files created since are removed. Ignored files, .git and nested repositories are left alone. The workspace as it was just before is kept as a checkpoint of its own, so a restore can be taken back with another restore.")
        @Argument(help: "The checkpoint's id (or its first digits, at least 4).") var id: String
        @Option(help: "The workspace (default: the current folder).") var workspace: String?
        @Flag(help: "Only print what it would do.") var dryRun = false

        func run() async throws {
            let store = try CheckpointsCommand.store(workspace)
            do {
                let target = try await store.find(id)
                let plan = try await store.plan(target)
                print("checkpoint \(target.id) (\(SessionsCommand.date(target.createdAt)), session \(target.sessionID), turn \(target.turn)) in \(store.root):")
                if plan.isEmpty { print("  the files already match it: nothing to do"); return }
                for p in plan.restored { print("  restore  \(p)") }
                for p in plan.recreated { print("  recreate \(p)") }
                for p in plan.removed { print("  remove   \(p)") }
                if dryRun { print("(dry run: nothing changed)"); return }
                let (done, before) = try await store.restore(target, session: target.sessionID, turn: target.turn)
                print("restored \(done.count) file\(done.count == 1 ? "" : "s")" + (before.map { "; the files as they were before are checkpoint \($0.id) (talaria checkpoints restore \($0.id) takes this back)" } ?? ""))
            } catch {
                printError("talaria: \(error)")
                throw ExitStatus.failed
            }
        }
    }
}
