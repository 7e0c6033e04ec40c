import ArgumentParser
import CurlTransport
import AgentProtocol
import Foundation
import Headless
import SessionHost
import TUIApp

/// The options of `talaria` itself (and of `talaria chat`): one prompt, line mode, or the
/// full-screen interface.
struct ChatOptions: ParsableArguments {
    @Option(name: [.customShort("p"), .customLong("prompt")], help: "Run one prompt and exit; '-' reads it from stdin.")
    var prompt: String?

    @Flag(help: "Print one AgentEvent JSON object per line instead of the answer text.")
    var json = false

    @Flag(name: [.customShort("y"), .customLong("yes"), .customLong("yolo")],
          help: "Run commands that need approval without asking (the interface shows YOLO while on).")
    var yes = false

    @Option(help: "Continue a stored session (id or unique prefix).")
    var resume: String?

    @Option(help: "Working directory for tools (default: the current directory).")
    var cwd: String?

    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Show tool calls and reasoning on stderr.")
    var verbose = false

    @Flag(help: "Line-by-line chat instead of the full-screen interface.")
    var line = false

    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        try await ChatRunner(prompt: prompt, json: json, yes: yes, resume: resume, cwd: cwd, verbose: verbose, line: line,
                             endpoint: endpoint).run()
    }
}

/// `talaria chat [-p PROMPT]`: the same as `talaria` with its options.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk to the agent: -p for one prompt (scripts), otherwise interactively (as plain `talaria`)."
    )

    @OptionGroup var options: ChatOptions

    mutating func run() async throws { try await options.run() }
}

/// The work of `talaria [-p]` and `talaria sessions resume`, with plain values (argument-parser
/// commands cannot be built outside the parser).
struct ChatRunner {
    var prompt: String?
    var json = false
    var yes = false
    var resume: String?
    var cwd: String?
    var verbose = false
    var line = false
    var endpoint: EndpointOptions

    func run() async throws {
        let isTTY = isatty(0) == 1
        var promptText = prompt
        // Piped input is the prompt, unless `--line` asks for line mode: then it is read line by line.
        if promptText == "-" || (promptText == nil && !isTTY && !line) {
            promptText = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        if let p = promptText, p.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            printError("talaria: the prompt is empty")
            throw ExitStatus.usage
        }
        if promptText == nil, isTTY, isatty(1) == 1, !line, !json {
            if let cwd { _ = FileManager.default.changeCurrentDirectoryPath(UserHome.expand(cwd)) }
            try await TUIApp(resume: resume, yolo: yes, endpoint: endpoint.overrides).run()
            return
        }
        try await HeadlessChat(prompt: promptText, json: json, yes: yes, resume: resume, cwd: cwd, verbose: verbose,
                               endpoint: endpoint.overrides, version: Talaria.version).run(transport: CurlTransport())
    }
}
