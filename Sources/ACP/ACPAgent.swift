import AgentProtocol
import Config
import Foundation
import MCPClient
import SessionHost
import Store

/// `talaria acp`: the Agent Client Protocol (v1) on stdio, for editors (Zed, JetBrains, …).
/// Each ACP session is a host session; its events become `session/update` notifications, its
/// approval requests `session/request_permission` calls, and a prompt's response carries the
/// turn's `stopReason` after every update of the turn.
public actor ACPAgent {
    private let host: SessionHost
    private let version: String
    /// The server's approval policy over config.yaml's (`--yes`).
    private let approvals: ApprovalPolicy?
    private let out: LineWriter

    private struct Open {
        let session: HostedSession
        let attachment: SessionAttachment
        let forwarding: Task<Void, Never>
        /// The editor's MCP servers for this session.
        let mcp: MCPHub?
    }
    private var sessions: [String: Open] = [:]
    /// The prompt request waiting for its turn to end, per session: its id and submission.
    private var prompts: [String: (id: JSONValue, submission: Int)] = [:]
    /// Our requests to the client waiting for their answer.
    private var outgoing: [Int: CheckedContinuation<JSONValue?, Never>] = [:]
    private var nextRequest = 1

    public init(host: SessionHost, version: String, approvals: ApprovalPolicy?, output: FileHandle = .standardOutput) {
        self.host = host
        self.version = version
        self.approvals = approvals
        out = LineWriter(output)
    }

    /// Serves `lines` (stdin's) until they end, then closes every session.
    public func serve(_ lines: AsyncStream<String>) async {
        await withTaskGroup(of: Void.self) { group in
            for await line in lines where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                switch RPC.parse(line) {
                case .request(let id, let method, let params):
                    // Requests run concurrently: a prompt waits for its turn while a cancel arrives.
                    group.addTask { await self.answer(id, method, params) }
                case .notification(let method, let params):
                    await notify(method, params)
                case .response(let id, let result, let error):
                    resolve(id, error == nil ? result : nil)
                case .invalid(let id, let code, let message):
                    await out.send(RPC.error(id, code, message))
                }
            }
        }
        for (_, c) in outgoing { c.resume(returning: nil) }
        outgoing.removeAll()
        for (id, open) in sessions {
            open.forwarding.cancel()
            await host.close(id)
            await open.mcp?.stop()
        }
        sessions.removeAll()
    }

    /// Reads stdin line by line on a thread of its own.
    public static func standardInputLines() -> AsyncStream<String> {
        AsyncStream { continuation in
            Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }.start()
        }
    }

    private func answer(_ id: JSONValue, _ method: String, _ params: JSONValue) async {
        do {
            guard let result = try await handle(method, params, id: id) else { return } // answered when the turn ends
            await out.send(RPC.result(id, result))
        } catch let failure as RPCFailure {
            await out.send(RPC.error(id, failure.code, failure.message))
        } catch {
            await out.send(RPC.error(id, RPC.internalError, "\(error)"))
        }
    }

    /// A method's result; nil when the answer comes later (`session/prompt`).
    private func handle(_ method: String, _ params: JSONValue, id: JSONValue) async throws -> JSONValue? {
        switch method {
        case "initialize":
            return ["protocolVersion": 1,
                    "agentCapabilities": ["loadSession": true,
                                          "promptCapabilities": ["image": false, "audio": false, "embeddedContext": true],
                                          "mcpCapabilities": ["http": true, "sse": false]],
                    "agentInfo": ["name": "talaria", "title": "Talaria", "version": .string(version)],
                    "authMethods": []]
        case "authenticate":
            return [:]
        case "session/new":
            let cwd = try Self.cwd(params)
            let open = try await start(SessionRequest(cwd: cwd, source: .acp, approvals: approvals, interactive: true), mcp: params["mcpServers"])
            return ["sessionId": .string(open.session.id)]
        case "session/load":
            guard let id = params["sessionId"]?.stringValue else { throw RPCFailure.params("sessionId is missing") }
            let info: SessionInfo
            do { info = try host.store.session(id: id) } catch { throw RPCFailure.params("no session \(id)") }
            let stored = (try? host.store.messages(sessionID: info.id)) ?? []
            for update in SessionUpdates.replay(stored) {
                await out.send(RPC.notification("session/update", ["sessionId": .string(info.id), "update": update]))
            }
            if sessions[info.id] == nil {
                let cwd = (try? Self.cwd(params)) ?? info.cwd
                _ = try await start(SessionRequest(cwd: cwd, source: .acp, resume: info.id, approvals: approvals, interactive: true),
                                    mcp: params["mcpServers"])
            }
            return [:]
        case "session/prompt":
            guard let sid = params["sessionId"]?.stringValue, let open = sessions[sid] else { throw RPCFailure.params("unknown sessionId") }
            guard prompts[sid] == nil else { throw RPCFailure(code: RPC.invalidRequest, message: "session \(sid) is already answering a prompt") }
            let text = SessionUpdates.promptText(params["prompt"]?.arrayValue ?? [])
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw RPCFailure.params("the prompt has no text") }
            let submission: Int
            do { submission = try await open.session.submit(.userTurn(UserTurn(text: text)), from: open.attachment.id) } catch {
                throw RPCFailure(code: RPC.internalError, message: error.message)
            }
            prompts[sid] = (id, submission)
            return nil
        default:
            throw RPCFailure(code: RPC.methodNotFound, message: "no method \(method)")
        }
    }

    private func notify(_ method: String, _ params: JSONValue) async {
        switch method {
        case "session/cancel":
            guard let sid = params["sessionId"]?.stringValue, let open = sessions[sid] else { return }
            _ = try? await open.session.submit(.interrupt, from: open.attachment.id)
        default:
            break // unknown notifications are ignored, as JSON-RPC asks
        }
    }

    private static func cwd(_ params: JSONValue) throws(RPCFailure) -> String {
        guard let cwd = params["cwd"]?.stringValue, cwd.hasPrefix("/") else { throw RPCFailure.params("cwd must be an absolute path") }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDir), isDir.boolValue else { throw RPCFailure.params("no folder \(cwd)") }
        return cwd
    }

    private func start(_ request: SessionRequest, mcp servers: JSONValue?) async throws -> Open {
        var request = request
        let specs = try Self.mcpSpecs(servers)
        let hub = specs.isEmpty ? nil : MCPHub(specs: specs, http: host.builder.transport, onStatus: { _ in })
        if let hub {
            await hub.start()
            await FrontEnd.settle(hub)
            request.toolSources = [hub]
        }
        let session: HostedSession
        do { session = try await host.open(request) } catch {
            await hub?.stop()
            throw RPCFailure(code: RPC.internalError, message: error.message)
        }
        let attachment = await session.attach(.driver)
        let sid = session.id
        let forwarding = Task { [weak self] in
            var updates = SessionUpdates()
            for await e in attachment.events { await self?.forward(e, of: sid, updates: &updates) }
        }
        let open = Open(session: session, attachment: attachment, forwarding: forwarding, mcp: hub)
        sessions[sid] = open
        return open
    }

    /// ACP's `McpServer` list as our specs: stdio `{name, command, args, env: [{name, value}]}`
    /// and `{type: "http", name, url, headers: [{name, value}]}`.
    static func mcpSpecs(_ servers: JSONValue?) throws(RPCFailure) -> [MCPServerSpec] {
        var specs: [MCPServerSpec] = []
        for s in servers?.arrayValue ?? [] {
            guard let name = s["name"]?.stringValue else { throw RPCFailure.params("an MCP server has no name") }
            func pairs(_ key: String) -> [String: String] {
                Dictionary((s[key]?.arrayValue ?? []).compactMap { p in p["name"]?.stringValue.map { ($0, p["value"]?.stringValue ?? "") } },
                           uniquingKeysWith: { $1 })
            }
            if s["type"]?.stringValue == "http" || s["type"]?.stringValue == "sse" {
                guard let url = s["url"]?.stringValue else { throw RPCFailure.params("MCP server \(name) has no url") }
                specs.append(MCPServerSpec(name: name, transport: .http(url: url, headers: pairs("headers"), bearerTokenEnv: nil)))
            } else {
                guard let command = s["command"]?.stringValue else { throw RPCFailure.params("MCP server \(name) has no command") }
                let args = (s["args"]?.arrayValue ?? []).compactMap(\.stringValue)
                specs.append(MCPServerSpec(name: name, transport: .stdio(command: command, arguments: args, environment: pairs("env"), cwd: nil)))
            }
        }
        return specs
    }

    private func forward(_ envelope: EventEnvelope, of sid: String, updates: inout SessionUpdates) async {
        for update in updates.updates(for: envelope.event) {
            await out.send(RPC.notification("session/update", ["sessionId": .string(sid), "update": update]))
        }
        switch envelope.event {
        case .approvalRequested(let request):
            let session = sessions[sid]
            Task {
                let decision = await self.askPermission(request, sid: sid)
                _ = try? await session?.session.submit(.approveTool(callID: request.callID, decision: decision), from: session?.attachment.id)
            }
        case .clarifyRequested(let question):
            let session = sessions[sid]
            Task {
                let answer = question.choices.isEmpty ? nil : await self.askChoice(question, sid: sid)
                _ = try? await session?.session.submit(.answerClarify(callID: question.callID, answer: answer), from: session?.attachment.id)
            }
        case .turnCompleted(let done):
            await endPrompt(sid, submission: envelope.submissionID,
                            reason: done.reachedIterationLimit || done.stoppedBy != nil ? "max_turn_requests" : "end_turn")
        case .turnAborted(let aborted):
            switch aborted.reason {
            case .interrupted: await endPrompt(sid, submission: envelope.submissionID, reason: "cancelled")
            case .maxIterations: await endPrompt(sid, submission: envelope.submissionID, reason: "max_turn_requests")
            case .failed: await endPrompt(sid, submission: envelope.submissionID, error: aborted.message)
            }
        default:
            break
        }
    }

    private func endPrompt(_ sid: String, submission: Int, reason: String? = nil, error: String? = nil) async {
        guard let pending = prompts[sid], pending.submission == submission else { return }
        prompts[sid] = nil
        if let error {
            await out.send(RPC.error(pending.id, RPC.internalError, error))
        } else {
            await out.send(RPC.result(pending.id, ["stopReason": .string(reason ?? "end_turn")]))
        }
    }

    /// `session/request_permission`: allow once, always, or reject; a cancelled prompt or a
    /// client that does not answer is a rejection.
    private func askPermission(_ request: ApprovalRequest, sid: String) async -> ApprovalDecision {
        let id = nextRequest
        nextRequest += 1
        let params: JSONValue = [
            "sessionId": .string(sid),
            "toolCall": ["toolCallId": .string(request.callID), "title": .string(request.command), "kind": .string(SessionUpdates.kind(of: request.tool)),
                         "status": "pending", "rawInput": ["command": .string(request.command), "reason": .string(request.reason)]],
            "options": [["optionId": "once", "name": "Allow once", "kind": "allow_once"],
                        ["optionId": "always", "name": "Always allow", "kind": "allow_always"],
                        ["optionId": "deny", "name": "Reject", "kind": "reject_once"]],
        ]
        guard let option = await requestPermission(id, params) else { return .deny }
        return ApprovalDecision(rawValue: option) ?? .deny
    }

    /// The model's question with choices, as a permission prompt whose options are the choices
    /// (and Skip); nil when skipped or the prompt was cancelled.
    private func askChoice(_ question: ClarifyRequest, sid: String) async -> String? {
        let id = nextRequest
        nextRequest += 1
        let options: [JSONValue] = question.choices.enumerated().map { i, choice in
            ["optionId": .string("choice-\(i + 1)"), "name": .string(choice), "kind": "allow_once"]
        } + [["optionId": "skip", "name": "Skip the question", "kind": "reject_once"]]
        let params: JSONValue = [
            "sessionId": .string(sid),
            "toolCall": ["toolCallId": .string(question.callID), "title": .string(question.question), "kind": "think", "status": "pending",
                         "rawInput": ["question": .string(question.question), "choices": .array(question.choices.map { .string($0) })]],
            "options": .array(options),
        ]
        guard let option = await requestPermission(id, params), option.hasPrefix("choice-") else { return nil }
        return question.answer(for: String(option.dropFirst("choice-".count)))
    }

    /// Sends `session/request_permission` and waits: the option picked, nil when cancelled.
    private func requestPermission(_ id: Int, _ params: JSONValue) async -> String? {
        let answer = await withCheckedContinuation { (c: CheckedContinuation<JSONValue?, Never>) in
            outgoing[id] = c
            Task { await out.send(RPC.request(id, "session/request_permission", params)) }
        }
        guard let outcome = answer?["outcome"], outcome["outcome"]?.stringValue == "selected" else { return nil }
        return outcome["optionId"]?.stringValue
    }

    private func resolve(_ id: JSONValue, _ result: JSONValue?) {
        guard let n = id.intValue, let c = outgoing.removeValue(forKey: n) else { return }
        c.resume(returning: result)
    }
}
