import CCurl
import Foundation
import LLMClient
import Synchronization

/// ``HTTPStreamTransport`` over libcurl: each request runs on its own thread (one easy handle in
/// its own multi handle) and yields the response head and body bytes as they arrive.
///
/// Linux Foundation has no streaming `URLSession.bytes(for:)`, and libcurl is already on
/// every machine. Cancelling is immediate: the stream's termination handler sets a flag and
/// wakes the thread's `curl_multi_poll`, which then closes the connection — and closing it is
/// how a server learns to stop generating (llama.cpp has no cancel request). With
/// `curl_easy_perform` only the progress callback could notice, and curl documents it as
/// slowing to about one call a second while nothing arrives (a model reading a long prompt).
public struct CurlTransport: HTTPStreamTransport {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init() {
        _ = Self.globalInit
    }

    public func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let (stream, continuation) = AsyncThrowingStream<HTTPStreamPart, any Error>.makeStream()
        let transfer = Transfer(request: request, continuation: continuation)
        continuation.onTermination = { _ in transfer.cancel() }
        let thread = Thread { transfer.run() }
        thread.name = "talaria.curl"
        thread.stackSize = 256 * 1024
        thread.start()
        return stream
    }
}

/// The state of one transfer, shared with curl's C callbacks through an unmanaged pointer.
private final class Transfer: @unchecked Sendable {
    // Only touched on the transfer's own thread, except `cancelled`.
    let request: HTTPRequest
    let continuation: AsyncThrowingStream<HTTPStreamPart, any Error>.Continuation
    let cancelled = Atomic<Bool>(false)
    var headers: [String: String] = [:]
    var status = 0
    var headSent = false
    var handle: UnsafeMutableRawPointer?
    /// The multi handle while the transfer runs, for `cancel()`'s wake-up from another thread.
    private let multi = Mutex<UInt>(0) // the CURLM pointer's bits; 0 when not running

    init(request: HTTPRequest, continuation: AsyncThrowingStream<HTTPStreamPart, any Error>.Continuation) {
        self.request = request
        self.continuation = continuation
    }

    /// Stops the transfer now: the flag is read by the callbacks and the poll loop, the
    /// wake-up ends a poll that waits for a server sending nothing.
    func cancel() {
        cancelled.store(true, ordering: .relaxed)
        multi.withLock { bits in if let m = UnsafeMutableRawPointer(bitPattern: bits) { _ = curl_multi_wakeup(m) } }
    }

