import AgentProtocol
import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import SessionHost
import Synchronization

/// `GET /sessions/{id}/events`: the session's `EventEnvelope`s as server-sent events, each with
/// its `seq` as the event id. A client that reconnects with `Last-Event-ID` (or `?after=SEQ`)
/// gets what it missed and nothing twice, then the live events; without one it gets this run's
/// transcript so far first. The stream is a driver's: approval requests arrive on it, and any
/// client may answer them.
struct EventStream: Sendable {
    let routes: SessionRoutes
    /// A comment line this often keeps proxies from closing an idle stream and tells the server
    /// that the client has gone.
    var keepAlive: Duration = .seconds(15)
    /// Live events are encoded once for all of a session's subscribers.
    let frames = FrameCache()

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func register(on router: Router<BasicRequestContext>) {
        router.get("/sessions/:id/events") { request, context in await events(request, context) }
    }

    func events(_ request: Request, _ context: BasicRequestContext) async -> Response {
        let session: HostedSession
        switch await routes.live(context) {
        case .success(let s): session = s
        case .failure(let f): return f.response
        }
        let after = request.headers[Self.lastEventID].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            ?? request.uri.queryParameters.get("after").flatMap { Int($0) }
        let attachment = await session.attach(.driver, after: after)
        let keepAlive = keepAlive
        let frames = frames
        let sid = session.id
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // Events and keep-alives through one stream, so one loop writes and notices a
            // client that has gone (its write fails) even while the session is quiet.
            let (lines, sink) = AsyncStream<ByteBuffer>.makeStream()
            let pump = Task {
                for e in attachment.history { sink.yield(Self.frame(e)) }
                for await e in attachment.events { sink.yield(frames.frame(sid, e)) }
                sink.finish()
            }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: keepAlive)
                    sink.yield(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            defer {
                pump.cancel()
                ticker.cancel()
            }
            // The server's graceful shutdown (SIGTERM, SIGINT) waits for every response to end;
            // this one would not end on its own, so shutdown ends it: the client sees the stream
            // close and reconnects with Last-Event-ID, missing nothing.
            await withGracefulShutdownHandler {
                do {
                    for await line in lines { try await writer.write(line) }
                    try await writer.finish(nil)
                } catch {}
            } onGracefulShutdown: {
                sink.finish()
            }
            await session.detach(attachment.id)
        })
    }

    static func frame(_ envelope: EventEnvelope) -> ByteBuffer {
        let data = (try? API.encoder.encode(envelope)) ?? Data("{}".utf8)
        var buffer = ByteBuffer(string: "id: \(envelope.seq)\ndata: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }
}

/// The SSE frames of recent live events, by session and seq: ten subscribers of a session cost
/// one JSON encoding per event, not ten. (History is not cached: a merged delta carries the seq
/// of its last piece with more text.)
final class FrameCache: Sendable {
    private let state = Mutex<(frames: [String: ByteBuffer], order: [String])>(([:], []))
    private let capacity = 4096

    func frame(_ session: String, _ envelope: EventEnvelope) -> ByteBuffer {
        let key = "\(session)#\(envelope.seq)"
        if let hit = state.withLock({ $0.frames[key] }) { return hit }
        let buffer = EventStream.frame(envelope)
        state.withLock { s in
            guard s.frames[key] == nil else { return }
            s.frames[key] = buffer
            s.order.append(key)
            if s.order.count > capacity {
                for old in s.order.prefix(capacity / 4) { s.frames[old] = nil }
                s.order.removeFirst(capacity / 4)
            }
        }
        return buffer
    }
}
