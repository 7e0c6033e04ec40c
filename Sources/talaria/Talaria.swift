import ArgumentParser
import Bench
import Config
import Foundation
import LLMClient
import SessionHost
import Store

@main
struct Talaria: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "talaria",
        abstract: "A fast, self-improving AI agent for the terminal.",
        usage: """
            talaria [options]                 the full-screen interface (on a terminal), or line mode
            talaria -p PROMPT [options]       one prompt; the answer on stdout
            talaria <command> …               sessions, skills, memory, mcp, config, local, bench, …
            """,
        discussion: """
            Exit codes: 0 success; 1 the turn failed (model or server error, printed on stderr); \
            2 bad usage or configuration; 3 no model endpoint found; 4 stopped early by the iteration limit or the loop guard \
            (a summary is printed); 130 interrupted (Ctrl-C).
            """,
        version: version,
        subcommands: [ChatCommand.self, TUICommand.self, ServeCommand.self, AttachCommand.self, ACPCommand.self, SessionsCommand.self, CheckpointsCommand.self, SkillsCommand.self, MemoryCommand.self, ImportCommand.self, MCPCommand.self, ConfigCommand.self, LocalCommand.self,
                      GatewayCommand.self, CronCommand.self, DoctorCommand.self, BackupCommand.self, RestoreCommand.self, BenchCommand.self],
        defaultSubcommand: ChatCommand.self
    )

    /// `talaria --help`: what `talaria` itself takes (the chat options — they are `chat`'s, the
    /// default command, and the parser would list only the commands), then the commands.
    static var rootHelp: String {
        let root = helpMessage(columns: nil)
        let chat = ChatCommand.helpMessage(columns: nil)
        func section(_ text: String, _ title: String) -> String {
            guard let start = text.range(of: title + ":") else { return "" }
            let rest = text[start.lowerBound...]
            let end = rest.range(of: "\n\n", options: [], range: rest.index(after: rest.startIndex)..<rest.endIndex)?.lowerBound ?? rest.endIndex
            return String(rest[..<end])
        }
        let overview = root.components(separatedBy: "\nUSAGE:").first ?? root
        let usage = section(root, "USAGE")
        let options = section(chat, "OPTIONS").trimmingCharacters(in: .newlines) + "\n  --version               Show the version."
        return [overview, usage, options, section(root, "SUBCOMMANDS"), "  See 'talaria help <subcommand>' for detailed help."]
            .map { $0.trimmingCharacters(in: .newlines) }.filter { !$0.isEmpty }.joined(separator: "\n\n") + "\n"
    }

    /// Parses and runs, with the documented exit codes: a mistake in the arguments is 2 (the
    /// parser's own is 64), and a first word that is no command says so and lists the commands.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        let names = configuration.subcommands.map { $0.configuration.commandName ?? "" } + ["help"]
        if let first = arguments.first, !first.hasPrefix("-"), !names.contains(first) {
            printError("""
                talaria: unknown command '\(first)'
                Commands: \(names.filter { $0 != "help" }.joined(separator: ", "))
                One prompt: talaria -p "\(first.count > 40 ? String(first.prefix(40)) + "…" : first)" · all options: talaria --help
                """)
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            print(rootHelp, terminator: "")
            return
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let status as ExitStatus {
            Foundation.exit(status.rawValue)
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// Options shared by every command that talks to a model.
struct EndpointOptions: ParsableArguments {
    @Option(name: .customLong("base-url"), help: "OpenAI-compatible API base, e.g. http://127.0.0.1:8080/v1.")
    var baseURL: String?

    @Option(help: "Model id to request.")
    var model: String?

    @Option(name: .customLong("api-key-env"), help: "Environment variable holding the API key (default OPENAI_API_KEY).")
    var apiKeyEnv: String?

    @Option(name: .customLong("max-iterations"), help: "Model requests per turn before stopping (default 50).")
    var maxIterations: Int?

    @Option(name: .customLong("context-window"), help: "Override the context window the server reports.")
    var contextWindow: Int?

    @Option(name: .customLong("max-tokens"), help: "Output token limit per model request.")
    var maxTokens: Int?

    @Option(help: "Where commands and file tools run: local, sandbox, ssh, docker, apptainer, modal, daytona (default: config.yaml's backend).")
    var backend: String?
}

extension EndpointOptions {
    var overrides: EndpointOverrides {
        EndpointOverrides(baseURL: baseURL, model: model, apiKeyEnv: apiKeyEnv, maxIterations: maxIterations,
                          contextWindow: contextWindow, maxTokens: maxTokens, backend: backend)
    }
}
