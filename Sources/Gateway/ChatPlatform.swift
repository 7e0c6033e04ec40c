import AgentProtocol
import Foundation

/// Something that arrived from a platform.
public enum ChatUpdate: Sendable, Hashable, Codable {
    /// A message: its platform id, the chat (and thread) it belongs to, who wrote it, the files
    /// sent with it.
    case message(id: String, chat: String, user: String, userName: String, text: String, files: [ChatFile]? = nil)
    /// A button pressed under one of our messages (`data` is what we put on it).
    case button(id: String, chat: String, user: String, userName: String, data: String, queryID: String)

    public var id: String {
        switch self { case .message(let id, _, _, _, _, _), .button(let id, _, _, _, _, _): id }
    }
    public var chat: String {
        switch self { case .message(_, let c, _, _, _, _), .button(_, let c, _, _, _, _): c }
    }
    public var user: String {
        switch self { case .message(_, _, let u, _, _, _), .button(_, _, let u, _, _, _): u }
    }
    public var userName: String {
        switch self { case .message(_, _, _, let n, _, _), .button(_, _, _, let n, _, _): n }
    }
}

/// A file sent in a chat: what the platform calls it (`ref`: a file id, a URL, a media id)
/// and what it says of it.
public struct ChatFile: Sendable, Hashable, Codable {
    public var ref: String
    public var name: String
    public var mime: String
    public var size: Int?
    public init(ref: String, name: String, mime: String, size: Int? = nil) {
        self.ref = ref
        self.name = name
        self.mime = mime
        self.size = size
    }

    public var isImage: Bool { mime.hasPrefix("image/") }

    /// A MIME type by a file's extension (what platforms want with an upload).
    public static func mime(forName name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "pdf": "application/pdf"
        case "txt", "log": "text/plain"
        case "md": "text/markdown"
        case "csv": "text/csv"
        case "json": "application/json"
        case "html": "text/html"
        case "zip": "application/zip"
        case "mp3": "audio/mpeg"
        case "ogg", "oga": "audio/ogg"
        case "mp4": "video/mp4"
        default: "application/octet-stream"
        }
    }
}

/// A button under a message (approvals).
public struct ChatButton: Sendable, Hashable {
    public var label: String
    public var data: String
    public init(_ label: String, data: String) {
        self.label = label
        self.data = data
    }
}

/// Why a platform call failed.
public struct PlatformError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case unauthorized, rateLimited, network, rejected }
    public var kind: Kind
    public var description: String
    /// For `.rateLimited`: the platform's own wait.
    public var retryAfter: Double?
    public init(_ kind: Kind, _ description: String, retryAfter: Double? = nil) {
        self.kind = kind
        self.description = description
        self.retryAfter = retryAfter
    }
}

/// One messaging platform, as the gateway drives it. Each lives in one file (`Telegram.swift`
/// …) plus one line in `Platforms.make`.
public protocol ChatPlatform: Sendable {
    /// `telegram`, `slack`…: the key in config.yaml, the store and `--deliver`.
    var name: String { get }
    /// The longest message the platform takes, in characters.
    var maxLength: Int { get }
    /// Waits for what comes after `cursor` (a long poll, or what a socket delivered); returns it
    /// and the cursor to resume after.
    func poll(after cursor: String?) async throws(PlatformError) -> (updates: [ChatUpdate], cursor: String?)
    /// Sends Markdown (rendered in the platform's markup); returns the message's id.
    func send(_ markdown: String, to chat: String, buttons: [ChatButton]) async throws(PlatformError) -> String
    /// Replaces a message's text (streaming); platforms that cannot, send nothing.
    func edit(_ messageID: String, in chat: String, to markdown: String) async throws(PlatformError)
    /// "Typing…" for a few seconds.
    func typing(in chat: String) async
    /// Acknowledges a button press (the platform shows `text` briefly).
    func answerButton(_ queryID: String, text: String) async
    /// Whether `edit` changes a sent message (else answers are not streamed, only sent whole).
    var canEdit: Bool { get }
    /// The updates of the last poll are in the store (a webhook may now tell its sender so).
    func stored(_ ids: [String]) async
    /// The gateway stops serving it: sockets and listeners close.
    func close() async
    /// The bytes of a file a user sent.
    func download(_ file: ChatFile) async throws(PlatformError) -> Data
    /// Sends a file (an image shows as one) with a caption.
    func sendFile(_ data: Data, name: String, mime: String, caption: String, to chat: String) async throws(PlatformError)
}

extension ChatPlatform {
    public var canEdit: Bool { true }
    public func stored(_ ids: [String]) async {}
    public func close() async {}
}
