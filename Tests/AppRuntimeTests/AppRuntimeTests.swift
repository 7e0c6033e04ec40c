import AgentProtocol
import AppFeature
import AppRuntime
import Foundation
import Synchronization
import Testing
import TUIKit

/// A terminal in memory: the cells the runtime drew, the frames it flushed, the input it is
/// given, and a size that can change.
final class VirtualTerminal: TerminalBackend, @unchecked Sendable {
    var cols: Int
    var rows: Int
    var inputFDs: [Int32] { [] }
    private(set) var grid: [[String]]
    private(set) var flushes = 0
    private(set) var changesApplied: [Int] = []
    var pendingInput: [TerminalInput] = []

    init(cols: Int, rows: Int) {
        self.cols = cols
        self.rows = rows
        grid = Array(repeating: Array(repeating: " ", count: cols), count: rows)
    }

    func apply(_ changes: [CellChange]) {
        if grid.count != rows || grid.first?.count != cols { grid = Array(repeating: Array(repeating: " ", count: cols), count: rows) }
        for c in changes where c.y < rows && c.x < cols { grid[c.y][c.x] = c.cell.symbol }
        changesApplied.append(changes.count)
    }

    func flush() { flushes += 1 }
    private(set) var cursor: CursorPosition?
    func setCursor(_ position: CursorPosition?) { cursor = position }
    func readInput() -> [TerminalInput] { defer { pendingInput = [] }; return pendingInput }
    func restore() {}

    func resize(cols: Int, rows: Int) {
        self.cols = cols
        self.rows = rows
        pendingInput.append(.resize)
    }

    var text: String { grid.map { $0.joined() }.joined(separator: "\n") }
}

/// Time that moves only when the test says so.
final class TestClock: RuntimeClock {
    private let t = Mutex(1_800_000_000.0)
    func now() -> Double { t.withLock { $0 } }
    func advance(_ seconds: Double) { t.withLock { $0 += seconds } }
}

/// No store, no servers: the runtime's own behaviour is under test.
struct NoEnvironment: AppEnvironment {
    func perform(_ effect: IOEffect) async -> [AppAction] { [] }
    func edit(_ text: String) -> String? { nil }
    func editFile(_ path: String) -> Bool { false }
}

@Suite("AppRuntime on a virtual terminal")
struct AppRuntimeTests {
    let clock = TestClock()

    func runtime(_ terminal: VirtualTerminal) -> AppRuntime {
        AppRuntime(backend: terminal, environment: NoEnvironment(), frameInterval: 1.0 / 60, clock: clock, submit: { _ in })
    }

    @Test("three frame requests inside one frame interval make one draw, when the interval is up")
    func coalesces() {
        let terminal = VirtualTerminal(cols: 80, rows: 24)
        let app = runtime(terminal)
        app.start()
        #expect(app.frames == 1)
        for piece in ["one ", "two ", "three"] {
            clock.advance(0.002)
            app.post([.pasted(piece)])
            app.turn(timedOut: false)
        }
        #expect(app.frames == 1, "nothing is drawn before the frame interval is up")
        let deadline = try? #require(app.nextDeadline)
        #expect(deadline.map { abs($0 - (clock.now() - 0.006 + 1.0 / 60)) < 0.001 } == true, "the loop wakes when the frame is due")
        clock.advance(1.0 / 60)
        app.turn(timedOut: true)
        #expect(app.frames == 2)
        #expect(terminal.text.contains("one two three"))
        #expect(app.nextDeadline == nil, "with the frame drawn and nothing animating, nothing is due")
    }

    @Test("an idle interface draws nothing and asks for no wake-up")
    func idle() {
        let terminal = VirtualTerminal(cols: 80, rows: 24)
        let app = runtime(terminal)
        app.start()
        let cells = app.cellsWritten
        #expect(app.nextDeadline == nil)
        for _ in 0..<20 {
            clock.advance(0.5)
            app.turn(timedOut: false)
        }
        #expect(app.frames == 1)
        #expect(app.cellsWritten == cells)
        #expect(terminal.flushes == 1)
    }

    @Test("a change after a quiet spell is drawn at once; unchanged cells are not written again")
    func diffs() {
        let terminal = VirtualTerminal(cols: 80, rows: 24)
        let app = runtime(terminal)
        app.start()
        #expect(terminal.changesApplied == [80 * 24])
        clock.advance(1)
        app.post([.pasted("x")])
        app.turn(timedOut: false)
        #expect(app.frames == 2)
        #expect(terminal.changesApplied.count == 2)
        #expect(terminal.changesApplied[1] > 0 && terminal.changesApplied[1] < 80 * 24 / 4, "only what changed: \(terminal.changesApplied[1]) cells")
    }

    @Test("a resize redraws the whole screen at the new size at once, even inside a frame interval")
    func resize() {
        let terminal = VirtualTerminal(cols: 80, rows: 24)
        let app = runtime(terminal)
        app.start()
        app.post([.pasted("still here")])
        clock.advance(0.001)
        terminal.resize(cols: 40, rows: 15)
        app.turn(timedOut: false)
        #expect(app.frames == 2)
        #expect(terminal.changesApplied.last == 40 * 15)
        #expect(terminal.text.contains("still here"))
        terminal.resize(cols: 120, rows: 40)
        app.turn(timedOut: false)
        #expect(terminal.changesApplied.last == 120 * 40)
        #expect(terminal.text.split(separator: "\n").count == 40)
    }

    @Test("a toast asks for a wake-up at its expiry, and the frame after it no longer shows it")
    func toastExpires() {
        let terminal = VirtualTerminal(cols: 80, rows: 24)
        let app = runtime(terminal)
        app.start()
        clock.advance(1)
        app.post([.toast(.info, "saved the thing")])
        app.turn(timedOut: false)
        #expect(terminal.text.contains("saved the thing"))
        let expiry = try? #require(app.nextDeadline)
        #expect((expiry ?? 0) > clock.now())
        clock.advance((expiry ?? clock.now()) - clock.now() + 0.01)
        app.turn(timedOut: true)
        #expect(!terminal.text.contains("saved the thing"))
        #expect(app.nextDeadline == nil)
    }

    @Test("the terminal's terminate input stops the loop")
    func terminate() {
        let terminal = VirtualTerminal(cols: 80, rows: 24)
        let app = runtime(terminal)
        app.start()
        terminal.pendingInput = [.terminate]
        app.turn(timedOut: false)
        #expect(app.isStopped)
    }
}
