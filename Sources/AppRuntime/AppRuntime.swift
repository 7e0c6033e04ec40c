import AgentProtocol
import AppFeature
import Foundation
import Synchronization
import TUIKit

/// The loop: input and agent events become actions, `reduce` runs, frames are drawn.
///
/// It blocks the calling thread in `poll(2)` on the terminal and a wake pipe, so nothing runs
/// while nothing happens (idle CPU 0). Agent events are queued by a task and wake the loop;
/// deltas are reduced one by one but drawn at most once per frame interval.
public final class AppRuntime: @unchecked Sendable {
    private let backend: any TerminalBackend
    private let submit: @Sendable (Op) -> Void
    private let inbox = Mutex<[EventEnvelope]>([])
    private var wake: [Int32] = [-1, -1]
    private let stopRequested = Atomic<Bool>(false)
    public private(set) var state: AppState
    private var screen: ScreenBuffer
    private let frameInterval: Double

    public init(backend: any TerminalBackend, state: AppState = AppState(), frameInterval: Double = 1.0 / 60,
                submit: @escaping @Sendable (Op) -> Void) {
        self.backend = backend
        self.state = state
        self.submit = submit
        self.frameInterval = frameInterval
        screen = ScreenBuffer(cols: 0, rows: 0)
        _ = pipe(&wake)
        for fd in wake { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    deinit { for fd in wake where fd >= 0 { close(fd) } }

    /// Feeds agent events to the loop (call from any thread).
    public func post(_ envelope: EventEnvelope) {
        inbox.withLock { $0.append(envelope) }
        poke()
    }

    /// Ends the loop soon (signals, shutdown).
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        poke()
    }

    private func poke() {
        var b: UInt8 = 1
        _ = write(wake[1], &b, 1)
    }

    /// Runs until the user quits or `stop()` is called; restores the terminal before returning.
    public func run() {
        defer { backend.restore() }
        draw(force: true)
        var dirty = false
        var lastDraw = Date.distantPast
        while !stopRequested.load(ordering: .relaxed) {
            var fds = ([wake[0]] + backend.inputFDs).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let due = dirty ? max(0, frameInterval - Date().timeIntervalSince(lastDraw)) : -1
            _ = poll(&fds, nfds_t(fds.count), due < 0 ? -1 : Int32(due * 1000))
            // The terminal went away (window closed, ssh dropped): end instead of spinning on HUP.
            if fds.count > 1, fds[1].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { break }
            var actions: [AppAction] = []
            var resized = false
            for input in backend.readInput() {
                switch input {
                case .key(let k): actions.append(.keyPressed(k))
                case .resize: resized = true
                }
            }
            if fds[0].revents != 0 {
                var buf = [UInt8](repeating: 0, count: 256)
                while read(wake[0], &buf, buf.count) > 0 {}
            }
            actions += inbox.withLock { events in defer { events.removeAll() }; return events.map { AppAction.agent($0) } }
            for action in actions {
                for effect in reduce(into: &state, action) {
                    switch effect {
                    case .submit(let op): submit(op)
                    case .quit: stopRequested.store(true, ordering: .relaxed)
                    }
                }
            }
            if !actions.isEmpty || resized { dirty = true }
            if resized { draw(force: true); lastDraw = Date(); dirty = false; continue }
            if dirty && Date().timeIntervalSince(lastDraw) >= frameInterval {
                draw(force: false)
                lastDraw = Date()
                dirty = false
            }
        }
    }

    private func draw(force: Bool) {
        var next = ScreenBuffer(cols: backend.cols, rows: backend.rows)
        render(state, into: &next)
        backend.apply(force ? next.allCells() : screen.diff(to: next))
        backend.flush()
        screen = next
    }
}
