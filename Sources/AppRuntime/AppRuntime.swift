import AgentProtocol
import AppFeature
import Foundation
import Synchronization
import TUIKit

/// The I/O behind effects: the store, the file system, the servers.
public protocol AppEnvironment: Sendable {
    /// Performs an effect off the UI thread; the actions it returns are fed back in order.
    func perform(_ effect: IOEffect) async -> [AppAction]
    /// Edits `text` in the user's editor, on this terminal, blocking; `nil` if it failed.
    func edit(_ text: String) -> String?
    /// Opens `path` in the user's editor, on this terminal, blocking; false if it failed.
    func editFile(_ path: String) -> Bool
}

/// The time the loop reads (seconds since 1970, as `AppState`'s deadlines are).
public protocol RuntimeClock: Sendable {
    func now() -> Double
}

/// The wall clock.
public struct SystemClock: RuntimeClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
}

/// The loop: input and agent events become actions, `reduce` runs, frames are drawn.
///
/// It blocks the calling thread in `poll(2)` on the terminal and a wake pipe, so nothing runs
/// while nothing happens (idle CPU 0): the only timed wake-ups are the ones the state asks
/// for (a spinner while busy, a toast's expiry, the escape delay). Agent events and effect
/// results are queued from any thread and wake the loop; they are reduced one by one but
/// drawn at most once per frame interval (the frame scheduler).
public final class AppRuntime: @unchecked Sendable {
    private let backend: any TerminalBackend
    private let environment: any AppEnvironment
    /// Session effects go to the host synchronously, in the order the reducer returned them.
    private let submit: @Sendable (SessionEffect) -> Void
    private let inbox = Mutex<[AppAction]>([])
    private var wake: [Int32] = [-1, -1]
    private let stopRequested = Atomic<Bool>(false)
    public private(set) var state: AppState
    private var screen: ScreenBuffer
    private var info = RenderInfo()
    private let layout = TranscriptLayout()
    private let frameInterval: Double
    private let clock: any RuntimeClock
    /// Something changed since the last frame.
    private var dirty = false
    private var lastDraw = 0.0
    /// Counters for benchmarks and tests.
    public private(set) var frames = 0
    public private(set) var wakeups = 0
    public private(set) var cellsWritten = 0
    /// Effects for the environment, performed one at a time in order (an update and the
    /// search that shows it must not race).
    private let effects: AsyncStream<IOEffect>.Continuation
    private var effectLoop: Task<Void, Never>?

