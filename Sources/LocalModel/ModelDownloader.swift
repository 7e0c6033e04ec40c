import Foundation
import LLMClient

/// Downloads a large file (a model's weights) so that nothing is lost when the connection
/// drops or the program is stopped: bytes go to `NAME.part`, a later attempt asks the server
/// for the rest (`Range: bytes=N-`), and the file takes its name only once its size and
/// SHA-256 are right.
///
/// A server that ignores the range (200 instead of 206) is read from the start again; one
/// that answers 416 for a part that is already whole is taken at its word, and the checksum
/// decides.
public struct ModelDownloader: Sendable {
    /// Bytes so far and the total when known.
    public typealias Progress = @Sendable (_ done: Int64, _ total: Int64?) -> Void

    let transport: any HTTPStreamTransport
    /// Attempts in one call before giving up (each resumes where the previous one stopped).
    let attempts: Int
    let headers: [String: String]

    public init(transport: any HTTPStreamTransport, attempts: Int = 5, headers: [String: String] = [:]) {
        self.transport = transport
        self.attempts = attempts
        self.headers = headers
    }

    /// Downloads `url` to `destination` (atomically: it appears complete or not at all).
    ///
    /// - Parameters:
    ///   - size: the expected size, checked when given (and the progress total before the server says).
    ///   - sha256: the expected SHA-256 in hex, checked when given.
    /// - Throws: ``InstallError`` when every attempt failed, the server refused, or the file
    ///   that arrived is not the one expected (the partial file is then removed).
    public func download(_ url: URL, to destination: String, size: Int64? = nil, sha256: String? = nil,
                         progress: Progress = { _, _ in }) async throws(InstallError) {
        let part = destination + ".part"
        try? FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var lastError = "no attempt was made"
        var attempt = 0
        while attempt < attempts {
            attempt += 1
            do {
                let whole = try await fetch(url, into: part, size: size, progress: progress)
                if whole { break }
            } catch let e as InstallError {
                throw e
            } catch {
                if Task.isCancelled { throw InstallError("the download of \(url.lastPathComponent) was stopped; it resumes next time") }
                lastError = "\(error)"
                try? await Task.sleep(for: .milliseconds(200 * attempt))
                continue
            }
        }
        let got = Self.fileSize(part)
        guard got > 0, size.map({ $0 == got }) ?? true else {
            if attempt >= attempts {
                throw InstallError("cannot download \(url.absoluteString) (\(lastError)); what arrived is kept and the next attempt resumes it")
            }
            try? FileManager.default.removeItem(atPath: part)
            throw InstallError("\(url.lastPathComponent) is \(got) bytes, not \(size ?? 0): removed it; try again")
        }
        if let sha256 {
            let actual = try Self.sha256(of: part)
            guard actual.lowercased() == sha256.lowercased() else {
                try? FileManager.default.removeItem(atPath: part)
                throw InstallError("\(url.lastPathComponent) does not match its checksum (sha256 \(actual.prefix(12))…, expected \(sha256.prefix(12))…): removed it; try again")
            }
        }
        do {
            if FileManager.default.fileExists(atPath: destination) { try FileManager.default.removeItem(atPath: destination) }
            try FileManager.default.moveItem(atPath: part, toPath: destination)
        } catch {
            throw InstallError("cannot move the download into place: \(error.localizedDescription)")
        }
    }

    /// One attempt: asks for what `part` lacks and appends it. Returns whether the file is whole
    /// (the server sent all of it); throws transport errors for a retry.
    private func fetch(_ url: URL, into part: String, size: Int64?, progress: Progress) async throws -> Bool {
        var offset = Self.fileSize(part)
        if let size, offset > size { try? FileManager.default.removeItem(atPath: part); offset = 0 }
        if let size, offset == size { return true }
        var request = HTTPRequest(url: url, headers: headers, connectTimeout: 20, idleTimeout: 60, followRedirects: true)
        if offset > 0 { request.headers["range"] = "bytes=\(offset)-" }
        if !FileManager.default.fileExists(atPath: part) { FileManager.default.createFile(atPath: part, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: part) else { throw InstallError("cannot write \(part)") }
        defer { try? handle.close() }
        var total = size
        var done = offset
        var lastReport = Date.distantPast
        for try await piece in transport.stream(request) {
            switch piece {
            case .head(let status, let headers):
                switch status {
                case 206:
                    try handle.seekToEnd()
                case 200:
                    // The range was ignored: this is the whole file, from its first byte.
                    try handle.truncate(atOffset: 0)
                    done = 0
                case 416:
                    return true // nothing left to send: the part is whole (the checksum decides)
                default:
                    throw InstallError("\(url.host ?? "the server") answered \(status) for \(url.lastPathComponent)"
                                       + (status == 401 || status == 403 ? " (a gated model? set HF_TOKEN)" : ""))
                }
                if total == nil, let length = headers["content-length"].flatMap(Int64.init) { total = done + length }
                progress(done, total)
            case .body(let data):
                try handle.write(contentsOf: data)
                done += Int64(data.count)
                if Date().timeIntervalSince(lastReport) > 0.2 {
                    lastReport = Date()
                    progress(done, total)
                }
            }
        }
        progress(done, total)
        return total.map { done >= $0 } ?? true
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// SHA-256 of a file in hex, by `sha256sum` (coreutils: native speed on gigabytes).
    static func sha256(of path: String) throws(InstallError) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw InstallError("cannot run sha256sum: \(error.localizedDescription)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let hex = String(decoding: data, as: UTF8.self).split(separator: " ").first else {
            throw InstallError("sha256sum failed on \(path)")
        }
        return String(hex)
    }
}
