import ArgumentParser
import TUIApp

/// `talaria` on a terminal: the full-screen interface.
struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "The full-screen interface (the default on a terminal).")

    @Option(help: "Continue a stored session (id or unique prefix).") var resume: String?
    @Option(help: "Colour theme (themes/*.json or ~/.talaria/themes).") var theme: String?
    @Option(help: "Key bindings (keymaps/*.json or ~/.talaria/keymaps).") var keymap: String?
    @Flag(name: [.customShort("y"), .customLong("yes"), .customLong("yolo")], help: "Run commands that need approval without asking.")
    var yolo = false
    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        try await TUIApp(resume: resume, theme: theme, keymap: keymap, yolo: yolo, endpoint: endpoint.overrides).run()
    }
}