    public init(backend: any TerminalBackend, environment: any AppEnvironment, state: AppState = AppState(),
                frameInterval: Double = 1.0 / 60, clock: any RuntimeClock = SystemClock(),
                submit: @escaping @Sendable (SessionEffect) -> Void) {
        self.backend = backend
        self.clock = clock
        self.environment = environment
        self.state = state
        self.submit = submit
        self.frameInterval = frameInterval
        screen = ScreenBuffer(cols: 0, rows: 0)
        let (stream, continuation) = AsyncStream<IOEffect>.makeStream()
        effects = continuation
        _ = pipe(&wake)
        for fd in wake { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        effectLoop = Task { [weak self, environment] in
            for await effect in stream {
                let actions = await environment.perform(effect)
                self?.post(actions)
            }
        }
    }

    deinit {
        effects.finish()
        for fd in wake where fd >= 0 { close(fd) }
    }

    /// Feeds agent events to the loop (call from any thread).
    public func post(_ envelope: EventEnvelope) { post([.agent(envelope)]) }

    /// Feeds actions to the loop (call from any thread).
    public func post(_ actions: [AppAction]) {
        guard !actions.isEmpty else { return }
        inbox.withLock { $0 += actions }
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
        start()
        while !isStopped {
            var fds = ([wake[0]] + backend.inputFDs).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let timeout = nextDeadline.map { Int32(max(0, min(60_000, ($0 - clock.now()) * 1000)).rounded(.up)) } ?? -1
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            // The terminal went away (window closed, ssh dropped): end instead of spinning on HUP.
            if fds.count > 1, fds[1].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { break }
            if fds[0].revents != 0 {
                var buf = [UInt8](repeating: 0, count: 256)
                while read(wake[0], &buf, buf.count) > 0 {}
            }
            turn(timedOut: ready == 0)
        }
    }

    // MARK: The loop's parts (`run` polls between them; tests drive them with a virtual
    // terminal and a test clock)

    /// True once the user quit or `stop()` was called.
    public var isStopped: Bool { stopRequested.load(ordering: .relaxed) }

    /// The first tick and the first, whole frame.
    public func start() {
        dispatch([.tick(clock.now())])
        draw(force: true)
        lastDraw = clock.now()
    }

    /// When the loop must wake with nothing to read: the state's own wake-up (a spinner, a
    /// toast's expiry), a frame still owed, the escape delay; nil: only input wakes it.
    public var nextDeadline: Double? {
        var deadline = state.nextWake
        if dirty { deadline = min(deadline ?? .infinity, lastDraw + frameInterval) }
        if backend.isWaitingForEscape { deadline = min(deadline ?? .infinity, clock.now() + 0.025) }
        return deadline
    }

    /// One wake-up: the terminal's input and everything posted become actions, are reduced,
    /// and a frame is drawn if one is due (at most one per frame interval; a resize or a
    /// forced redraw at once). `timedOut`: the wake-up was the deadline's, not input's.
    public func turn(timedOut: Bool) {
        wakeups += 1
        var actions: [AppAction] = [.tick(clock.now())]
        var resized = false
        var inputs = backend.readInput()
        if timedOut, backend.isWaitingForEscape { inputs += backend.flushPendingInput() }
        for input in inputs {
            switch input {
            case .key(let k): actions.append(.keyPressed(k))
            case .paste(let text): actions.append(.pasted(text))
            case .resize: resized = true
            case .mouse(let m): actions += mouseAction(m)
            case .terminate: stopRequested.store(true, ordering: .relaxed)
            case .focus(let focused): actions.append(.focusChanged(focused))
            }
        }
        actions += inbox.withLock { pending in defer { pending.removeAll() }; return pending }
        // Anything but the clock tick may change the screen; the tick does while busy (the
        // spinner) or when a toast expires. (No copy of the state is kept to compare: with a
        // long transcript that copy would be the most expensive part of a keystroke.)
        let toasts = state.toasts.count
        let force = dispatch(actions)
        if actions.count > 1 || state.isAnimating || state.toasts.count != toasts || resized || force { dirty = true }
        if resized || force {
            draw(force: true)
            lastDraw = clock.now()
            dirty = false
            return
        }
        if dirty, clock.now() - lastDraw >= frameInterval * 0.95 {
            draw(force: false)
            lastDraw = clock.now()
            dirty = false
        }
    }

    /// Reduces actions and runs their effects; true when the screen must be redrawn whole.
    @discardableResult
    private func dispatch(_ actions: [AppAction]) -> Bool {
        var force = false
        var queue = actions[...]
        while let action = queue.popFirst() {
            for effect in reduce(into: &state, action) {
                switch effect {
                case .session(let e): submit(e)
                case .io(let e): effects.yield(e)
                case .terminal(let e): perform(e, queue: &queue, force: &force)
                }
            }
        }
        return force
    }

    /// The runtime's own effects, on the UI thread.
    private func perform(_ effect: TerminalEffect, queue: inout ArraySlice<AppAction>, force: inout Bool) {
        switch effect {
        case .quit: stopRequested.store(true, ordering: .relaxed)
        case .redraw: force = true
        case .copyToClipboard(let text): backend.copyToClipboard(text)
        case .notify(let how, let text): backend.notify(how, text)
        case .setMouseCapture(let on): backend.setMouseCapture(on)
        case .openEditor(let text):
            var result: String?
            backend.suspend { result = environment.edit(text) }
            queue.append(.editorFinished(result))
            if result == nil { queue.append(.toast(.error, "the editor failed; set $VISUAL or $EDITOR")) }
            force = true
        case .editFile(let path):
            var ok = false
            backend.suspend { ok = environment.editFile(path) }
            queue.append(ok ? .fileEdited(path) : .toast(.error, "the editor failed; set $VISUAL or $EDITOR"))
            force = true
        }
    }

    private func mouseAction(_ m: MouseEvent) -> [AppAction] {
        switch m.kind {
        case .wheelUp: return [.wheel(lines: 3)]
        case .wheelDown: return [.wheel(lines: -3)]
        case .press(0):
            guard m.y >= 0, m.y < info.entryAtRow.count, let id = info.entryAtRow[m.y] else { return [] }
            return [.clicked(entryID: id)]
        default: return []
        }
    }

    private func draw(force: Bool) {
        var next = ScreenBuffer(cols: backend.cols, rows: backend.rows)
        info = render(state, into: &next, layout: layout)
        if info.scrollBack != state.scrollBack { _ = reduce(into: &state, .scrollClamped(info.scrollBack)) }
        let changes = force || next.cols != screen.cols || next.rows != screen.rows ? next.allCells() : screen.diff(to: next)
        backend.apply(changes)
        backend.setCursor(next.cursor)
        backend.flush()
        cellsWritten += changes.count
        frames += 1
        screen = next
    }
}
