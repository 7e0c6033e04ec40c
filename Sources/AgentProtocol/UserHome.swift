import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The user's home directory, decided in one place: `$HOME` when it is set (as every shell
/// tool reads it — containers, `sudo -E`, CI and tests set it), else the password database.
/// Foundation's `NSHomeDirectory()` and `~` expansion read only the password database on
/// Linux, so they disagree with `$HOME` exactly where it matters.
public enum UserHome {
    public static var path: String {
        // getenv, not ProcessInfo's dictionary: the policy asks on every command.
        if let raw = getenv("HOME"), case let h = String(cString: raw), h.hasPrefix("/") { return h.count > 1 && h.hasSuffix("/") ? String(h.dropLast()) : h }
        return passwordDatabase(getuid()) ?? "/"
    }

    /// Talaria's own folder (config, approvals, hooks, secrets): `$TALARIA_HOME`, else `~/.talaria`
    /// (as `TalariaPaths` decides it; the command policy guards it).
    public static var talaria: String {
        if let raw = getenv("TALARIA_HOME"), case let h = String(cString: raw), h.hasPrefix("/") { return h.count > 1 && h.hasSuffix("/") ? String(h.dropLast()) : h }
        return path + "/.talaria"
    }

    /// `~` and `~/…` against ``path``; `~name/…` against that user's entry; anything else as it is.
    public static func expand(_ p: String) -> String {
        guard p.hasPrefix("~") else { return p }
        let rest = p.dropFirst()
        if rest.isEmpty { return path }
        if rest.hasPrefix("/") { return path + rest }
        let name = String(rest.prefix { $0 != "/" })
        guard let home = name.withCString({ getpwnam($0) }).flatMap({ $0.pointee.pw_dir.map { String(cString: $0) } }) else { return p }
        return home + rest.dropFirst(name.count)
    }

    static func passwordDatabase(_ uid: uid_t) -> String? {
        guard let entry = getpwuid(uid), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }
}
