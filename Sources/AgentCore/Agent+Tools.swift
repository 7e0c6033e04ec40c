import AgentProtocol
import AgentTools
import Exec
import Foundation
import Memory
import Store

/// A turn's tool calls: checked, approved (the gate and the PreToolUse hooks), run concurrently,
/// then redacted, watched for loops, capped, recorded and announced one by one.
extension Agent {
    /// Built-ins plus the sources' tools as they are now (a server may have come or gone).
    func refreshTools() async {
        guard !services.toolSources.isEmpty else { return }
        // Unchanged sources are not asked (each question waits on the source's actor).
        let versions = services.toolSources.map(\.toolsVersion)
        if !versions.contains(nil), versions == toolVersions { return }
        toolVersions = versions
        var registry = services.tools
        for source in services.toolSources {
            for tool in await source.currentTools() where registry[tool.name] == nil { registry.register(tool) }
        }
        activeTools = registry
    }

    /// Runs the calls concurrently; commits each result as it finishes. Returns whether the user
    /// interrupted, and what the loop guard makes of the round.
    func runTools(_ calls: [ToolCall], unreadable: [String: String]) async -> (cancelled: Bool, verdict: LoopGuard.Verdict) {
        let cwd = await backend.directory(forSession: config.cwd)
        let home = await backend.homeDirectory()
        var settled: [(Int, ToolOutput)] = []
        var verdict = LoopGuard.Verdict.fine
        var images: [ImageRef] = []
        if calls.contains(where: { activeTools[$0.name]?.changesFiles == true }) { await checkpointBeforeChanges() }
        await withTaskGroup(of: (Int, ToolOutput, Int).self) { group in
            for (index, call) in calls.enumerated() {
                emitter.emit(.toolCallBegan(ToolCallBegan(callID: call.id, name: call.name, arguments: call.arguments)))
                switch await prepare(call, unreadable: unreadable, cwd: cwd, home: home) {
                case .failure(let f):
                    settled.append((index, f.output))
                case .success(let (tool, args, context)):
                    group.addTask {
                        let start = ContinuousClock.now
                        let output = await tool.run(args, context: context)
                        return (index, output, (ContinuousClock.now - start).wholeMilliseconds)
                    }
                }
            }
            for await (index, output, ms) in group {
                var output = output
                if !output.images.isEmpty { images += await imagesShown(&output) }
                verdict = verdict.merged(await finishTool(calls[index], output: output, elapsedMs: ms))
            }
        }
        // Calls that never ran (denied, blocked, invalid, unreadable) are answered too, in call order.
        for (index, output) in settled { verdict = verdict.merged(await finishTool(calls[index], output: output, elapsedMs: 0, ran: false)) }
        // Images the tools read follow all the results (tool messages must follow their call).
        if !images.isEmpty {
            flushResults()
            let names = images.map { ($0.source as NSString).lastPathComponent }.joined(separator: ", ")
            do { try conversation.commit(ChatMessage(role: .user, content: "[the image\(images.count == 1 ? "" : "s") read: \(names)]", images: images)) } catch {
                emitter.emit(.warning("cannot save the image message: \(error)"))
            }
        }
        return (Task.isCancelled, verdict)
    }

    /// A tool call a script makes (`execute_code`): approved, hooked and redacted like the
    /// model's own, not added to the conversation (the script's result is).
    func callOnBehalf(of parent: String, _ name: String, _ arguments: JSONValue) async -> ToolOutput {
        nestedCalls += 1
        let call = ToolCall(id: "\(parent)-\(nestedCalls)", name: name, arguments: arguments.jsonText)
        let cwd = await backend.directory(forSession: config.cwd)
        let home = await backend.homeDirectory()
        switch await prepare(call, unreadable: [:], cwd: cwd, home: home) {
        case .failure(let f): return f.output
        case .success(let (tool, args, context)): return dispatcher.redact(await tool.run(args, context: context))
        }
    }

