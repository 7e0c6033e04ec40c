import AgentProtocol
import AgentTools
import Foundation

/// Files both ways: what users send is saved (private to this user) and named in the turn, images
/// also shown to the model; `send_file` lets the agent send one back to the chat it talks in.
enum ChatFiles {
    /// The most a file may weigh either way (platforms take 8–100 MB; this keeps a gateway's memory small).
    static let maxBytes = 20 << 20

    /// Saves a message's files under `folder` and says where in the turn.
    static func receive(_ files: [ChatFile], text: String, updateID: String, folder: String,
                        platform p: any ChatPlatform) async -> UserTurn {
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var notes: [String] = [], images: [String] = []
        for (i, f) in files.enumerated() {
            if let size = f.size, size > maxBytes {
                notes.append("[The user sent \(f.name) (\(f.mime), \(size >> 20) MB): too large to fetch (over \(maxBytes >> 20) MB)]")
                continue
            }
            do {
                let data = try await p.download(f)
                guard data.count <= maxBytes else { throw PlatformError(.rejected, "over \(maxBytes >> 20) MB") }
                let path = folder + "/" + safe(updateID) + "-\(i)-" + safe(f.name)
                guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                    throw PlatformError(.rejected, "cannot write \(path)")
                }
                notes.append("[The user sent \(f.name) (\(f.mime), \(kilobytes(data.count))), saved at \(path)]")
                if f.isImage { images.append(path) }
            } catch {
                notes.append("[The user sent \(f.name) (\(f.mime)), but it could not be fetched: \(error)]")
            }
        }
        let body = text.isEmpty ? notes.joined(separator: "\n") : text + "\n\n" + notes.joined(separator: "\n")
        var turn = UserTurn(text: body, typed: text, images: images.isEmpty ? nil : images)
        turn.imagesOptional = true
        return turn
    }

    /// A file name with nothing that leaves its folder or confuses a shell.
    static func safe(_ name: String) -> String {
        let cleaned = String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }.prefix(120))
        return cleaned.hasPrefix(".") ? "_" + cleaned.dropFirst() : (cleaned.isEmpty ? "file" : cleaned)
    }

    static func kilobytes(_ n: Int) -> String { n < 1 << 20 ? "\(max(1, n >> 10)) KB" : String(format: "%.1f MB", Double(n) / Double(1 << 20)) }
}

/// `send_file`: a file from this machine to the chat the session talks in.
struct SendFileTool: Tool {
    let platform: any ChatPlatform
    let chat: String

    var spec: ToolSpec {
        ToolSpec(name: "send_file", description: """
            Send a file from this machine to the user's chat (an image shows as a picture). Use it when \
            the user asks for a file, or when a file you made (a chart, a report, an archive) is the answer. \
            At most \(ChatFiles.maxBytes >> 20) MB.
            """, parameters: schema([
                "path": ["type": "string", "description": "The file, absolute or relative to the working directory."],
                "caption": ["type": "string", "description": "A short line shown with it."],
            ], required: ["path"]))
    }

    func run(_ arguments: JSONValue, context: ToolContext) async -> ToolOutput {
        let args = ToolArguments(arguments)
        do {
            let given = try args.string("path")
            let path = given.hasPrefix("/") ? given : (context.cwd as NSString).appendingPathComponent(given)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
                return .error("no file at \(path)")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size <= ChatFiles.maxBytes else { return .error("\(path) is \(size >> 20) MB; at most \(ChatFiles.maxBytes >> 20) MB can be sent") }
            guard let data = FileManager.default.contents(atPath: path) else { return .error("cannot read \(path)") }
            let name = (path as NSString).lastPathComponent
            try await platform.sendFile(data, name: name, mime: ChatFile.mime(forName: name), caption: try args.optionalString("caption") ?? "", to: chat)
            return ToolOutput(text: "Sent \(name) (\(ChatFiles.kilobytes(data.count))) to the chat.")
        } catch let e as ToolArgumentError {
            return .error(e.message)
        } catch let e as PlatformError {
            return .error("the chat did not take the file: \(e.description)")
        } catch {
            return .error("\(error)")
        }
    }
}

/// The tools a chat's session has beside the usual ones.
struct ChatToolSource: ToolSource {
    let tools: [any Tool]
    init(platform: any ChatPlatform, chat: String) { tools = [SendFileTool(platform: platform, chat: chat)] }
    func currentTools() async -> [any Tool] { tools }
    func promptNote() async -> String? { nil }
    var toolsVersion: Int? { 0 }
}
