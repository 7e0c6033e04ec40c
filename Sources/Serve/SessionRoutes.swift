import AgentProtocol
import Config
import Foundation
import Hummingbird
import SessionHost
import Store

/// The native API: sessions (create, list, show, fork, stop), their messages, ops, prompts and
/// approvals. Events are `EventStream`'s.
struct SessionRoutes: Sendable {
    let host: SessionHost
    /// Where a session created without a folder works (the server's working directory).
    let defaultCwd: String
    /// The server's approval policy over config.yaml's (`--yes`).
    let approvals: ApprovalPolicy?

    /// A session as the API shows it: what the store knows, and whether it is open here.
    struct SessionView: Codable, Sendable {
        var id: String
        var title: String?
        var model: String
        var cwd: String
        var source: String
        var createdAt: Date
        var updatedAt: Date
        var messageCount: Int
        var parentId: String?
        var open: Bool
        var busy: Bool
        var attachments: Int
        /// For an open session: the stored messages from before the server opened it (its event
        /// stream's transcript covers the rest; `talaria attach` shows both).
        var priorMessages: Int?
        /// The seq of the newest event of this run (a client resuming its stream starts after it).
        var lastSeq: Int?
    }

    struct Accepted: Encodable {
        var submission: Int
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/sessions") { request, _ in await list(request) }
        router.post("/sessions") { request, _ in await create(request) }
        router.get("/sessions/:id") { _, context in await show(context) }
        router.delete("/sessions/:id") { _, context in await stop(context) }
        router.post("/sessions/:id/fork") { request, context in await fork(request, context) }
        router.get("/sessions/:id/messages") { _, context in await messages(context) }
        router.post("/sessions/:id/ops") { request, context in await op(request, context) }
        router.post("/sessions/:id/prompt") { request, context in await prompt(request, context) }
        router.post("/sessions/:id/approvals/:call") { request, context in await approve(request, context) }
        router.post("/sessions/:id/questions/:call") { request, context in await answer(request, context) }
    }

    func request(cwd: String?, model: String?, resume: String?) -> SessionRequest {
        SessionRequest(cwd: cwd.map { UserHome.expand($0) } ?? defaultCwd, source: .serve, resume: resume, model: model,
                       approvals: approvals, interactive: true)
    }

    /// The session `id` (or unique prefix): stored, open, or both. (A new session's row is
    /// written with its first message.)
    func view(_ id: String) async -> SessionView? {
        guard let info = try? host.store.session(id: id) else {
            guard let live = await host.session(id) else { return nil }
            let now = Date()
            return SessionView(id: live.id, title: nil, model: live.model, cwd: live.cwd, source: live.source.rawValue, createdAt: now, updatedAt: now,
                               messageCount: 0, parentId: nil, open: true, busy: await live.isBusy, attachments: await live.attachmentCount,
                               priorMessages: live.priorMessages, lastSeq: await live.lastSeq)
        }
        let live = await host.session(info.id)
        return SessionView(id: info.id, title: info.title, model: info.model, cwd: info.cwd, source: info.source, createdAt: info.createdAt,
                           updatedAt: info.updatedAt, messageCount: info.messageCount, parentId: info.parentID, open: live != nil,
                           busy: await live?.isBusy ?? false, attachments: await live?.attachmentCount ?? 0,
                           priorMessages: live?.priorMessages, lastSeq: await live?.lastSeq)
    }

    /// `GET /sessions`: the open ones; `?stored=N`: the N most recent stored ones too.
    func list(_ request: Request) async -> Response {
        var ids = await host.list().map(\.id)
        if let n = request.uri.queryParameters.get("stored").flatMap({ Int($0) }), n > 0 {
            let stored = (try? host.store.sessions(limit: min(n, 1000)).map(\.id)) ?? []
            ids += stored.filter { !ids.contains($0) }
        }
        var views: [SessionView] = []
        for id in ids { if let v = await view(id) { views.append(v) } }
        return API.json(["sessions": views])
    }

