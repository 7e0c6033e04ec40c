import AgentProtocol
import AgentTools
import Config
import Foundation
import SessionHost
import Store

/// `talaria gateway`: the session host on messaging platforms. One session per chat (per
/// thread where the platform has threads), resumed across messages and restarts; who may talk
/// to it is decided before anything reaches a model; approvals are buttons in the chat.
///
/// Every update is stored with the platform's new cursor in one transaction before it is
/// handled (`gateway_inbox`), so a restart — or kill -9 — resumes after the last one taken:
/// what arrived while down is fetched then, nothing is handled twice. An update whose answer
/// was under way when the process died gets a note instead of a second answer.
public actor Gateway {
    let host: SessionHost
    let store: SessionStore
    let platforms: [String: any ChatPlatform]
    let access: [String: GatewayConfig.Platform]
    let workdir: String
    let approvalTimeout: Double
    let log: @Sendable (String) -> Void
    /// Drafts streamed to a chat are redacted as the final answer is (a key the model repeats).
    let redactor: SecretRedactor
    /// Each chat's handling, one message after another (`platform:chat`).
    private var queues: [String: Task<Void, Never>] = [:]
    /// Approvals waiting in a chat, by call id.
    private var approvals: [String: PendingApproval] = [:]
    /// What an approval answered before its question's send returned will say.
    private var answeredEarly: [String: String] = [:]
    /// Sessions open for chats (`platform:chat`).
    private var sessions: [String: HostedSession] = [:]

    struct PendingApproval {
        var platform: String
        var chat: String
        var messageID: String
        var session: HostedSession
        var command: String
        var timeout: Task<Void, Never>
    }

    public init(host: SessionHost, platforms: [any ChatPlatform], config: GatewayConfig, workdir: String,
                log: @escaping @Sendable (String) -> Void) {
        self.host = host
        store = host.store
        self.platforms = Dictionary(platforms.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        access = config.platforms
        self.workdir = workdir
        approvalTimeout = Double(config.approvalTimeout)
        self.log = log
        redactor = SecretRedactor(environment: host.builder.settings.environment)
    }

    /// Serves every platform until cancelled; returns once each has stopped (a refused token
    /// stops its platform, with the reason in the log).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for p in platforms.values { group.addTask { await self.serve(p) } }
        }
        for q in queues.values { await q.value }
    }

    /// Sends `markdown` to a chat, split at the platform's limit (cron's deliveries).
    public func deliver(_ markdown: String, platform: String, chat: String) async throws(PlatformError) {
        guard let p = platforms[platform] else { throw PlatformError(.rejected, "no \(platform) gateway is configured") }
        for part in ChatText.split(markdown, limit: p.maxLength - 96) { _ = try await p.send(part, to: chat, buttons: []) }
    }

    // MARK: - Polling

    private func serve(_ p: any ChatPlatform) async {
        await pollLoop(p)
        await p.close()
    }

    private func pollLoop(_ p: any ChatPlatform) async {
        await recover(p)
        var cursor = (try? store.gatewayCursor(p.name)) ?? nil
        var backoff = 1.0
        log("\(p.name): polling")
        while !Task.isCancelled {
            do {
                let (updates, next) = try await p.poll(after: cursor)
                let items = updates.map { u in
                    InboxItem(platform: p.name, updateID: u.id, chat: u.chat, user: u.user, body: Self.encode(u))
                }
                let fresh = try store.receive(items, cursor: next, platform: p.name)
                await p.stored(updates.map(\.id))
                cursor = next ?? cursor
                backoff = 1
                for item in fresh { if let u = Self.decode(item.body) { dispatch(u, item: item, platform: p) } }
            } catch let e as PlatformError {
                if Task.isCancelled { break }
                if e.kind == .unauthorized { log("\(p.name): \(e.description) — this platform stops"); return }
                log("\(p.name): \(e.description); again in \(Int(backoff)) s")
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 30)
            } catch {
                log("\(p.name): cannot store updates: \(error)")
                try? await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 30)
            }
        }
    }

    /// After a restart: updates taken but not handled are handled now; one whose answer was
    /// under way gets a note (answering again could say the same thing twice).
    private func recover(_ p: any ChatPlatform) async {
        for item in (try? store.inbox(p.name, state: .working)) ?? [] {
            _ = try? await p.send("I was restarted while answering your last message; send it again if you still need the answer.",
                                  to: item.chat, buttons: [])
            try? store.setInboxState(p.name, item.updateID, .done)
        }
        for item in (try? store.inbox(p.name, state: .received)) ?? [] {
            if let u = Self.decode(item.body) { dispatch(u, item: item, platform: p) }
        }
    }

    static func encode(_ u: ChatUpdate) -> String {
        (try? String(decoding: JSONEncoder().encode(u), as: UTF8.self)) ?? "{}"
    }

    static func decode(_ body: String) -> ChatUpdate? { try? JSONDecoder().decode(ChatUpdate.self, from: Data(body.utf8)) }

    // MARK: - Handling

    private func dispatch(_ u: ChatUpdate, item: InboxItem, platform p: any ChatPlatform) {
        let key = "\(p.name):\(u.chat)"
        // Buttons, /stop and answers to a waiting approval cannot wait behind the turn they act on.
        if case .button = u { Task { await self.handleNow(u, item: item, platform: p) }; return }
        if case .message(_, _, _, _, let text, _) = u, Self.isImmediate(text) || approvalKeyword(text, chat: u.chat, platform: p.name) != nil {
            Task { await self.handleNow(u, item: item, platform: p) }
            return
        }
        let previous = queues[key]
        queues[key] = Task {
            await previous?.value
            await self.handle(u, item: item, platform: p)
        }
    }

    static func isImmediate(_ text: String) -> Bool { command(text) == "stop" }

    /// `/new`, `/new@bot_name` → `new`.
    static func command(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.hasPrefix("/"), let word = t.dropFirst().split(separator: " ").first else { return nil }
        return String(word.split(separator: "@").first ?? word).lowercased()
    }

    func isAllowed(_ user: String, platform: String) -> Bool {
        if access[platform]?.allowedUsers.contains(user) == true { return true }
        return (try? store.gatewayUser(platform: platform, user: user))??.approved == true
    }

    /// Someone not allowed: no agent; a pairing code once, when pairing is on.
    private func refuse(_ u: ChatUpdate, platform p: any ChatPlatform) async {
        log("\(p.name): refused \(u.userName) (\(u.user)) in \(u.chat)")
        guard access[p.name]?.pairing != false, case .message = u else { return }
        let code = Self.pairingCode()
        guard let (given, isNew) = try? store.pairingCode(platform: p.name, user: u.user, name: u.userName, code: code), isNew else { return }
        _ = try? await p.send("I only talk with people my owner approved. To be approved, ask them to run:\n\n`talaria gateway pair \(given)`",
                              to: u.chat, buttons: [])
    }

    static func pairingCode() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<6).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    private func handleNow(_ u: ChatUpdate, item: InboxItem, platform p: any ChatPlatform) async {
        defer { try? store.setInboxState(p.name, item.updateID, .done) }
        guard isAllowed(u.user, platform: p.name) else { return await refuse(u, platform: p) }
        switch u {
        case .button(_, let chat, _, let name, let data, let queryID):
            let parts = data.split(separator: ":").map(String.init)
            guard parts.count == 3, parts[0] == "ap", let decision = ApprovalDecision(rawValue: parts[2]) else {
                return await p.answerButton(queryID, text: "That button is no longer used.")
            }
            guard await decide(parts[1], decision, by: name) else { return await p.answerButton(queryID, text: "Already answered.") }
            await p.answerButton(queryID, text: decision.isApproved ? "Approved" : "Denied")
            _ = chat
        case .message(_, let chat, _, let name, let text, _):
            if let (callID, decision) = approvalKeyword(text, chat: chat, platform: p.name) {
                _ = await decide(callID, decision, by: name)
                return
            }
            if Self.command(text) == "stop", let session = sessions["\(p.name):\(chat)"] {
                _ = try? await session.submit(.interrupt)
                _ = try? await p.send("Stopped.", to: chat, buttons: [])
            }
        }
    }

    /// A reply that answers the chat's one waiting approval (`yes`, `no`, `always`…).
    func approvalKeyword(_ text: String, chat: String, platform: String) -> (String, ApprovalDecision)? {
        let waiting = approvals.filter { $0.value.chat == chat && $0.value.platform == platform }
        guard waiting.count == 1, let callID = waiting.first?.key else { return nil }
        switch text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "yes", "y", "ok", "once", "approve": return (callID, .once)
        case "session": return (callID, .session)
        case "always": return (callID, .always)
        case "no", "n", "deny", "stop": return (callID, .deny)
        default: return nil
        }
    }

    /// Answers a waiting approval; false when it was answered already (or timed out).
    private func decide(_ callID: String, _ decision: ApprovalDecision, by name: String) async -> Bool {
        guard let pending = approvals.removeValue(forKey: callID) else { return false }
        pending.timeout.cancel()
        _ = try? await pending.session.submit(.approveTool(callID: callID, decision: decision))
        let said = switch decision {
        case .once: "approved once"
        case .session: "approved for this session"
        case .always: "approved always"
        case .deny: "denied"
        }
        let note = "`\(pending.command)` — \(said) by \(name)"
        if pending.messageID.isEmpty { answeredEarly[callID] = note } else {
            try? await platforms[pending.platform]?.edit(pending.messageID, in: pending.chat, to: note)
        }
        return true
    }

    private func handle(_ u: ChatUpdate, item: InboxItem, platform p: any ChatPlatform) async {
        defer { try? store.setInboxState(p.name, item.updateID, .done) }
        guard case .message(_, let chat, let user, let name, let text, let files) = u else { return }
        guard isAllowed(user, platform: p.name) else { return await refuse(u, platform: p) }
        try? store.setInboxState(p.name, item.updateID, .working)
        let key = "\(p.name):\(chat)"
        switch Self.command(text) {
        case "start":
            _ = try? await p.send("Hi — I'm Talaria. Ask me anything. /new starts over, /stop interrupts, /status shows the session.", to: chat, buttons: [])
            return
        case "new", "reset":
            if let s = sessions.removeValue(forKey: key) { await host.close(s.id) }
            try? store.setGatewaySession(platform: p.name, chat: chat, session: nil)
            _ = try? await p.send("Started a new conversation.", to: chat, buttons: [])
            return
        case "status":
            let sid = sessions[key]?.id ?? ((try? store.gatewaySession(platform: p.name, chat: chat)) ?? nil)
            let count = sid.flatMap { try? store.messages(sessionID: $0).count } ?? 0
            let busy = await sessions[key]?.isBusy ?? false
            _ = try? await p.send(sid.map { "Session `\($0)` · \(host.builder.settings.model) · \(count) messages · \(busy ? "working" : "idle")" }
                                  ?? "No conversation yet: send a message to start one.", to: chat, buttons: [])
            return
        default: break
        }
        log("\(p.name): message from \(name) in \(chat)")
        let session: HostedSession
        do { session = try await open(key, platform: p, chat: chat) } catch {
            _ = try? await p.send("I cannot start a session: \(error)", to: chat, buttons: [])
            return
        }
        var turn = UserTurn(text: text)
        if let files, !files.isEmpty {
            turn = await ChatFiles.receive(files, text: text, updateID: item.updateID, folder: filesFolder(p.name), platform: p)
        }
        await converse(turn, in: session, chat: chat, platform: p)
    }

    /// Where files users send are kept: private to the user running the gateway.
    func filesFolder(_ platform: String) -> String { host.builder.settings.paths.home + "/gateway/files/" + platform }

    private func open(_ key: String, platform p: any ChatPlatform, chat: String) async throws(HostError) -> HostedSession {
        if let s = sessions[key], !(await s.isClosed) { return s }
        let platform = p.name
        let stored = (try? store.gatewaySession(platform: platform, chat: chat)) ?? nil
        var request = SessionRequest(cwd: workdir, source: .gateway, resume: stored, interactive: true)
        request.toolSources = [ChatToolSource(platform: p, chat: chat)]
        let session: HostedSession
        do { session = try await host.open(request) } catch where stored != nil {
            request.resume = nil // the stored session is gone: a new one
            session = try await host.open(request)
        }
        sessions[key] = session
        try? store.setGatewaySession(platform: platform, chat: chat, session: session.id)
        return session
    }

    /// One turn: typing while it works, the answer streamed by editing one message where the
    /// platform allows, then sent whole in parts; approvals asked with buttons on the way.
    private func converse(_ turn: UserTurn, in session: HostedSession, chat: String, platform p: any ChatPlatform) async {
        // A driver: approvals are asked of drivers only; the chat is where they are answered.
        let attachment = await session.attach(.driver)
        defer { Task { await session.detach(attachment.id) } }
        let submission: Int
        do { submission = try await session.submit(.userTurn(turn)) } catch {
            _ = try? await p.send("I cannot take that message: \(error)", to: chat, buttons: [])
            return
        }
        let typing = Task {
            while !Task.isCancelled {
                await p.typing(in: chat)
                try? await Task.sleep(for: .seconds(4))
            }
        }
        defer { typing.cancel() }
        var stream = StreamedReply(limit: p.maxLength - 96, streams: p.canEdit, redactor: redactor)
        for await e in attachment.events where e.submissionID == submission {
            switch e.event {
            case .messageDelta(_, let t):
                stream.text += t
                if stream.shouldShow(now: Date()) { await stream.show(p, chat: chat) }
            case .messageCompleted:
                stream.resetDraft()
            case .approvalRequested(let request):
                await askApproval(request, session: session, chat: chat, platform: p)
            case .turnCompleted(let done):
                await stream.finish(done.finalText, p, chat: chat)
                return
            case .turnAborted(let aborted):
                await stream.finish(aborted.reason == .interrupted ? "Stopped." : "I could not finish: \(aborted.message)", p, chat: chat)
                return
            default: break
            }
        }
    }

    private func askApproval(_ request: ApprovalRequest, session: HostedSession, chat: String, platform p: any ChatPlatform) async {
        let buttons = [ChatButton("Once", data: "ap:\(request.callID):once"), ChatButton("This session", data: "ap:\(request.callID):session"),
                       ChatButton("Always", data: "ap:\(request.callID):always"), ChatButton("Deny", data: "ap:\(request.callID):deny")]
        let text = "Run `\(request.command)`?\n\(request.reason). Reply yes or no, or use a button (denied in \(Int(approvalTimeout)) s)."
        // Waiting before the question goes out: a press that comes back at once finds it.
        let seconds = approvalTimeout
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: .seconds(seconds))
            if !Task.isCancelled { _ = await self?.decide(request.callID, .deny, by: "the timeout") }
        }
        approvals[request.callID] = PendingApproval(platform: p.name, chat: chat, messageID: "", session: session, command: request.command, timeout: timeout)
        guard let id = try? await p.send(text, to: chat, buttons: buttons) else {
            _ = await decide(request.callID, .deny, by: "a failed send")
            return
        }
        if approvals[request.callID] != nil { approvals[request.callID]?.messageID = id } else {
            // Answered before the send returned: the question now says how.
            try? await p.edit(id, in: chat, to: answeredEarly.removeValue(forKey: request.callID) ?? "`\(request.command)` — answered")
        }
    }

    /// Forgets a chat's open session (as /new does, without a message to the chat).
    public func forget(platform: String, chat: String) async throws(StoreError) {
        if let s = sessions.removeValue(forKey: "\(platform):\(chat)") { await host.close(s.id) }
        try store.setGatewaySession(platform: platform, chat: chat, session: nil)
    }

    /// Closes every chat's session (their turns commit).
    public func shutdown() async {
        for t in approvals.values { t.timeout.cancel() }
        for s in sessions.values { await host.close(s.id) }
        sessions.removeAll()
    }

    /// Chats with an open session (the benchmark's figure).
    public var openChats: Int { sessions.count }
}

