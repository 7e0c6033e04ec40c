import AgentProtocol
import AppFeature
import AppRuntime
import Foundation
import TUICurses

/// Owns the thread that all curses calls happen on.
final class UIThread: @unchecked Sendable {
    private var runtime: AppRuntime?
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    static func run(state: AppState, environment: any AppEnvironment, mouse: Bool,
                    submit: @escaping @Sendable (SessionEffect) -> Void) -> UIThread {
        let ui = UIThread()
        let thread = Thread {
            let runtime = AppRuntime(backend: CursesBackend(mouse: mouse), environment: environment, state: state, submit: submit)
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
    func post(_ actions: [AppAction]) { runtime?.post(actions) }
    func stop() { runtime?.stop() }

    func finished() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread { self.done.wait(); c.resume() }.start()
        }
    }
}
