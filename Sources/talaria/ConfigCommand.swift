import AppFeature
import ArgumentParser
import Config
import CurlTransport
import Foundation
import TUIApp
import SessionHost

/// `talaria config init | path | check`.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Create and check ~/.talaria/config.yaml.",
        subcommands: [Init.self, Path.self, Check.self, EndpointCommand.self]
    )

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "init", abstract: "Write a commented default config.")
        @Flag(help: "Replace an existing file.") var force = false

        func run() async throws {
            let paths = TalariaPaths()
            if FileManager.default.fileExists(atPath: paths.configFile) && !force {
                printError("talaria: \(paths.configFile) exists; use --force to replace it")
                throw ExitStatus.usage
            }
            try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try Data(DefaultConfig.text.utf8).write(to: URL(fileURLWithPath: paths.configFile), options: .atomic)
            print("wrote \(paths.configFile)")
        }
    }

    struct Path: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "path", abstract: "Print the config file's path.")
        func run() async throws { print(TalariaPaths().configFile) }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate the config file, themes and keymaps.")
        func run() async throws {
            let paths = TalariaPaths()
            let path = paths.configFile
            let config: TalariaConfig
            do {
                config = try TalariaConfig.load(path: path)
                print("\(path): ok")
            } catch {
                printError("talaria: \(error)")
                throw ExitStatus.usage
            }
            let assets = UIAssets.load(userThemes: TUIApp.files(in: paths.home + "/themes"),
                                       userKeymaps: TUIApp.files(in: paths.home + "/keymaps"))
            var problems = assets.problems
            if let t = config.theme, assets.themes[t] == nil { problems.append("\(path): theme: no theme \"\(t)\" (have: \(assets.themes.keys.sorted().joined(separator: ", ")))") }
            if let k = config.keymap, assets.keymaps[k] == nil { problems.append("\(path): keymap: no keymap \"\(k)\" (have: \(assets.keymaps.keys.sorted().joined(separator: ", ")))") }
            for p in problems { printError("talaria: \(p)") }
            if !problems.isEmpty { throw ExitStatus.usage }
            print("themes: \(assets.themes.keys.sorted().joined(separator: ", ")); keymaps: \(assets.keymaps.keys.sorted().joined(separator: ", ")): ok")
        }
    }
}

/// `talaria config endpoint`: prints the endpoint and model Talaria would use; exit 3 if none.
struct EndpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "endpoint", abstract: "Print the endpoint and model that would be used.")
    @OptionGroup var endpoint: EndpointOptions
    func run() async throws {
        let s = try await FrontEnd.settings(endpoint.overrides, transport: CurlTransport(), startLocal: false)
        print("\(s.baseURL) \(s.model)")
    }
}