    func create(_ request: Request) async -> Response {
        let body: CreateBody
        switch await API.decode(CreateBody.self, from: request, emptyIs: CreateBody()) {
        case .success(let b): body = b
        case .failure(let f): return f.response
        }
        if let cwd = body.cwd {
            var isDir: ObjCBool = false
            let path = UserHome.expand(cwd)
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
                return API.error(.badRequest, "invalid_request", "no folder \(cwd) on the server")
            }
        }
        do {
            let session = try await host.open(self.request(cwd: body.cwd, model: body.model, resume: body.resume))
            return await opened(session)
        } catch {
            return API.error(error.kind == .notFound ? .notFound : .badRequest, "invalid_request", error.message)
        }
    }

    func opened(_ session: HostedSession) async -> Response {
        guard let v = await view(session.id) else { return API.error(.internalServerError, "store", "session \(session.id) is not in the store") }
        return API.json(v, status: .created, headers: [.location: "/sessions/\(session.id)"])
    }

    func show(_ context: BasicRequestContext) async -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let v = await view(id) else { return API.error(.notFound, "not_found", "no session \(id)") }
        return API.json(v)
    }

    func stop(_ context: BasicRequestContext) async -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let session = await host.session(id) else { return API.error(.notFound, "not_found", "session \(id) is not open") }
        await host.close(session.id)
        return Response(status: .noContent)
    }

    func fork(_ request: Request, _ context: BasicRequestContext) async -> Response {
        let id = context.parameters.get("id") ?? ""
        let body: ForkBody
        switch await API.decode(ForkBody.self, from: request, emptyIs: ForkBody()) {
        case .success(let b): body = b
        case .failure(let f): return f.response
        }
        guard let info = try? host.store.session(id: id) else { return API.error(.notFound, "not_found", "no session \(id)") }
        do {
            let session = try await host.fork(info.id, through: body.through, request: self.request(cwd: info.cwd, model: body.model, resume: nil))
            return await opened(session)
        } catch {
            return API.error(.badRequest, "invalid_request", error.message)
        }
    }

    func messages(_ context: BasicRequestContext) async -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let info = try? host.store.session(id: id), let stored = try? host.store.messages(sessionID: info.id) else {
            // Open but nothing said yet: its row is written with the first message.
            if await host.session(id) != nil { return API.json(["messages": [StoredMessage]()]) }
            return API.error(.notFound, "not_found", "no session \(id)")
        }
        return API.json(["messages": stored])
    }

    /// The open session, opening a stored one on demand (a client may drive any stored session).
    func live(_ context: BasicRequestContext) async -> Result<HostedSession, APIFailure> {
        let id = context.parameters.get("id") ?? ""
        if let s = await host.session(id) { return .success(s) }
        guard let info = try? host.store.session(id: id) else { return .failure(APIFailure(.notFound, "not_found", "no session \(id)")) }
        do { return .success(try await host.open(request(cwd: info.cwd, model: nil, resume: info.id))) } catch {
            return .failure(APIFailure(.conflict, "session", error.message))
        }
    }

    func submit(_ op: Op, _ context: BasicRequestContext) async -> Response {
        let session: HostedSession
        switch await live(context) {
        case .success(let s): session = s
        case .failure(let f): return f.response
        }
        do { return API.json(Accepted(submission: try await session.submit(op)), status: .accepted) } catch {
            return API.error(error.kind == .closed ? .gone : .conflict, "session", error.message)
        }
    }

    /// `POST /sessions/{id}/ops`: any `Op` as JSON (`{"userTurn": {"_0": {"text": "hi"}}}`,
    /// `{"interrupt": {}}`, `{"approveTool": {"callID": "…", "decision": "once"}}`).
    func op(_ request: Request, _ context: BasicRequestContext) async -> Response {
        switch await API.decode(Op.self, from: request) {
        case .success(let op): return await submit(op, context)
        case .failure(let f): return f.response
        }
    }

    /// `POST /sessions/{id}/prompt {"text": "…"}`: a user turn.
    func prompt(_ request: Request, _ context: BasicRequestContext) async -> Response {
        switch await API.decode(PromptBody.self, from: request) {
        case .success(let body):
            guard !body.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return API.error(.badRequest, "invalid_request", "the prompt is empty")
            }
            return await submit(.userTurn(UserTurn(text: body.text)), context)
        case .failure(let f): return f.response
        }
    }

    /// `POST /sessions/{id}/approvals/{callID} {"decision": "once|session|always|deny"}`.
    func approve(_ request: Request, _ context: BasicRequestContext) async -> Response {
        switch await API.decode(ApprovalBody.self, from: request) {
        case .success(let body): return await submit(.approveTool(callID: context.parameters.get("call") ?? "", decision: body.decision), context)
        case .failure(let f): return f.response
        }
    }

    /// `POST /sessions/{id}/questions/{callID} {"answer": "…"}`: answers a clarifyRequested
    /// event (a choice as its text or its number; null skips).
    func answer(_ request: Request, _ context: BasicRequestContext) async -> Response {
        switch await API.decode(AnswerBody.self, from: request) {
        case .success(let body): return await submit(.answerClarify(callID: context.parameters.get("call") ?? "", answer: body.answer), context)
        case .failure(let f): return f.response
        }
    }
}