/// An answer on its way to a chat: shown once there is something to show, edited at most every
/// 1.5 s (platforms limit edits), then replaced by the whole answer in as many parts as it needs.
struct StreamedReply {
    let limit: Int
    /// Whether the platform edits messages (else the answer is only sent whole).
    let streams: Bool
    var text = ""
    var messageID: String?
    var shownAt: Date?
    let started = Date()
    let redactor: SecretRedactor

    init(limit: Int, streams: Bool, redactor: SecretRedactor = SecretRedactor(environment: [:])) {
        self.limit = limit
        self.streams = streams
        self.redactor = redactor
    }

    func shouldShow(now: Date) -> Bool {
        guard streams, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count < limit else { return false }
        if let shownAt { return now.timeIntervalSince(shownAt) >= 1.5 }
        return now.timeIntervalSince(started) >= 1
    }

    mutating func show(_ p: any ChatPlatform, chat: String) async {
        shownAt = Date()
        let draft = redactor.redact(text) + " …"
        if let messageID { try? await p.edit(messageID, in: chat, to: draft) } else {
            messageID = try? await p.send(draft, to: chat, buttons: [])
        }
    }

    /// A step of the turn ended (a tool call follows): the next text starts afresh.
    mutating func resetDraft() {
        text = ""
    }

    mutating func finish(_ answer: String, _ p: any ChatPlatform, chat: String) async {
        let parts = ChatText.split(answer.isEmpty ? "(no answer)" : answer, limit: limit)
        var rest = parts[...]
        if let messageID, let first = rest.first {
            do { try await p.edit(messageID, in: chat, to: first); rest = rest.dropFirst() } catch {}
        }
        for part in rest { _ = try? await p.send(part, to: chat, buttons: []) }
    }
}
