import AgentProtocol
import Exec
import Foundation
import Synchronization

/// A session's background processes: started on its backend (on a PTY, like `terminal`), their
/// output kept, their stdin a FIFO on the target so `write` works on every backend, killed with
/// their process group when asked or when the session ends.
public actor ProcessTable {
    struct Entry {
        let id: Int
        let command: String
        let startedAt: Date
        let fifo: String
        let backend: any ExecutionBackend
        var state: ProcessState = .running
        var exitCode: Int32?
        var endedAt: Date?
        /// All output as the terminal printed it (the middle dropped past ``keptBytes``).
        var output = Data()
        var droppedBytes = 0
        /// Where the model's last `read` stopped (in bytes of everything printed).
        var readMark = 0
        /// The process group (its session leader's pid on the target), once it said.
        var pid: Int?
        var pendingHead = Data()
        var task: Task<Void, Never>?
        var waiters: [CheckedContinuation<Void, Never>] = []
        var total: Int { droppedBytes + output.count }
    }

    public static let keptBytes = 8_000_000
    public static let maxProcesses = 16
    private var entries: [Int: Entry] = [:]
    private var nextID = 1
    private var closed = false
    /// Updates for the front-ends (started, output, ended).
    public nonisolated let updates: AsyncStream<ProcessUpdate>
    private let continuation: AsyncStream<ProcessUpdate>.Continuation
    /// Called once per ended process with everything it printed (the store keeps it).
    private var onEnd: (@Sendable (ProcessRecord) -> Void)?

    public init() {
        (updates, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4_096))
    }

    /// Hands each ended process, with all its output, to `record`.
    public func recordEnds(_ record: @escaping @Sendable (ProcessRecord) -> Void) { onEnd = record }

    /// The marker the wrapper prints first: the process group it leads.
    static let pidMarker = "\u{1B}]7337;pid="

    /// Starts `command`; returns its id at once.
    public func start(_ command: String, cwd: String, env: [String: String], backend: any ExecutionBackend) throws(ToolArgumentError) -> Int {
        guard !closed else { throw ToolArgumentError("the session is ending; no new processes") }
        guard entries.values.filter({ $0.state == .running }).count < Self.maxProcesses else {
            throw ToolArgumentError("\(Self.maxProcesses) processes are running already; kill one first")
        }
        let id = nextID
        nextID += 1
        let fifo = "/tmp/talaria-proc-\(UUID().uuidString.prefix(12).lowercased()).in"
        // stdin is the FIFO opened read-write (so it never reads EOF between writes); the PTY stays its terminal.
        let wrapper = """
            mkfifo -m 600 \(shellQuote(fifo)) 2>/dev/null; exec 0<>\(shellQuote(fifo)); \
            printf '\\033]7337;pid=%s\\007' "$$"; exec bash -c \(shellQuote(command))
            """
        let spec = CommandSpec(command: wrapper, cwd: cwd, env: env, timeout: nil)
        var entry = Entry(id: id, command: command, startedAt: Date(), fifo: fifo, backend: backend)
        entry.task = Task { [weak self] in
            // Output in order: the backend's reader feeds a stream one task drains.
            let (chunks, sink) = AsyncStream<Data>.makeStream()
            let reader = Task { for await d in chunks { await self?.received(id, d) } }
            let result = try? await backend.run(spec) { sink.yield($0) }
            sink.finish()
            await reader.value
            await self?.ended(id, result)
        }
        entries[id] = entry
        continuation.yield(ProcessUpdate(id: id, command: command, state: .running, startedAt: entry.startedAt))
        return id
    }

    private func received(_ id: Int, _ data: Data) {
        guard var e = entries[id] else { return }
        var chunk = data
        if e.pid == nil {
            e.pendingHead.append(chunk)
            let text = String(decoding: e.pendingHead, as: UTF8.self)
            if let start = text.range(of: Self.pidMarker), let end = text[start.upperBound...].firstIndex(of: "\u{7}") {
                e.pid = Int(text[start.upperBound..<end])
                chunk = Data((String(text[..<start.lowerBound]) + String(text[text.index(after: end)...])).utf8)
                e.pendingHead = Data()
            } else if e.pendingHead.count < 256 {
                entries[id] = e
                return
            } else {
                chunk = e.pendingHead
                e.pid = 0
                e.pendingHead = Data()
            }
        }
        e.output.append(chunk)
        if e.output.count > Self.keptBytes {
            let drop = e.output.count - Self.keptBytes / 2
            e.output.removeFirst(drop)
            e.droppedBytes += drop
        }
        entries[id] = e
        if !chunk.isEmpty {
            continuation.yield(ProcessUpdate(id: id, command: e.command, state: .running, startedAt: e.startedAt, output: String(decoding: chunk, as: UTF8.self)))
        }
    }

    private func ended(_ id: Int, _ result: CommandResult?) {
        guard var e = entries[id] else { return }
        if e.state == .running { e.state = (result?.cancelled ?? false) ? .killed : .exited }
        e.exitCode = result?.exitCode
        e.endedAt = Date()
        for w in e.waiters { w.resume() }
        e.waiters = []
        entries[id] = e
        continuation.yield(ProcessUpdate(id: id, command: e.command, state: e.state, exitCode: e.exitCode, startedAt: e.startedAt))
        onEnd?(ProcessRecord(id: id, command: e.command, state: e.state, exitCode: e.exitCode, startedAt: e.startedAt,
                             elapsedMs: Int((e.endedAt ?? Date()).timeIntervalSince(e.startedAt) * 1000), output: TerminalText.clean(e.output)))
        let (backend, fifo) = (e.backend, e.fifo)
        Task { _ = try? await backend.run(CommandSpec(command: "rm -f \(shellQuote(fifo))", cwd: "/", timeout: 10, usePTY: false)) { _ in } }
    }

    func entry(_ id: Int) throws(ToolArgumentError) -> Entry {
        guard let e = entries[id] else { throw ToolArgumentError("no process \(id) (list shows them)") }
        return e
    }

    /// Output since the model's last read (`tail`: the last N lines instead), cleaned the way
    /// a terminal shows it.
    public func read(_ id: Int, tail: Int? = nil) throws(ToolArgumentError) -> String {
        var e = try entry(id)
        let text: String
        if let tail {
            var all = TerminalText.clean(e.output)
            while all.hasSuffix("\n") { all.removeLast() }
            let lines = all.split(separator: "\n", omittingEmptySubsequences: false)
            text = lines.suffix(max(1, tail)).joined(separator: "\n")
        } else {
            let from = max(0, e.readMark - e.droppedBytes)
            let skipped = e.readMark < e.droppedBytes ? e.droppedBytes - e.readMark : 0
            text = (skipped > 0 ? "[\(skipped) bytes dropped while unread]\n" : "") + TerminalText.clean(e.output.suffix(from: from))
        }
        e.readMark = e.total
        entries[id] = e
        return text
    }

    /// Sends `text` to the process's stdin.
    public func write(_ id: Int, _ text: String) async throws(ToolArgumentError) {
        let e = try entry(id)
        guard e.state == .running else { throw ToolArgumentError("process \(id) has ended") }
        let command = "printf '%s' \(shellQuote(text)) > \(shellQuote(e.fifo))"
        let result = try? await e.backend.run(CommandSpec(command: command, cwd: "/", timeout: 10, usePTY: false)) { _ in }
        guard result?.exitCode == 0 else { throw ToolArgumentError("cannot write to process \(id)'s input") }
    }

    /// Waits until the process ends or `timeout` seconds pass; whether it ended.
    public func wait(_ id: Int, timeout: Double) async throws(ToolArgumentError) -> Bool {
        let e = try entry(id)
        if e.state != .running { return true }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .seconds(timeout))
            await self?.wakeWaiters(id)
        }
        await withCheckedContinuation { c in entries[id]?.waiters.append(c) }
        timer.cancel()
        return entries[id]?.state != .running
    }

    private func wakeWaiters(_ id: Int) {
        for w in entries[id]?.waiters ?? [] { w.resume() }
        entries[id]?.waiters = []
    }

    /// Kills the process and its whole group; returns once it has ended (at most a few seconds).
    public func kill(_ id: Int) async throws(ToolArgumentError) {
        let e = try entry(id)
        guard e.state == .running else { return }
        entries[id]?.state = .killed
        e.task?.cancel()
        _ = try? await wait(id, timeout: 5)
    }

    /// Every process, for `list` and the pane.
    public func snapshot() -> [ProcessRecord] {
        entries.values.sorted { $0.id < $1.id }.map { e in
            ProcessRecord(id: e.id, command: e.command, state: e.state, exitCode: e.exitCode, startedAt: e.startedAt,
                          elapsedMs: Int((e.endedAt ?? Date()).timeIntervalSince(e.startedAt) * 1000), output: "", pid: e.pid)
        }
    }

    /// The TCP ports the process's group listens on (asked on its backend with `ss`).
    public func ports(_ id: Int) async -> [Int] {
        guard let e = entries[id], e.state == .running, let pid = e.pid, pid > 0 else { return [] }
        let script = """
            pids=" $(ps -o pid= -s \(pid) 2>/dev/null | tr -s ' \\n' ' ') "; \
            ss -Hltnp 2>/dev/null | while read -r _ _ _ local _ users; do \
            for p in $(printf '%s' "$users" | grep -o 'pid=[0-9]*' | cut -d= -f2); do \
            case "$pids" in *" $p "*) echo "${local##*:}";; esac; done; done | sort -un
            """
        let out = Mutex(Data())
        _ = try? await e.backend.run(CommandSpec(command: script, cwd: "/", timeout: 10, usePTY: false)) { d in out.withLock { $0.append(d) } }
        return String(decoding: out.withLock { $0 }, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { Int($0) }
    }

    /// Kills every process (the session is ending) and takes no more.
    public func stopAll() async {
        closed = true
        for id in entries.keys.sorted() where entries[id]?.state == .running { try? await kill(id) }
        continuation.finish()
    }
}

/// A process as `list` and the store see it.
public struct ProcessRecord: Sendable, Hashable {
    public var id: Int
    public var command: String
    public var state: ProcessState
    public var exitCode: Int32?
    public var startedAt: Date
    public var elapsedMs: Int
    /// Everything it printed, cleaned (only in the record made when it ends).
    public var output: String
    public var pid: Int?
}

