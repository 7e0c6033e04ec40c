import Foundation
import Memory

/// Builds the system prompt: who the agent is, where it runs, and the project's instruction
/// files (``ProjectContext``).
public enum SystemPrompt {
    public static func make(cwd: String, now: Date = Date(), tools: [String], context: String? = nil, extra: String? = nil) -> String {
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
        if let context { p += "\n\n" + context }
        if let extra, !extra.isEmpty { p += "\n\n" + extra }
        return p
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
