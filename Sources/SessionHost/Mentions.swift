import AgentProtocol
import Foundation

/// `@path` in a prompt attaches that file: its text follows the prompt for the model. Missing
/// paths, directories and binary files are left as typed; each file is capped. Every front-end
/// gets this, because the host expands each turn it is given.
public enum Mentions {
    public static let maxBytes = 100_000

    public static func expand(_ text: String, cwd: String) -> String {
        var attachments: [String] = []
        var seen: Set<String> = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) where word.hasPrefix("@") && word.count > 1 {
            var path = String(word.dropFirst())
            while let last = path.last, ",.;:!?)".contains(last) { path.removeLast() }
            guard !path.isEmpty, seen.insert(path).inserted else { continue }
            let full = path.hasPrefix("/") ? path : (path.hasPrefix("~") ? UserHome.expand(path) : cwd + "/" + path)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue,
                  let handle = FileHandle(forReadingAtPath: full) else { continue }
            let data = (try? handle.read(upToCount: maxBytes + 1)) ?? Data()
            try? handle.close()
            guard !data.contains(0) else { continue } // binary
            var body = String(decoding: data.prefix(maxBytes), as: UTF8.self)
            if data.count > maxBytes { body += "\n[… truncated at \(maxBytes) bytes; use read_file for the rest]" }
            attachments.append("<file path=\"\(path)\">\n\(body)\n</file>")
        }
        return attachments.isEmpty ? text : text + "\n\n" + attachments.joined(separator: "\n")
    }

    /// The image files the text points at: `@shot.png`, or a pasted absolute or `~` path (a
    /// file dragged into the terminal, quoted or not) — those that exist, as full paths.
    public static func images(_ text: String, cwd: String) -> [String] {
        var found: [String] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            var path = String(word).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
            let mentioned = path.hasPrefix("@")
            if mentioned { path.removeFirst() }
            while let last = path.last, ",;:!?)".contains(last) { path.removeLast() }
            guard ImageRef.mediaType(forPath: path) != nil, mentioned || path.hasPrefix("/") || path.hasPrefix("~/") else { continue }
            let full = path.hasPrefix("/") ? path : (path.hasPrefix("~") ? UserHome.expand(path) : cwd + "/" + path)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue, !found.contains(full) else { continue }
            found.append(full)
        }
        return found
    }
}
