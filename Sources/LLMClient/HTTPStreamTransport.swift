import Foundation

/// An HTTP request as the LLM and probe code builds it.
public struct HTTPRequest: Sendable, Hashable {
    public var url: URL
    public var method: String
    public var headers: [String: String]
    public var body: Data?
    /// Seconds to wait for the connection to be established.
    public var connectTimeout: Double
    /// Seconds without any received byte after which the request fails (a stalled stream).
    public var idleTimeout: Double
    /// Follow redirects (a download whose address sends it to a CDN); API requests do not.
    public var followRedirects: Bool
    /// Connect to this address instead of resolving the URL's host ("host:port:address", as
    /// curl's `--resolve`): a checked address cannot be swapped by a second DNS answer.
    public var pinnedAddress: String?

    public init(url: URL, method: String = "GET", headers: [String: String] = [:], body: Data? = nil,
                connectTimeout: Double = 10, idleTimeout: Double = 300, followRedirects: Bool = false) {
        self.followRedirects = followRedirects
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
    }
}

/// A piece of an HTTP response: the head once, then body bytes as they arrive.
public enum HTTPStreamPart: Sendable, Hashable {
    /// Status and headers; header names are lowercased.
    case head(status: Int, headers: [String: String])
    case body(Data)
}

/// The one error type that transports throw.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// DNS, refused, reset: nothing or only part of the response arrived.
        case connectionFailed
        /// The connect or idle timeout passed.
        case timedOut
        /// The caller cancelled.
        case cancelled
        /// Anything else the transport reports (TLS, bad URL).
        case other
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Moves HTTP requests and streams their responses; the seam between wire logic and libcurl.
///
/// Cancelling the task that iterates the stream cancels the request.
public protocol HTTPStreamTransport: Sendable {
    func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error>
}

/// A complete, non-streamed response.
public struct HTTPResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data
}

extension HTTPStreamTransport {
    /// Sends a request and collects the whole response.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var status = 0
        var headers: [String: String] = [:]
        var body = Data()
        for try await part in stream(request) {
            switch part {
            case .head(let s, let h): status = s; headers = h
            case .body(let d): body.append(d)
            }
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }
}
