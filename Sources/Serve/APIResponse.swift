import Foundation
import Hummingbird

/// JSON in and out of the API, and its errors in one shape:
/// `{"error": {"message": "...", "type": "not_found"}}` (OpenAI's, so its clients show them).
enum API {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    /// The largest request body read (a prompt with pasted files fits; a runaway upload does not).
    static let maxBody = 4 << 20

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ type: String, _ message: String) -> Response {
        json(["error": ["message": message, "type": type]], status: status)
    }

    /// The body as `T`, or the error response that says what is wrong with it.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, emptyIs empty: T? = nil) async -> Result<T, APIFailure> {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: maxBody) } catch {
            return .failure(APIFailure(.contentTooLarge, "request_too_large", "the body is over \(maxBody >> 20) MiB"))
        }
        return RequestBodies.decode(type, from: Data(buffer.readableBytesView), emptyIs: empty)
            .mapError { APIFailure(.badRequest, "invalid_request", $0.message) }
    }
}

/// A request the API refuses, as its response.
struct APIFailure: Error {
    var status: HTTPResponse.Status
    var type: String
    var message: String

    init(_ status: HTTPResponse.Status, _ type: String, _ message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    var response: Response { API.error(status, type, message) }
}

/// Every route but none: a request without the server's bearer token gets 401 and nothing else.
struct BearerAuth<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let given = request.headers[.authorization].flatMap { value -> String? in
            let parts = value.split(separator: " ", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]).trimmingCharacters(in: .whitespaces) : nil
        }
        guard let given, constantTimeEquals(given, token) else {
            var response = API.error(.unauthorized, "unauthorized",
                                     given == nil ? "send Authorization: Bearer TOKEN (the token is in serve.token)" : "wrong token")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }
}
