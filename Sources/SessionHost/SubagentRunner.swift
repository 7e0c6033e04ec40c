import AgentCore
import AgentProtocol
import AgentTools
import Config
import Exec
import Foundation
import Store

/// `delegate_task`'s children, run as sessions of the host: each a fresh session (its goal and
/// context, not the parent's conversation) linked to its parent, at most `max_concurrent` at
/// once, with the parent's approval policy — a child's approval request is shown to the
/// parent's front-ends and their answer goes back to the child.
final class SubagentRunner: Delegator, @unchecked Sendable {
    let settings: DelegationConfig
    /// Set once, right after the host is made (the host owns the runner).
    nonisolated(unsafe) weak var host: SessionHost?

    init(settings: DelegationConfig) {
        self.settings = settings
    }

    func delegate(_ tasks: [DelegatedTask], from context: ToolContext, progress: @escaping @Sendable (String) -> Void) async -> [DelegationResult] {
        guard let host, let parent = await host.session(context.sessionID) else {
            return tasks.map { _ in DelegationResult(status: .failed, text: "the parent session is not open in this host") }
        }
        let slots = Slots(settings.maxConcurrent)
        return await withTaskGroup(of: (Int, DelegationResult).self) { group in
            for (i, task) in tasks.enumerated() {
                group.addTask {
                    await slots.acquire()
                    defer { Task { await slots.release() } }
                    if Task.isCancelled { return (i, DelegationResult(status: .cancelled, text: "cancelled before it started")) }
                    return (i, await self.run(task, number: i + 1, of: tasks.count, call: context.callID, parent: parent, host: host, progress: progress))
                }
            }
            var results = [DelegationResult?](repeating: nil, count: tasks.count)
            for await (i, r) in group { results[i] = r }
            return results.map { $0 ?? DelegationResult(status: .failed, text: "no result") }
        }
    }

    /// One child, start to end.
    private func run(_ task: DelegatedTask, number: Int, of count: Int, call: String, parent: HostedSession, host: SessionHost,
                     progress: @escaping @Sendable (String) -> Void) async -> DelegationResult {
        let label = "subagent \(number)"
        let start = ContinuousClock.now
        let parentRequest = parent.request
        var request = SessionRequest(cwd: parent.cwd, source: .subagent, model: settings.model ?? parent.model,
                                     approvals: parentRequest.approvals, interactive: parentRequest.interactive, backend: parentRequest.backend)
        request.parentID = parent.id
        request.baseURL = settings.baseURL ?? parentRequest.baseURL
        request.depth = parentRequest.depth + 1
        request.maxIterations = settings.maxIterations
        if let wanted = task.toolsets {
            let names = Set(wanted)
            request.allowedTools = parentRequest.allowedTools.map { $0.intersection(names) } ?? names
        } else {
            request.allowedTools = parentRequest.allowedTools
        }
        var worktree: (path: String, branch: String)?
        if task.isolation == .worktree {
            switch await Self.worktree(from: parent.cwd, home: host.builder.settings.paths.home, label: "\(number)") {
            case .success(let w):
                worktree = w
                request.cwd = w.path
                request.backend = nil // its own folder: commands run there
            case .failure(let why):
                return DelegationResult(status: .failed, text: "isolation: worktree — \(why.message)")
            }
        }
        let child: HostedSession
        do { child = try await host.open(request) } catch {
            return DelegationResult(status: .failed, text: "the subagent could not start: \(error.message)")
        }
        progress("▸ [\(number)/\(count)] \(task.goal.prefix(100)) — session \(child.id)\n")
        // The parent's card shows the child: the update rides on the parent's own event stream.
        let report = { (phase: SubagentUpdate.Phase) in
            await parent.agent.relay(.subagent(SubagentUpdate(callID: call, index: number, count: count, sessionID: child.id, goal: task.goal, phase: phase)))
        }
        await report(.started)
        let attachment = await child.attach(.driver)
        var result: DelegationResult = await withTaskCancellationHandler {
            do { try await child.submit(.userTurn(UserTurn(text: Self.prompt(task)))) } catch {
                return DelegationResult(status: .failed, text: "\(error)", sessionID: child.id)
            }
            var usage = Usage()
            // What it says streams to the card at most every 100 ms (a phrase, not a token).
            var saying = ""
            var saidAt = ContinuousClock.now - .seconds(1)
            for await e in attachment.events {
                switch e.event {
                case .messageDelta(_, let text):
                    saying += text
                    if ContinuousClock.now - saidAt >= .milliseconds(100) {
                        saidAt = .now
                        await report(.said(Self.tail(of: saying)))
                    }
                case .messageCompleted(let m):
                    saying = ""
                    let text = m.text.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !text.isEmpty { await report(.said(Self.tail(of: text))) }
                case .toolCallBegan(let b):
                    let args = JSONValue.parse(b.arguments)
                    let what = args?["command"]?.stringValue ?? args?["path"]?.stringValue ?? ""
                    progress("  [\(number)] \(b.name) \(what.prefix(120))\n")
                    await report(.working("\(b.name) \(what.prefix(80))"))
                case .toolCallEnded(let end):
                    let lines = end.output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    await report(.toolEnded(status: end.status, elapsedMs: end.elapsedMs, tail: lines.suffix(2).map { String($0.prefix(160)) }.joined(separator: "\n")))
                case .approvalRequested(let r):
                    await parent.relayApproval(r, from: child, label: label)
                case .usage(let u):
                    usage = u.total
                case .turnCompleted(let done):
                    let status: DelegationResult.Status = done.reachedIterationLimit || done.stoppedBy != nil ? .outOfBudget : .done
                    return DelegationResult(status: status, text: done.finalText, sessionID: child.id, iterations: done.iterations, usage: usage,
                                            elapsedMs: (ContinuousClock.now - start).wholeMilliseconds)
                case .turnAborted(let aborted):
                    let status: DelegationResult.Status = switch aborted.reason {
                    case .interrupted: .cancelled
                    case .maxIterations: .outOfBudget
                    case .failed: .failed
                    }
                    return DelegationResult(status: status, text: aborted.message, sessionID: child.id, usage: usage,
                                            elapsedMs: (ContinuousClock.now - start).wholeMilliseconds)
                default:
                    break
                }
            }
            return DelegationResult(status: .cancelled, text: "the subagent's session ended", sessionID: child.id)
        } onCancel: {
            Task { _ = try? await child.submit(.interrupt) }
        }
        await host.close(child.id)
        // Titled by its goal, not by the instructions its prompt starts with.
        try? host.store.setTitle(String(task.goal.prefix(80)), sessionID: child.id)
        result.worktree = worktree
        await report(.finished(status: result.status.rawValue, elapsedMs: result.elapsedMs))
        let mark = result.status == .done ? "✓" : "✗"
        progress("\(mark) [\(number)/\(count)] \(result.status.rawValue) in \(String(format: "%.1f", Double(result.elapsedMs) / 1000)) s\n")
        return result
    }

