import AgentProtocol
import ArgumentParser
import Config
import CurlTransport
import Doctor
import Foundation
import SessionHost
import Store

/// `talaria doctor [--repair]`: every check, one line each; exit 1 when something is wrong.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the installation: config, database, search index, permissions, skills, MCP servers, backends, model, gateways.")
    @Flag(help: "Rebuild a search index that disagrees with its messages.") var repair = false

    func run() async throws {
        let paths = TalariaPaths()
        let env = SecretsFile.load(paths).merging(ProcessInfo.processInfo.environment) { _, process in process }
        let checks = Doctor(paths: paths, environment: env, executable: CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0] : Bundle.main.executablePath ?? CommandLine.arguments[0],
                            cwd: FileManager.default.currentDirectoryPath, userHome: UserHome.path, transport: CurlTransport()).run(repair: repair)
        for c in checks {
            let mark = switch c.status { case .ok: "ok     "; case .warning: "warning"; case .problem: "PROBLEM" }
            print("\(mark) \(c.area): \(c.detail)")
            if let fix = c.fix, c.status != .ok { print("        → \(fix)") }
        }
        let problems = checks.filter { $0.status == .problem }.count
        print(problems == 0 ? "\nall good" : "\n\(problems) problem\(problems == 1 ? "" : "s")")
        if problems > 0 { throw ExitCode(1) }
    }
}

/// `talaria backup [FILE]`: a consistent copy of the database while it is in use.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Write a consistent copy of the database (sessions, memory, jobs).")
    @Argument(help: "Where (default ~/.talaria/backups/state-DATE.db).") var file: String?

    func run() async throws {
        let paths = TalariaPaths()
        guard FileManager.default.fileExists(atPath: paths.database) else {
            printError("talaria: nothing to back up: \(paths.database) does not exist")
            throw ExitCode(1)
        }
        let target = file ?? SessionStore.backupName(in: paths.home + "/backups", "state")
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        do {
            try SessionStore(path: paths.database).backup(to: target)
            let h = try SessionStore.inspect(path: target)
            print("wrote \(target): \(h.sessions) sessions, \(h.messages) messages, integrity \(h.isSound ? "ok" : "NOT ok")")
        } catch {
            printError("talaria: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `talaria restore FILE`: the database brought back from a backup (the current one kept first).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Bring the database back from a backup (the current one is backed up first).")
    @Argument(help: "A file written by `talaria backup`.") var file: String

    func run() async throws {
        let paths = TalariaPaths()
        do {
            let h = try SessionStore.inspect(path: file)
            let store = try SessionStore(path: paths.database)
            let before = SessionStore.backupName(in: paths.home + "/backups", "before-restore")
            try FileManager.default.createDirectory(atPath: paths.home + "/backups", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try store.backup(to: before)
            try store.restore(from: file)
            print("restored \(file) (\(h.sessions) sessions, \(h.messages) messages); the database as it was is in \(before)")
        } catch {
            printError("talaria: \(error)")
            throw ExitCode(1)
        }
    }
}
