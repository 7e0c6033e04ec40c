import Foundation
import Memory

/// Builds the system prompt: who the agent is, where it runs, and the project's AGENTS.md.
public enum SystemPrompt {
    static let agentsFileLimit = 20_000

    public static func make(cwd: String, now: Date = Date(), tools: [String], extra: String? = nil) -> String {
        var uts = utsname()
        uname(&uts)
        let os = withUnsafeBytes(of: &uts.sysname) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        var p = """
            You are Talaria, an AI agent working in the user's terminal. You act through tools: \
            run shell commands, read, write and patch files, search the project. Work step by step: \
            look before you change, make the change, check the result. Keep answers short and concrete; \
            use Markdown. When a tool fails, read the error and adapt instead of repeating the same call. \
            When the task is done, answer without calling a tool.

            Environment:
            - Working directory: \(cwd)
            - OS: \(os) \(release)
            - Date: \(localDate(now))
            - Tools: \(tools.joined(separator: ", "))
            """
        if let agents = agentsFile(in: cwd) {
            p += "\n\nProject instructions from \(agents.name) (follow them):\n\(agents.text)"
        }
        if let extra, !extra.isEmpty { p += "\n\n" + extra }
        return p
    }

    /// `AGENTS.md` (or `.talaria/AGENTS.md`) in `cwd`, capped in size.
    static func agentsFile(in cwd: String) -> (name: String, text: String)? {
        for name in ["AGENTS.md", ".talaria/AGENTS.md"] {
            let path = (cwd as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var text = String(decoding: data.prefix(agentsFileLimit), as: UTF8.self)
            if data.count > agentsFileLimit { text += "\n[… truncated]" }
            return (name, text)
        }
        return nil
    }
}

/// `2026-11-25 (Wednesday)` in local time, via strftime: no ICU formatter on the start-up path.
func localDate(_ date: Date) -> String {
    var t = time_t(date.timeIntervalSince1970)
    var tm = tm()
    localtime_r(&t, &tm)
    var buf = [CChar](repeating: 0, count: 64)
    let n = strftime(&buf, buf.count, "%Y-%m-%d (%A)", &tm)
    return String(decoding: buf.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