    /// The tool, its arguments and its context — or the result the model gets instead (the call
    /// is invalid, a hook blocked it, the user did not approve it).
    private func prepare(_ call: ToolCall, unreadable: [String: String], cwd: String, home: String?) async
        -> Result<(any Tool, JSONValue, ToolContext), ToolFailure> {
        let checked = dispatcher.validate(call, tools: activeTools, unreadable: unreadable)
        guard case .success(let (tool, args)) = checked else {
            if case .failure(let f) = checked { return .failure(f) }
            return .failure(ToolFailure(output: .error("cannot run \(call.name)")))
        }
        let emitter = self.emitter, callID = call.id
        var context = ToolContext(cwd: cwd, backend: backend, callID: call.id, sessionID: sessionID) { chunk in
            emitter.emit(.toolOutputDelta(callID: callID, chunk: chunk))
        }
        context.home = home
        context.askModel = { [weak self] instructions, maxTokens in await self?.sideAnswer(instructions, maxTokens: maxTokens) }
        if config.userPresent { context.askUser = { [weak self] request in await self?.askUser(request) ?? .cancelled } }
        context.callTool = { [weak self] name, arguments in
            await self?.callOnBehalf(of: callID, name, arguments) ?? .error("the session has ended")
        }
        // PreToolUse hooks come first: they may block the call, allow it without a dialog, or ask.
        let hook = await preToolHooks(call, arguments: args)
        if let blocked = hook.blocked { return .failure(ToolFailure(output: ToolDispatcher.blocked(blocked))) }
        let reason = tool.approvalReason(for: args, context: context) ?? (hook.permission == .ask ? "a hook asks for your approval" : nil)
        if let reason, hook.permission != .allow {
            let decision = await approval(for: call, reason: reason, arguments: args)
            if !decision.isApproved { return .failure(ToolFailure(output: ToolDispatcher.denied(reason))) }
        }
        return .success((tool, args, context))
    }

    /// The gate's answer, asking the user (and waiting) when only they can decide.
    private func approval(for call: ToolCall, reason: String, arguments: JSONValue) async -> ApprovalDecision {
        switch approvals.check(call, reason: reason, arguments: arguments) {
        case .allow(let decision):
            return decision
        case .allowedBySkill(let skill):
            let command = arguments["command"]?.stringValue ?? call.arguments
            emitter.emit(.warning("'\(command)' runs without asking: the skill \(skill) in use allows it (allowed-tools)"))
            return .once
        case .deny:
            return .deny
        case .ask(let request):
            notificationHook("Talaria needs your approval: \(request.tool) \(request.command) (\(request.reason))")
            let decision = await withCheckedContinuation { c in
                approvals.wait(for: call.id, c)
                emitter.emit(.approvalRequested(request))
            }
            do { try approvals.remember(decision, for: reason) } catch {
                emitter.emit(.warning("cannot remember the approval for later sessions: \(error)"))
            }
            return decision
        }
    }

    /// Commits the staged tool results (one transaction) and then says they are done. Called as
    /// soon as the next request has left (the commit overlaps the model's work), before anything
    /// else is committed, and when a turn ends.
    func flushResults() {
        guard conversation.hasStaged || !resultsEnded.isEmpty else { return }
        do { try conversation.flush() } catch {
            emitter.emit(.warning("cannot save the tool results: \(error)"))
        }
        for event in resultsEnded { emitter.emit(event) }
        resultsEnded = []
    }

    /// Redacts, lets the PostToolUse hooks speak, checks for loops, caps, stages and announces
    /// one result.
    func finishTool(_ call: ToolCall, output raw: ToolOutput, elapsedMs: Int, ran: Bool = true) async -> LoopGuard.Verdict {
        var output = dispatcher.redact(raw)
        if ran, let feedback = await postToolHooks(call, output: output) {
            output.text += "\n\n<system-reminder>\nA hook says: \(feedback)\n</system-reminder>"
        }
        turnLog.record(call, output: output)
        let verdict = output.status == .cancelled ? .fine : loopGuard.record(call, output: output)
        if case .warn(let note, let told) = verdict {
            output.text += "\n\n<system-reminder>\n\(note)\n</system-reminder>"
            emitter.emit(.warning("loop guard: \(told)"))
        }
        let shown = dispatcher.shown(output.text)
        let run = ToolRunRecord(callID: call.id, name: call.name, arguments: services.redactor.redact(call.arguments),
                                status: output.status.rawValue, exitCode: output.exitCode, output: output.text,
                                startedAt: Date(timeIntervalSinceNow: -Double(elapsedMs) / 1000), elapsedMs: elapsedMs)
        // Committed by flushResults() once the next request is on its way; shown as done after.
        conversation.stage(.tool(callID: call.id, name: call.name, content: shown), toolRun: run)
        do {
            if let (skill, allowed) = try learning.recordUse(call, output: output) { approvals.useSkill(skill, allowing: allowed) }
        } catch {
            emitter.emit(.warning("cannot record the use of a skill by \(call.name): \(error)"))
        }
        if let m = output.memoryUpdate { emitter.emit(.memoryUpdate(m)) }
        if let p = output.plan { emitter.emit(.plan(p)) }
        resultsEnded.append(.toolCallEnded(ToolCallEnded(callID: call.id, name: call.name, status: output.status, output: shown,
                                                         exitCode: output.exitCode, elapsedMs: elapsedMs)))
        return verdict
    }
}
