import ArgumentParser
import TUIApp

/// `talaria attach`: the interface on a session a running `talaria serve` holds.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "The full-screen interface on a session held by `talaria serve` (it runs on when the terminal closes)."
    )

    @Argument(help: "Session id or unique prefix (default: the server's active session, else a new one).") var session: String?
    @Option(help: "The server's address.") var url = "http://127.0.0.1:8765"
    @Option(name: .customLong("token-file"), help: "The server's token (default: serve.token).") var tokenFile: String?
    @Option(help: "Colour theme.") var theme: String?
    @Option(help: "Key bindings.") var keymap: String?

    func run() async throws {
        try await AttachApp(session: session, url: url, tokenFile: tokenFile, theme: theme, keymap: keymap).run()
    }
}
