import AgentProtocol
import AgentTools
import Config
import Foundation
import LLMClient

/// `web_fetch`: a URL as the model can read it — a page as markdown, text as text, anything
/// else refused with what it is. Every address (and every redirect's) passes the
/// ``AddressGuard`` first.
public struct WebFetchTool: Tool {
    let transport: any HTTPStreamTransport
    let addresses: AddressGuard
    let maxChars: Int
    let maxBytes: Int
    let maxRedirects: Int

    public init(transport: any HTTPStreamTransport, addresses: AddressGuard, maxChars: Int = Defaults.Web.maxChars,
                maxBytes: Int = Defaults.Web.maxBytes, maxRedirects: Int = Defaults.Web.maxRedirects) {
        self.transport = transport
        self.addresses = addresses
        self.maxChars = maxChars
        self.maxBytes = maxBytes
        self.maxRedirects = maxRedirects
    }

    public var spec: ToolSpec {
        ToolSpec(name: "web_fetch", description: """
            Read a web page or text file by URL: HTML comes back as markdown (headings, lists, links, \
            code and tables kept; navigation and scripts dropped), text as text. Long pages come in \
            parts of \(maxChars) characters: pass `start` for the next. Addresses of this machine and \
            private networks are refused.
            """, parameters: schema([
                "url": ["type": "string", "description": "The http(s) address."],
                "start": ["type": "integer", "description": "Character offset to read from (for the next part of a long page)."],
            ], required: ["url"]))
    }

    public func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        let raw: String, start: Int
        do {
            raw = try args.string("url").trimmingCharacters(in: .whitespacesAndNewlines)
            start = max(0, try args.optionalInt("start") ?? 0)
        } catch { return .error(error.message) }
        guard var url = URL(string: raw.contains("://") ? raw : "https://" + raw), url.host != nil else {
            return .error("'\(raw)' is not a web address")
        }
        let asked = url
        var hops = 0
        while true {
            let pin: String?
            switch await addresses.check(url) {
            case .success(let p): pin = p
            case .failure(let refusal): return ToolOutput(text: "Not fetched: \(refusal)", status: .denied)
            }
            let fetched: Fetched
            do { fetched = try await fetch(url, pin: pin) } catch {
                return .error("cannot fetch \(url.absoluteString): \(error)")
            }
            if (300...399).contains(fetched.status), let location = fetched.headers["location"] {
                hops += 1
                guard hops <= maxRedirects else { return .error("more than \(maxRedirects) redirects from \(asked.absoluteString); last to \(location)") }
                guard let next = URL(string: location, relativeTo: url)?.absoluteURL else { return .error("a redirect to '\(location)', which is not an address") }
                url = next
                continue
            }
            return page(fetched, url: url, asked: asked, start: start)
        }
    }

    struct Fetched {
        var status: Int
        var headers: [String: String]
        var body: Data
        var cut: Bool
    }

    func fetch(_ url: URL, pin: String?) async throws -> Fetched {
        var request = HTTPRequest(url: url, headers: ["User-Agent": "Talaria (web_fetch)", "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"],
                                  connectTimeout: 10, idleTimeout: Defaults.Web.timeoutSeconds)
        request.pinnedAddress = pin
        var result = Fetched(status: 0, headers: [:], body: Data(), cut: false)
        for try await part in transport.stream(request) {
            switch part {
            case .head(let status, let headers):
                result.status = status
                result.headers = headers
                if (300...399).contains(status), headers["location"] != nil { return result }
            case .body(let data):
                result.body.append(data)
                if result.body.count >= maxBytes {
                    result.body = result.body.prefix(maxBytes)
                    result.cut = true
                    return result
                }
            }
        }
        return result
    }

    func page(_ f: Fetched, url: URL, asked: URL, start: Int) -> ToolOutput {
        let type = (f.headers["content-type"] ?? "").lowercased()
        let mime = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let text = Self.decode(f.body, contentType: type)
        let isHTML = mime == "text/html" || mime == "application/xhtml+xml"
            || (mime.isEmpty && text.map { $0.prefix(1000).lowercased().contains("<html") || $0.prefix(200).lowercased().contains("<!doctype html") } == true)
        let isText = mime.hasPrefix("text/") || ["application/json", "application/xml", "application/javascript", "application/x-yaml", "application/yaml",
                                                 "application/toml", "application/x-sh"].contains(mime)
            || mime.hasSuffix("+json") || mime.hasSuffix("+xml") || (mime.isEmpty && text != nil)
        guard isHTML || isText, let text else {
            let size = ByteCountFormatter.string(fromByteCount: Int64(f.body.count), countStyle: .file)
            return .error("\(url.absoluteString) is \(mime.isEmpty ? "binary data" : mime) (\(size)), not a page or text: web_fetch reads only those")
        }
        var header = ""
        var body = text
        if isHTML {
            let converted = HTMLMarkdown(html: text, base: url)
            if let title = converted.title { header += "# \(title)\n" }
            body = converted.markdown
        }
        header += "URL: \(url.absoluteString)" + (url != asked ? " (redirected from \(asked.absoluteString))" : "") + "\n"
        if !(200...299).contains(f.status) { header += "HTTP status \(f.status)\n" }
        let total = body.count
        let from = min(start, total)
        let part = String(body.dropFirst(from).prefix(maxChars))
        var notes: [String] = []
        if from + part.count < total {
            notes.append("[part: characters \(from)–\(from + part.count) of \(total); call web_fetch with start: \(from + part.count) for the rest]")
        } else if from > 0 {
            notes.append("[the end: characters \(from)–\(total) of \(total)]")
        }
        if f.cut { notes.append("[the response was larger than \(maxBytes / 1_000_000) MB: only its start was read]") }
        let out = header + "\n" + (part.isEmpty && total == 0 ? "(the page has no readable text)" : part) + (notes.isEmpty ? "" : "\n\n" + notes.joined(separator: "\n"))
        return ToolOutput(text: out, status: (200...299).contains(f.status) ? .succeeded : .failed)
    }

    /// The body as text (the charset the server names; UTF-8 by default), nil when it is binary.
    static func decode(_ data: Data, contentType: String) -> String? {
        if data.prefix(8000).contains(0) { return nil }
        if contentType.contains("charset=iso-8859-1") || contentType.contains("charset=latin1") { return String(data: data, encoding: .isoLatin1) }
        if contentType.contains("charset=windows-1252") { return String(data: data, encoding: .windowsCP1252) }
        return String(decoding: data, as: UTF8.self)
    }
}
