import Foundation

/// Exponential backoff for model requests, honouring the server's `Retry-After`.
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after the first attempt (so `maxRetries + 1` attempts in all).
    public var maxRetries: Int
    public var baseDelay: Double
    public var maxDelay: Double
    /// The longest `Retry-After` we wait for; longer requests are capped, not refused.
    public var retryAfterCap: Double
    /// Random spread of ±`jitter` × delay, so clients that failed together do not retry together.
    public var jitter: Double

    public init(maxRetries: Int = 3, baseDelay: Double = 1, maxDelay: Double = 20, retryAfterCap: Double = 60,
                jitter: Double = 0.2) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.retryAfterCap = retryAfterCap
        self.jitter = jitter
    }

    public static let none = RetryPolicy(maxRetries: 0)

    /// Seconds to wait before retry number `retry` (1-based) after `error`.
    public func delay(forRetry retry: Int, after error: LLMError, random: Double = Double.random(in: -1...1)) -> Double {
        if let after = error.retryAfter { return min(max(after, 0), retryAfterCap) }
        let exp = baseDelay * pow(2, Double(max(retry - 1, 0)))
        return min(exp, maxDelay) * (1 + jitter * random)
    }

    /// Parses a `Retry-After` (seconds or HTTP date) or `retry-after-ms` header.
    public static func retryAfter(headers: [String: String], now: Date = Date()) -> Double? {
        if let ms = headers["retry-after-ms"].flatMap(Double.init) { return ms / 1000 }
        guard let value = headers["retry-after"]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(value) { return seconds }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let date = f.date(from: value) { return max(0, date.timeIntervalSince(now)) }
        return nil
    }
}