    /// A git worktree for a child on a new branch, beside the repository in Talaria's home
    /// (the user's checkout, index and stash stay as they are).
    static func worktree(from cwd: String, home: String, label: String) async -> Result<(path: String, branch: String), ExecError> {
        do {
            let top = try await Capture.run(["git", "-C", cwd, "rev-parse", "--show-toplevel"], cwd: cwd)
            guard top.exitCode == 0 else { return .failure(ExecError("\(cwd) is not in a git repository")) }
            let stamp = String(UUID().uuidString.prefix(8)).lowercased()
            let branch = "talaria/subagent-\(label)-\(stamp)"
            let path = home + "/worktrees/" + branch.replacingOccurrences(of: "/", with: "-")
            try? FileManager.default.createDirectory(atPath: home + "/worktrees", withIntermediateDirectories: true)
            let added = try await Capture.run(["git", "-C", cwd, "worktree", "add", "-q", "-b", branch, path, "HEAD"], cwd: cwd)
            guard added.exitCode == 0 else { return .failure(ExecError("git worktree add failed: \(added.errorText)")) }
            return .success((path, branch))
        } catch {
            return .failure(error)
        }
    }

    /// What the child is told: its goal and context, and that its answer goes to another agent.
    static func prompt(_ task: DelegatedTask) -> String {
        var text = "You are a subagent: another agent delegated this task to you. Work on it with your tools, then answer with what it asked for; "
            + "your final answer is all it will see.\n\nGoal: \(task.goal)"
        if !task.context.isEmpty { text += "\n\nContext:\n\(task.context)" }
        return text
    }

    /// The end of what a child says, for its card (the whole answer goes to the parent).
    static func tail(of text: String) -> String {
        text.count <= 400 ? text : "…" + String(text.suffix(400))
    }

}

/// At most N at once.
actor Slots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ n: Int) { free = max(1, n) }

    func acquire() async {
        if free > 0 { free -= 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
