import AgentCore
import AgentProtocol
import AppFeature
import AppRuntime
import ArgumentParser
import CurlTransport
import Foundation
import TUICurses

/// `talaria tui`: the full-screen interface. Experimental: the complete TUI (markdown, search,
/// themes, keymaps, mouse) is being built on this loop; `talaria` stays line-based until then.
struct TUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "Full-screen interface (experimental).")

    @Option(help: "Continue a stored session (id or unique prefix).") var resume: String?
    @OptionGroup var endpoint: EndpointOptions

    func run() async throws {
        guard isatty(0) == 1, isatty(1) == 1 else {
            printError("talaria: tui needs a terminal; use talaria -p for scripts")
            throw Exit.usage
        }
        let transport = CurlTransport()
        let settings = try await Settings.resolve(endpoint, transport: transport)
        let chat = ChatRunner(resume: resume, endpoint: endpoint)
        let session = try chat.openSession(settings, transport: transport, cwd: FileManager.default.currentDirectoryPath,
                                           interactive: true, source: "tui")
        let agent = session.agent

        // Ops reach the agent in the order the user caused them.
        let (ops, opSink) = AsyncStream<Op>.makeStream()
        let forwarder = Task { for await op in ops { await agent.submit(op) } }
        let runtime = UIThread.run(submit: { opSink.yield($0) })
        let events = Task { for await e in agent.events { runtime.post(e) } }
        let signals = [SIGTERM, SIGHUP, SIGINT].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { runtime.stop() }
            s.resume()
            return s
        }
        await runtime.finished()
        signals.forEach { $0.cancel() }
        opSink.finish()
        await forwarder.value
        await agent.submit(.shutdown)
        await events.value
        _ = try? await session.indexer.catchUp()
    }
}

/// Owns the thread that all curses calls happen on.
final class UIThread: @unchecked Sendable {
    private var runtime: AppRuntime?
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    static func run(submit: @escaping @Sendable (Op) -> Void) -> UIThread {
        let ui = UIThread()
        let thread = Thread {
            let runtime = AppRuntime(backend: CursesBackend(), submit: submit)
            ui.runtime = runtime
            ui.ready.signal()
            runtime.run()
            ui.done.signal()
        }
        thread.name = "talaria.ui"
        thread.start()
        ui.ready.wait()
        return ui
    }

    func post(_ e: EventEnvelope) { runtime?.post(e) }
    func stop() { runtime?.stop() }

    func finished() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread { self.done.wait(); c.resume() }.start()
        }
    }
}