    func sendHead() {
        guard !headSent else { return }
        headSent = true
        var code = 0
        if let handle { _ = tl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) }
        continuation.yield(.head(status: code != 0 ? code : status, headers: headers))
    }

    func run() {
        guard let curl = curl_easy_init() else {
            continuation.finish(throwing: TransportError(.other, "curl_easy_init failed"))
            return
        }
        handle = curl
        var list: UnsafeMutablePointer<curl_slist>?
        var resolve: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_slist_free_all(list)
            curl_slist_free_all(resolve)
            curl_easy_cleanup(curl)
        }
        _ = tl_setopt_str(curl, CURLOPT_URL, request.url.absoluteString)
        _ = tl_setopt_long(curl, CURLOPT_NOSIGNAL, 1)
        _ = tl_setopt_long(curl, CURLOPT_TCP_NODELAY, 1)
        _ = tl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        // A stalled stream: less than 1 byte/s for idleTimeout seconds.
        _ = tl_setopt_long(curl, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = tl_setopt_long(curl, CURLOPT_LOW_SPEED_TIME, max(1, Int(request.idleTimeout)))
        _ = tl_setopt_str(curl, CURLOPT_ACCEPT_ENCODING, "")
        if let pinned = request.pinnedAddress {
            resolve = curl_slist_append(resolve, pinned)
            _ = tl_setopt_slist(curl, CURLOPT_RESOLVE, resolve)
        }
        if request.followRedirects {
            _ = tl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 1)
            _ = tl_setopt_long(curl, CURLOPT_MAXREDIRS, 10)
        }
        for (name, value) in request.headers { list = curl_slist_append(list, "\(name): \(value)") }
        list = curl_slist_append(list, "Expect:")
        _ = tl_setopt_slist(curl, CURLOPT_HTTPHEADER, list)
        switch request.method {
        case "GET": break
        case "POST":
            let body = request.body ?? Data()
            _ = tl_setopt_long(curl, CURLOPT_POSTFIELDSIZE, body.count)
            body.withUnsafeBytes { raw in
                _ = tl_setopt_ptr(curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        default:
            _ = tl_setopt_str(curl, CURLOPT_CUSTOMREQUEST, request.method)
            if let body = request.body {
                _ = tl_setopt_long(curl, CURLOPT_POSTFIELDSIZE, body.count)
                body.withUnsafeBytes { raw in
                    _ = tl_setopt_ptr(curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
                }
            }
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = tl_setopt_datacb(curl, CURLOPT_WRITEFUNCTION, { ptr, size, n, user in
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            if t.cancelled.load(ordering: .relaxed) { return 0 }
            t.sendHead()
            let count = size * n
            if count > 0, let ptr { t.continuation.yield(.body(Data(bytes: ptr, count: count))) }
            return count
        })
        _ = tl_setopt_ptr(curl, CURLOPT_WRITEDATA, me)
        _ = tl_setopt_datacb(curl, CURLOPT_HEADERFUNCTION, { ptr, size, n, user in
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            let count = size * n
            guard let ptr else { return count }
            let line = String(decoding: UnsafeRawBufferPointer(start: ptr, count: count), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("HTTP/") {
                t.headers = [:] // a new response (after 100-continue or a redirect)
                let parts = line.split(separator: " ")
                if parts.count > 1, let code = Int(parts[1]) { t.status = code }
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                t.headers[name] = value
            }
            return count
        })
        _ = tl_setopt_ptr(curl, CURLOPT_HEADERDATA, me)
        _ = tl_setopt_long(curl, CURLOPT_NOPROGRESS, 0)
        _ = tl_setopt_xfercb(curl, CURLOPT_XFERINFOFUNCTION, { user, _, _, _, _ in
            let t = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
            return t.cancelled.load(ordering: .relaxed) ? 1 : 0
        })
        _ = tl_setopt_ptr(curl, CURLOPT_XFERINFODATA, me)

        let code = perform(curl)
        if code == CURLE_OK {
            sendHead()
            continuation.finish()
            return
        }
        if cancelled.load(ordering: .relaxed) {
            continuation.finish(throwing: TransportError(.cancelled, "cancelled"))
            return
        }
        let message = String(cString: curl_easy_strerror(code))
        let kind: TransportError.Code
        switch code {
        case CURLE_OPERATION_TIMEDOUT: kind = .timedOut
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_RECV_ERROR,
             CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            kind = .connectionFailed
        default: kind = .other
        }
        continuation.finish(throwing: TransportError(kind, "\(message) (\(request.url.host ?? "?"):\(request.url.port.map(String.init) ?? ""))"))
    }

    /// Runs the transfer to its end in a multi handle whose poll `cancel()` can wake.
    private func perform(_ curl: UnsafeMutableRawPointer) -> CURLcode {
        guard let m = curl_multi_init() else { return CURLE_FAILED_INIT }
        _ = curl_multi_add_handle(m, curl)
        multi.withLock { $0 = UInt(bitPattern: m) }
        defer {
            multi.withLock { $0 = 0 }
            _ = curl_multi_remove_handle(m, curl)
            _ = curl_multi_cleanup(m)
        }
        var running: Int32 = 1
        while running > 0 {
            if cancelled.load(ordering: .relaxed) { return CURLE_ABORTED_BY_CALLBACK }
            let rc = curl_multi_perform(m, &running)
            guard rc == CURLM_OK else { return CURLE_FAILED_INIT }
            if running > 0 { _ = curl_multi_poll(m, nil, 0, 1000, nil) }
        }
        var left: Int32 = 0
        while let msg = curl_multi_info_read(m, &left) {
            if msg.pointee.msg == CURLMSG_DONE { return tl_msg_result(msg) }
        }
        return cancelled.load(ordering: .relaxed) ? CURLE_ABORTED_BY_CALLBACK : CURLE_OK
    }
}
