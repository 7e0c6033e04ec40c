import CCurl
import Foundation
import LLMClient
import Synchronization

/// ``HTTPStreamTransport`` over libcurl: every request of the process runs on one thread, in
/// one multi handle, and yields the response head and body bytes as they arrive.
///
/// One multi handle means one connection cache: the agent's next request to its model goes out
/// on the connection the last one used (no connect, and no new thread, per request). Linux
/// Foundation has no streaming `URLSession.bytes(for:)`, and libcurl is on every machine.
/// Cancelling is immediate: the stream's termination handler sets a flag and wakes the loop's
/// `curl_multi_poll`, which removes the transfer — closing its connection mid-answer is how a
/// server learns to stop generating (llama.cpp has no cancel request). Requests pinned to a
/// checked address (web_fetch) never share a connection.
public struct CurlTransport: HTTPStreamTransport {
    public init() {}

    public func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let (stream, continuation) = AsyncThrowingStream<HTTPStreamPart, any Error>.makeStream()
        let transfer = Transfer(request: request, continuation: continuation)
        let loop = CurlLoop.shared
        continuation.onTermination = { _ in transfer.cancelled.store(true, ordering: .relaxed); loop.wake() }
        loop.submit(transfer)
        return stream
    }
}

/// The thread that runs every transfer: it adds new ones, drops cancelled ones, and lets curl
/// move them all until one of its sockets is ready or it is woken.
private final class CurlLoop: @unchecked Sendable {
    static let shared = CurlLoop()

    private let multi: UnsafeMutableRawPointer
    private let pending = Mutex<[Transfer]>([])
    /// The transfers in the multi handle, by their easy handle (the loop thread's alone).
    private var running: [UnsafeMutableRawPointer: Transfer] = [:]

    private init() {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        multi = curl_multi_init()!
        _ = tl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 16)
        let thread = Thread { [self] in run() }
        thread.name = "talaria.curl"
        thread.stackSize = 512 * 1024
        thread.start()
    }

    func submit(_ t: Transfer) {
        pending.withLock { $0.append(t) }
        wake()
    }

    func wake() { _ = curl_multi_wakeup(multi) }

    private func run() {
        while true {
            for t in pending.withLock({ p in defer { p.removeAll() }; return p }) {
                if t.cancelled.load(ordering: .relaxed) { t.finish(CURLE_ABORTED_BY_CALLBACK); continue }
                guard let easy = t.prepare() else { continue }
                running[easy] = t
                _ = curl_multi_add_handle(multi, easy)
            }
            for (easy, t) in running where t.cancelled.load(ordering: .relaxed) { end(easy, t, CURLE_ABORTED_BY_CALLBACK) }
            var active: Int32 = 0
            _ = curl_multi_perform(multi, &active)
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle, let t = running[easy] else { continue }
                end(easy, t, tl_msg_result(msg))
            }
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func end(_ easy: UnsafeMutableRawPointer, _ t: Transfer, _ code: CURLcode) {
        running[easy] = nil
        _ = curl_multi_remove_handle(multi, easy) // an unfinished transfer's connection is closed
        t.finish(code)
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
    private var list: UnsafeMutablePointer<curl_slist>?
    private var resolve: UnsafeMutablePointer<curl_slist>?

    init(request: HTTPRequest, continuation: AsyncThrowingStream<HTTPStreamPart, any Error>.Continuation) {
        self.request = request
        self.continuation = continuation
    }

    func sendHead() {
        guard !headSent else { return }
        headSent = true
        var code = 0
        if let handle { _ = tl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) }
        continuation.yield(.head(status: code != 0 ? code : status, headers: headers))
    }

    /// The easy handle for this request, every option set; nil (the stream finished) when
    /// curl cannot make one.
    func prepare() -> UnsafeMutableRawPointer? {
        guard let curl = curl_easy_init() else {
            continuation.finish(throwing: TransportError(.other, "curl_easy_init failed"))
            return nil
        }
        handle = curl
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
            // Its own connection, closed after: a connection to a checked address is not
            // handed to another request, nor one made before to this one.
            _ = tl_setopt_long(curl, CURLOPT_FRESH_CONNECT, 1)
            _ = tl_setopt_long(curl, CURLOPT_FORBID_REUSE, 1)
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
        return curl
    }

    /// Ends the stream with the transfer's result and frees the handle.
    func finish(_ code: CURLcode) {
        defer {
            curl_slist_free_all(list)
            curl_slist_free_all(resolve)
            list = nil
            resolve = nil
            if let handle { curl_easy_cleanup(handle) }
            handle = nil
        }
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
}
