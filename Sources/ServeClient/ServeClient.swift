import AgentProtocol
import Foundation
import LLMClient

/// A client of `talaria serve`'s native API (`talaria attach`, the serve benchmark).
public struct ServeClient: Sendable {
    public var base: URL
    public var token: String
    public let transport: any HTTPStreamTransport

    public init(base: URL, token: String, transport: any HTTPStreamTransport) {
        self.base = base
        self.token = token
        self.transport = transport
    }

    /// What went wrong, for the user: the server's own message when it sent one.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var status: Int
        public var message: String
        public var description: String { message }
    }

    /// A session as the server describes it (the fields attach needs).
    public struct Session: Decodable, Sendable {
        public var id: String
        public var title: String?
        public var model: String
        public var cwd: String
        public var open: Bool
        public var busy: Bool
        /// Stored messages from before the server opened it (its event log covers the rest).
        public var priorMessages: Int?
        public var updatedAt: Date?
    }

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    /// Sends a request with a JSON body; the answer's body when the status is 2xx, else the server's error.
    @discardableResult
    public func call(_ method: String, _ path: String, json: some Encodable & Sendable) async throws(Failure) -> Data {
        try await call(method, path, body: try? JSONEncoder().encode(json))
    }

    /// Sends a request; the answer's body when the status is 2xx, else the server's error.
    @discardableResult
    public func call(_ method: String, _ path: String, body: Data? = nil) async throws(Failure) -> Data {
        var headers = ["Authorization": "Bearer \(token)"]
        if body != nil { headers["Content-Type"] = "application/json" }
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(url: base.appendingPathComponent(path), method: method, headers: headers, body: body,
                                                            connectTimeout: 5, idleTimeout: 120))
        } catch {
            throw Failure(status: 0, message: "cannot reach talaria serve at \(base.absoluteString): \(error)")
        }
        guard (200..<300).contains(response.status) else {
            let message = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])
                .flatMap { ($0["error"] as? [String: Any])?["message"] as? String }
            throw Failure(status: response.status, message: message ?? (response.status == 401 ? "the server refused the token" : "HTTP \(response.status)"))
        }
        return response.body
    }

    public func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws(Failure) -> T {
        do { return try Self.decoder.decode(T.self, from: data) } catch {
            throw Failure(status: 0, message: "the server's answer does not fit: \(error)")
        }
    }

    public func session(_ id: String) async throws(Failure) -> Session {
        try decode(Session.self, try await call("GET", "sessions/\(id)"))
    }

    public func sessions() async throws(Failure) -> [Session] {
        struct List: Decodable { var sessions: [Session] }
        return try decode(List.self, try await call("GET", "sessions")).sessions
    }

    /// Creates a session (or opens a stored one on the server).
    public func open(cwd: String? = nil, resume: String? = nil) async throws(Failure) -> Session {
        try decode(Session.self, try await call("POST", "sessions", json: ["cwd": cwd, "resume": resume].compactMapValues { $0 }))
    }

    public func messages(_ id: String) async throws(Failure) -> Data {
        try await call("GET", "sessions/\(id)/messages")
    }

    /// Submits an op; its submission id.
    @discardableResult
    public func submit(_ op: Op, to id: String) async throws(Failure) -> Int {
        struct Accepted: Decodable { var submission: Int }
        return try decode(Accepted.self, try await call("POST", "sessions/\(id)/ops", json: op)).submission
    }

    /// The session's events as they arrive: this run's transcript first (or what came after
    /// `after`), then live ones. Ends when the server ends the stream or the connection drops.
    public func events(_ id: String, after: Int? = nil) -> AsyncThrowingStream<EventEnvelope, any Error> {
        var headers = ["Authorization": "Bearer \(token)", "Accept": "text/event-stream"]
        if let after { headers["Last-Event-ID"] = String(after) }
        let parts = transport.stream(HTTPRequest(url: base.appendingPathComponent("sessions/\(id)/events"), headers: headers,
                                                 connectTimeout: 5, idleTimeout: 3600))
        return AsyncThrowingStream { continuation in
            let task = Task {
                var parser = SSEFrames()
                do {
                    for try await part in parts {
                        switch part {
                        case .head(let status, _) where status != 200:
                            throw Failure(status: status, message: status == 401 ? "the server refused the token" : "HTTP \(status) for the event stream")
                        case .head: continue
                        case .body(let data):
                            for payload in parser.feed(data) {
                                if let e = try? Self.decoder.decode(EventEnvelope.self, from: Data(payload.utf8)) { continuation.yield(e) }
                            }
                        }
                    }
                    continuation.finish()
                } catch { continuation.finish(throwing: error) }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Server-sent events' `data:` payloads out of a byte stream cut anywhere.
public struct SSEFrames: Sendable {
    private var pending = Data()

    public init() {}

    public mutating func feed(_ data: Data) -> [String] {
        pending.append(data)
        var out: [String] = []
        while let end = pending.firstRange(of: Data("\n\n".utf8)) {
            let frame = String(decoding: pending[pending.startIndex..<end.lowerBound], as: UTF8.self)
            pending.removeSubrange(pending.startIndex..<end.upperBound)
            let data = frame.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("data:") }
                .map { $0.dropFirst(5).drop { $0 == " " } }
            if !data.isEmpty { out.append(data.joined(separator: "\n")) }
        }
        return out
    }
}
