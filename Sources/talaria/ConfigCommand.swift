import ArgumentParser
import Config
import Foundation

/// `talaria config init | path | check`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Create and check ~/.talaria/config.yaml.",
        subcommands: [Init.self, Path.self, Check.self]
    )

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a commented default config.")
        @Flag(help: "Replace an existing file.") var force = false

        func run() async throws {
            let paths = TalariaPaths()
            if FileManager.default.fileExists(atPath: paths.configFile) && !force {
                printError("talaria: \(paths.configFile) exists; use --force to replace it")
                throw Exit.usage
            }
            try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try Data(DefaultConfig.text.utf8).write(to: URL(fileURLWithPath: paths.configFile), options: .atomic)
            print("wrote \(paths.configFile)")
        }
    }

    struct Path: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the config file's path.")
        func run() async throws { print(TalariaPaths().configFile) }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate the config file.")
        func run() async throws {
            let path = TalariaPaths().configFile
            do {
                _ = try TalariaConfig.load(path: path)
                print("\(path): ok")
            } catch {
                printError("talaria: \(error)")
                throw Exit.usage
            }
        }
    }
}
