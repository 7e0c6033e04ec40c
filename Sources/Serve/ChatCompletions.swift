import AgentProtocol
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SessionHost
import Store

/// The OpenAI-compatible facade: `POST /v1/chat/completions` runs an agent turn — tools and all,
/// on the server — and answers with its final text; `GET /v1/models` names the one model.
///
/// A conversation maps to a session so: with the header `X-Talaria-Session: ID` the request's
/// last user message is the next turn of that session (the rest of `messages` is already
/// there); without it each request is a new session, and the messages before the last user
/// message are given to it as the conversation so far. Every answer names its session in the
/// same header, so a client may continue it. Commands that need approval follow the server's
/// policy with nobody to ask: refused unless `talaria serve --yes`, as in `talaria -p`.
struct ChatCompletions: Sendable {
    let routes: SessionRoutes
    /// The model the server's sessions use (what `/v1/models` lists).
    let model: String

    static let sessionHeader = HTTPField.Name("X-Talaria-Session")!

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/models") { _, _ in
            API.json(["object": AnyEncodable("list"),
                      "data": AnyEncodable([["id": model, "object": "model", "owned_by": "talaria"]])])
        }
        router.post("/v1/chat/completions") { request, _ in await complete(request) }
    }

    func complete(_ request: Request) async -> Response {
        let body: ChatRequest
        switch await API.decode(ChatRequest.self, from: request) {
        case .success(let b): body = b
        case .failure(let f): return f.response
        }
        guard let lastUser = body.messages.lastIndex(where: { $0.role == "user" }),
              !body.messages[lastUser].content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return API.error(.badRequest, "invalid_request", "messages has no user message with text")
        }
        let session: HostedSession
        var text = body.messages[lastUser].content
        let named = request.headers[Self.sessionHeader]
        do {
            if let named {
                guard let info = try? routes.host.store.session(id: named) else { return API.error(.notFound, "not_found", "no session \(named)") }
                session = try await routes.host.open(facadeRequest(resume: info.id, cwd: info.cwd))
            } else {
                session = try await routes.host.open(facadeRequest(resume: nil, cwd: nil))
                text = Self.withHistory(Array(body.messages[..<lastUser]), then: text)
            }
        } catch {
            return API.error(.badRequest, "invalid_request", error.message)
        }
        if await session.isBusy { return API.error(.conflict, "session_busy", "session \(session.id) is answering another request") }
        let attachment = await session.attach(.observer)
        let submission: Int
        do { submission = try await session.submit(.userTurn(UserTurn(text: text))) } catch {
            await session.detach(attachment.id)
            return API.error(.conflict, "session", error.message)
        }
        let id = "chatcmpl-" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let created = Int(Date().timeIntervalSince1970)
        let transient = named == nil
        let host = routes.host
        let finish: @Sendable () async -> Void = {
            await session.detach(attachment.id)
            if transient { await host.retire(session.id) }
        }
        var headers: HTTPFields = [:]
        headers[Self.sessionHeader] = session.id
        if body.stream == true {
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            let model = model
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                func send(_ chunk: [String: AnyEncodable]) async throws {
                    var buffer = ByteBuffer(string: "data: ")
                    buffer.writeBytes((try? API.encoder.encode(chunk)) ?? Data())
                    buffer.writeString("\n\n")
                    try await writer.write(buffer)
                }
                func chunk(_ delta: [String: String], finish: String? = nil) -> [String: AnyEncodable] {
                    ["id": AnyEncodable(id), "object": AnyEncodable("chat.completion.chunk"), "created": AnyEncodable(created),
                     "model": AnyEncodable(model),
                     "choices": AnyEncodable([ChunkChoice(index: 0, delta: delta, finish_reason: finish)])]
                }
                do {
                    try await send(chunk(["role": "assistant"]))
                    var streamedMessage = ""
                    var lastItem: String?
                    for await e in attachment.events where e.submissionID == submission {
                        switch e.event {
                        case .messageDelta(let item, let piece):
                            if item != lastItem {
                                if lastItem != nil, !streamedMessage.isEmpty { try await send(chunk(["content": "\n\n"])) }
                                lastItem = item
                                streamedMessage = ""
                            }
                            streamedMessage += piece
                            try await send(chunk(["content": piece]))
                        case .turnCompleted(let done):
                            // An answer the model did not stream (the loop guard's account) is sent whole.
                            if done.finalText != streamedMessage, !done.finalText.isEmpty {
                                try await send(chunk(["content": (streamedMessage.isEmpty ? "" : "\n\n") + done.finalText]))
                            }
                            try await send(chunk([:], finish: done.reachedIterationLimit ? "length" : "stop"))
                        case .turnAborted(let aborted):
                            try await send(["error": AnyEncodable(["message": aborted.message, "type": aborted.reason.rawValue])])
                        default:
                            continue
                        }
                        if e.event.endsTurn { break }
                    }
                    try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                    try await writer.finish(nil)
                } catch {
                    // The client went away: the turn stops with it.
                    _ = try? await session.submit(.interrupt)
                }
                await finish()
            })
        }
        var outcome: AgentEvent?
        for await e in attachment.events where e.submissionID == submission && e.event.endsTurn {
            outcome = e.event
            break
        }
        await finish()
        switch outcome {
        case .turnCompleted(let done)?:
            let completion: [String: AnyEncodable] = [
                "id": AnyEncodable(id), "object": AnyEncodable("chat.completion"), "created": AnyEncodable(created), "model": AnyEncodable(model),
                "choices": AnyEncodable([Choice(index: 0, message: ["role": "assistant", "content": done.finalText],
                                                finish_reason: done.reachedIterationLimit ? "length" : "stop")]),
                "usage": AnyEncodable(["prompt_tokens": done.usage.promptTokens, "completion_tokens": done.usage.completionTokens,
                                       "total_tokens": done.usage.promptTokens + done.usage.completionTokens]),
            ]
            return API.json(completion, headers: headers)
        case .turnAborted(let aborted)?:
            var response = API.error(aborted.reason == .interrupted ? .serviceUnavailable : .badGateway, aborted.reason.rawValue, aborted.message)
            response.headers[Self.sessionHeader] = session.id
            return response
        default:
            return API.error(.internalServerError, "session", "session \(session.id) ended without an answer")
        }
    }

    func facadeRequest(resume: String?, cwd: String?) -> SessionRequest {
        var request = routes.request(cwd: cwd, model: nil, resume: resume)
        request.interactive = false
        return request
    }

    /// The earlier messages of a request without a session, for the model to read first.
    static func withHistory(_ earlier: [ChatRequest.Message], then text: String) -> String {
        let lines = earlier.filter { !$0.content.isEmpty }.map { "\($0.role): \($0.content)" }
        guard !lines.isEmpty else { return text }
        return "<conversation_so_far>\n" + lines.joined(separator: "\n\n") + "\n</conversation_so_far>\n\n" + text
    }

    struct Choice: Encodable {
        var index: Int
        var message: [String: String]
        var finish_reason: String
    }

    struct ChunkChoice: Encodable {
        var index: Int
        var delta: [String: String]
        var finish_reason: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(delta, forKey: .delta)
            try c.encode(finish_reason, forKey: .finish_reason) // null until the last chunk, as OpenAI sends it
        }

        enum CodingKeys: String, CodingKey { case index, delta, finish_reason }
    }
}

/// Heterogeneous JSON objects without a type for each.
struct AnyEncodable: Encodable, Sendable {
    private let value: any Encodable & Sendable
    init(_ value: some Encodable & Sendable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

extension AgentEvent {
    var endsTurn: Bool {
        switch self {
        case .turnCompleted, .turnAborted: true
        default: false
        }
    }
}
