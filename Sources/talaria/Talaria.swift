import ArgumentParser
import Foundation

@main
struct Talaria: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "talaria",
        abstract: "A fast, self-improving AI agent for the terminal.",
        discussion: """
            Exit codes: 0 success; 1 the turn failed (model or server error, printed on stderr); \
            2 bad usage or configuration; 3 no model endpoint found; 4 stopped early by the iteration limit or the loop guard \
            (a summary is printed); 130 interrupted (Ctrl-C).
            """,
        version: version,
        subcommands: [ChatCommand.self, TUICommand.self, SessionsCommand.self, SkillsCommand.self, MemoryCommand.self, ImportCommand.self, MCPCommand.self, ConfigCommand.self, LocalCommand.self,
                      BenchCommand.self],
        defaultSubcommand: ChatCommand.self
    )
}

/// Documented process exit codes (`talaria --help` lists them).
enum Exit {
    static let failed = ExitCode(1)
    static let usage = ExitCode(2)
    static let noEndpoint = ExitCode(3)
    static let iterationLimit = ExitCode(4)
    static let interrupted = ExitCode(130)
}

/// Writes to stderr, unbuffered.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
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
