import AgentProtocol
import AgentTools
import Foundation
import LLMClient

extension Agent {
    /// The turn's image files as stored copies — or why they cannot go: the model does not
    /// take images, a file is missing, too large or not an image.
    func attachImages(_ paths: [String]) async -> Result<[ImageRef], ImageRefusal> {
        if visionSupport == nil {
            if let configured = config.vision { visionSupport = configured } else { visionSupport = await services.contextProbe?.supportsVision() ?? false }
        }
        guard visionSupport == true else {
            let names = paths.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            return .failure(ImageRefusal("\(config.model) does not take images as far as Talaria can tell, so \(names) was not sent "
                + "(set vision: true in config.yaml if it does); the message was not sent either"))
        }
        let store = (config.talariaHome ?? NSTemporaryDirectory()) + "/images"
        var refs: [ImageRef] = []
        for path in paths {
            let name = (path as NSString).lastPathComponent
            guard let type = ImageRef.mediaType(forPath: path) else { return .failure(ImageRefusal("\(name) is not a PNG, JPEG, GIF or WebP image")) }
            guard let data = FileManager.default.contents(atPath: path) else { return .failure(ImageRefusal("cannot read \(path)")) }
            guard data.count <= ImageRef.maxBytes else {
                return .failure(ImageRefusal("\(name) is \(data.count / 1_000_000) MB; images of up to \(ImageRef.maxBytes / 1_000_000) MB are sent"))
            }
            // Content-addressed: the same picture twice is one file, and the session reads it back unchanged.
            let copy = store + "/" + Self.digest(data) + "." + (path as NSString).pathExtension.lowercased()
            if !FileManager.default.fileExists(atPath: copy) {
                do {
                    try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
                    try data.write(to: URL(fileURLWithPath: copy), options: .atomic)
                } catch { return .failure(ImageRefusal("cannot keep a copy of \(name): \(error.localizedDescription)")) }
            }
            refs.append(ImageRef(mediaType: type, path: copy, bytes: data.count, source: path))
        }
        return .success(refs)
    }

    /// The images a tool result carries, stored for the message that follows the results; when
    /// the model does not take images the result says so instead.
    func imagesShown(_ output: inout ToolOutput) async -> [ImageRef] {
        let paths = output.images
        output.images = []
        switch await attachImages(paths) {
        case .success(let refs): return refs
        case .failure(let why):
            output.text = output.text.replacingOccurrences(of: "; it follows as an image.", with: ".") + " It was not shown: " + why.description
                .replacingOccurrences(of: "; the message was not sent either", with: "")
            return []
        }
    }

    /// FNV-1a, 64 bits, with the length: a name for the bytes (not a security measure).
    static func digest(_ data: Data) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16) + "-" + String(data.count, radix: 16)
    }
}

struct ImageRefusal: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
