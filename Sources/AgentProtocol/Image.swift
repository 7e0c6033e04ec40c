import Foundation

/// An image attached to a message: a copy in Talaria's content-addressed image store (so the
/// conversation reads the same bytes on resume, whatever happened to the original), sent to
/// the model as an `image_url` part.
public struct ImageRef: Sendable, Hashable, Codable {
    /// `image/png`, `image/jpeg`, `image/gif`, `image/webp`.
    public var mediaType: String
    /// The stored copy.
    public var path: String
    public var bytes: Int
    /// What the user pointed at (shown, not sent).
    public var source: String

    public init(mediaType: String, path: String, bytes: Int, source: String) {
        self.mediaType = mediaType
        self.path = path
        self.bytes = bytes
        self.source = source
    }

    /// The media type a file name says, for the kinds of image models read.
    public static func mediaType(forPath path: String) -> String? {
        switch (path as NSString).pathExtension.lowercased() {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        default: nil
        }
    }

    /// The largest image sent (most APIs refuse more).
    public static let maxBytes = 20_000_000
}
