import AgentProtocol
import CurlTransport
import Foundation
import LLMClient
import Testing
import TestSupport

/// Provider chaos: 500 turns against a server where 20 % of requests fail (429 with
/// Retry-After, 500, a stream cut midway, a malformed chunk, a stream error, no [DONE], a reset
/// connection, a stall past the idle timeout, an empty answer). Every turn ends answered — its
/// text exactly once, however many attempts it took — or with an error that says what happened.
@Suite("provider chaos", .serialized)
struct ChaosTests {
    @Test("500 turns with 20 % faults: each answered exactly once or failed with a clear error")
    func chaos() async throws {
        let server = try await FakeLLMServer()
        let transport = CurlTransport()
        let client = LLMClient(endpoint: Endpoint(baseURL: URL(string: server.baseURL)!, apiKey: nil, model: "fake"), transport: transport,
                               retry: RetryPolicy(maxRetries: 3, baseDelay: 0.05, maxDelay: 0.2, retryAfterCap: 0.3), idleTimeout: 1)
        let turns = 500
        var answered = 0, failed: [String] = [], retries = 0, duplicated: [Int] = []
        let started = Date()
        for n in 0..<turns {
            let expected = "Answer number \(n) is here, with a few more words so the stream comes in pieces"
            let prompt = "turn-\(n) chaos=20 stall=1.5 retry_after=0.2 final=" + expected.replacingOccurrences(of: " ", with: "_")
            var text = ""
            do {
                for try await event in client.stream(LLMRequest(messages: [.user(prompt)])) {
                    switch event {
                    case .textDelta(let t): text += t
                    case .retrying: retries += 1
                    default: break
                    }
                }
                answered += 1
                if text != expected { duplicated.append(n) }
            } catch let e as LLMError {
                #expect(!e.description.isEmpty)
                failed.append("turn \(n): \(e.description)")
            }
        }
        let served = try await transport.send(HTTPRequest(url: URL(string: server.baseURL.replacingOccurrences(of: "/v1", with: "") + "/chaos")!))
        let kinds = (try JSONSerialization.jsonObject(with: served.body) as? [String: Int]) ?? [:]
        print("chaos: \(turns) turns in \(String(format: "%.1f", Date().timeIntervalSince(started))) s; \(answered) answered, \(failed.count) failed clearly, "
              + "\(retries) retries; faults served: \(kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        #expect(duplicated.isEmpty, "text shown twice or wrong in turns \(duplicated.prefix(10))")
        #expect(answered + failed.count == turns)
        #expect(answered >= turns - 5, "\(failed.prefix(5))")
        #expect(kinds.count >= 8, "every kind of fault was served: \(kinds)")
        #expect(kinds.values.reduce(0, +) >= turns / 10)
    }
}
