import AgentProtocol
import Crypto
import Foundation
import Hummingbird
import LLMClient
import Logging
import NIOCore
import Synchronization

/// WhatsApp over the Cloud API: Meta posts messages to our webhook (`POST /webhook`, signed with
/// the app secret in `X-Hub-Signature-256`; `GET /webhook` answers the subscription handshake
/// with the verify token), and answers go out through the Graph API
/// (`{base_url}/{phone_number_id}/messages`). The webhook says 200 only once the gateway has
/// stored the update, so Meta delivers again whatever a crash lost. No edits (answers come whole),
/// up to three reply buttons.
public final class WhatsAppPlatform: ChatPlatform, @unchecked Sendable {
    public let name = "whatsapp"
    public let maxLength = 4096
    public var canEdit: Bool { false }
    let token: String
    let phoneNumberID: String
    let appSecret: String
    let verifyToken: String
    let baseURL: String
    let host: String
    let port: Int
    let transport: any HTTPStreamTransport
    let pollTimeout: Double

    /// Updates delivered by the webhook, not yet polled; waiters for their storing, by id.
    private let state = Mutex<(buffered: [ChatUpdate], waiting: [String: [CheckedContinuation<Bool, Never>]])>(([], [:]))
    private var server: Task<Void, any Error>?
    /// The port the webhook listens on (a free one when `listen` asks for port 0).
    public private(set) var boundPort: Int?

    public init(token: String, phoneNumberID: String, appSecret: String, verifyToken: String, listen: String,
                baseURL: String = "https://graph.facebook.com/v21.0", transport: any HTTPStreamTransport, pollTimeout: Double = 20) {
        self.token = token
        self.phoneNumberID = phoneNumberID
        self.appSecret = appSecret
        self.verifyToken = verifyToken
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let colon = listen.lastIndex(of: ":") ?? listen.endIndex
        host = String(listen[..<colon])
        port = colon < listen.endIndex ? Int(listen[listen.index(after: colon)...]) ?? 8090 : 8090
        self.transport = transport
        self.pollTimeout = pollTimeout
    }

    // MARK: - The webhook

    /// Starts the webhook (once); returns when it listens.
    public func start() async throws {
        if server != nil { return }
        let router = Router()
        router.get("/webhook") { [self] request, _ -> Response in
            let q = request.uri.queryParameters
            guard q.get("hub.mode") == "subscribe", let given = q.get("hub.verify_token"), Self.same(given, verifyToken),
                  let challenge = q.get("hub.challenge") else { return Response(status: .forbidden) }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: challenge)))
        }
        router.post("/webhook") { [self] request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let bytes = Array(body.readableBytesView)
            guard let signature = request.headers[.init("X-Hub-Signature-256")!], Self.same(signature, "sha256=" + Self.hmac(bytes, key: appSecret)) else {
                return Response(status: .unauthorized)
            }
            guard let json = JSONReader.parse(String(decoding: bytes, as: UTF8.self)) else { return Response(status: .badRequest) }
            let updates = WhatsAppUpdates.decode(json)
            if updates.isEmpty { return Response(status: .ok) } // statuses (sent, read…): nothing to handle
            return await deliver(updates) ? Response(status: .ok) : Response(status: .serviceUnavailable)
        }
        var logger = Logger(label: "talaria.whatsapp")
        logger.logLevel = .warning
        let started = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "talaria"),
                              onServerRunning: { channel in started.continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        server = Task { try await app.run() }
        for await p in started.stream {
            boundPort = p
            break
        }
    }

    public func stop() { server?.cancel() }

    public func close() async { stop() }

    /// Hands updates to the next poll and waits (10 s at most) until they are stored.
    private func deliver(_ updates: [ChatUpdate]) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            for u in updates {
                group.addTask { [self] in
                    await withCheckedContinuation { c in
                        state.withLock { s in
                            s.waiting[u.id, default: []].append(c)
                            s.buffered.append(u)
                        }
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return false
            }
            var ok = 0
            for await stored in group {
                guard stored else { group.cancelAll(); return false }
                ok += 1
                if ok == updates.count { group.cancelAll(); return true }
            }
            return false
        }
    }

    public func stored(_ ids: [String]) async {
        let ready = state.withLock { s in ids.flatMap { s.waiting.removeValue(forKey: $0) ?? [] } }
        for c in ready { c.resume(returning: true) }
    }

    public func poll(after cursor: String?) async throws(PlatformError) -> (updates: [ChatUpdate], cursor: String?) {
        do { try await start() } catch { throw PlatformError(.unauthorized, "WhatsApp: cannot listen on \(host):\(port): \(error)") }
        let deadline = Date().addingTimeInterval(pollTimeout)
        while true {
            let out = state.withLock { s in defer { s.buffered.removeAll() }; return s.buffered }
            if !out.isEmpty { return (out, cursor) }
            if Task.isCancelled || Date() >= deadline { return ([], cursor) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    static func hmac(_ bytes: [UInt8], key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: Data(key.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Compares in time independent of where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

}
