import AgentProtocol
import Foundation

// What the API's requests carry, and how a body is read: the one place a client's JSON becomes
// typed values (Foundation and AgentProtocol only, so the fuzzer builds it alone).

/// `POST /v1/chat/completions`.
struct ChatRequest: Decodable {
    var model: String?
    var messages: [Message]
    var stream: Bool?

    struct Message: Decodable {
        var role: String
        var content: String

        enum CodingKeys: String, CodingKey { case role, content }
        struct Part: Decodable { var type: String; var text: String? }

        /// `content` as a string, or as OpenAI's parts (their text joined); anything else is empty.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            role = try c.decode(String.self, forKey: .role)
            if let text = try? c.decodeIfPresent(String.self, forKey: .content) {
                content = text
            } else if let parts = try? c.decodeIfPresent([Part].self, forKey: .content) {
                content = parts.compactMap { $0.type == "text" ? $0.text : nil }.joined(separator: "\n")
            } else {
                content = ""
            }
        }
    }
}

/// `POST /sessions`.
struct CreateBody: Decodable {
    var cwd: String?
    var model: String?
    /// Continue this stored session (id or unique prefix).
    var resume: String?
}

/// `POST /sessions/{id}/fork`.
struct ForkBody: Decodable {
    /// The last message the fork keeps (its id in `GET /sessions/{id}/messages`); all when absent.
    var through: Int64?
    var model: String?
}

/// `POST /sessions/{id}/prompt`.
struct PromptBody: Decodable {
    var text: String
}

/// `POST /sessions/{id}/approvals/{call}`.
struct ApprovalBody: Decodable {
    var decision: ApprovalDecision
}

/// `POST /sessions/{id}/questions/{call}`.
struct AnswerBody: Decodable {
    /// The user's words or the choice picked; null or absent: skipped.
    var answer: String?
}

/// Why a body was refused, in words for the client (the API answers 400 with them).
struct BodyProblem: Error, Equatable {
    var message: String
}

enum RequestBodies {
    /// `data` as `T` (`empty` when there is no body and one is allowed), or what is wrong with it.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, emptyIs empty: T? = nil) -> Result<T, BodyProblem> {
        if data.isEmpty, let empty { return .success(empty) }
        do { return .success(try JSONDecoder().decode(T.self, from: data)) } catch let DecodingError.keyNotFound(key, _) {
            return .failure(BodyProblem(message: "the body lacks \"\(key.stringValue)\""))
        } catch let DecodingError.typeMismatch(_, context) {
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(BodyProblem(message: "\"\(at)\" has the wrong type: \(context.debugDescription)"))
        } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
            return .failure(BodyProblem(message: "the body is not JSON"))
        } catch {
            return .failure(BodyProblem(message: "the body does not fit: \(error)"))
        }
    }
}
