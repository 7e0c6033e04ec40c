import AgentProtocol
import Foundation

/// A file a fake platform's user sends with a message.
public struct FakeFile: Sendable {
    public var name: String
    public var mime: String
    public var data: Data
    /// Telegram: sent as a photo (sizes) rather than a document.
    public var photo: Bool

    public init(name: String, mime: String, data: Data, photo: Bool = false) {
        self.name = name
        self.mime = mime
        self.data = data
        self.photo = photo
    }

    var json: JSONValue {
        ["name": .string(name), "mime": .string(mime), "base64": .string(data.base64EncodedString()), "photo": .bool(photo)]
    }

    /// A small valid PNG (1×1).
    public static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")!
}
