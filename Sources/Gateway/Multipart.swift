import Foundation

/// A `multipart/form-data` body: uploads to Telegram, Discord and WhatsApp.
struct Multipart {
    let boundary = "talaria-" + UUID().uuidString
    private var body = Data()

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func field(_ name: String, _ value: String) {
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(name))\"\r\n\r\n\(value)\r\n".utf8))
    }

    mutating func file(_ name: String, filename: String, mime: String, data: Data) {
        body.append(Data(("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(name))\"; filename=\"\(Self.quoted(filename))\"\r\n"
                          + "Content-Type: \(mime)\r\n\r\n").utf8))
        body.append(data)
        body.append(Data("\r\n".utf8))
    }

    func finished() -> Data { body + Data("--\(boundary)--\r\n".utf8) }

    /// A name inside the header's quotes: no quote, backslash or line end can end it early.
    static func quoted(_ s: String) -> String {
        String(s.map { $0 == "\"" || $0 == "\\" || $0.isNewline ? "_" : $0 })
    }
}
