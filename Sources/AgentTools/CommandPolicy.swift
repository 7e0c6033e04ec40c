import AgentProtocol
import Foundation
import Synchronization

/// Decides which shell commands must not run without the user's yes, and says why.
///
/// The command line is parsed (``ShellLine``): every simple command is judged, including those
/// after `;`, `&&`, `|`, inside `$(…)`, backticks, `<(…)`, and the strings given to `bash -c`,
/// `sh -c` and `eval`; wrappers (`env`, `nohup`, `time`, `timeout`, `xargs`, …) are looked
/// through. Paths are judged against the workspace (the session's directory): deleting or
/// writing inside it is everyday work, outside it asks. `/tmp` and `/dev/null` count as inside.
///
/// The rules live in code and the user's settings only: nothing a tool returns or a file
/// contains can change them (the model cannot talk its way past a rule).
public struct CommandPolicy: Sendable {
    /// The directory the agent works in; nil judges every absolute or home path as outside.
    public var workspace: String?
    public var home: String
    /// Talaria's own folder: writing there changes approvals, hooks or secrets, so it always
    /// asks, even when the workspace holds it.
    public var talariaHome: String
    /// Where relative paths resolve: the workspace, until a `cd` earlier on the line moves it.
    private var cwd: String?

    public init(workspace: String?, home: String = UserHome.path, talariaHome: String = UserHome.talaria) {
        self.workspace = workspace.map(Self.standardized)
        self.home = home
        self.talariaHome = talariaHome
        cwd = self.workspace
    }

    /// The last workspace standardized and what it became: the policy is made for every
    /// command, and standardizing reads each component's link (~0.1 ms).
    private static let lastWorkspace = Mutex<(raw: String, standard: String)?>(nil)

    private static func standardized(_ workspace: String) -> String {
        if let last = lastWorkspace.withLock({ $0 }), last.raw == workspace { return last.standard }
        let standard = (workspace as NSString).standardizingPath
        lastWorkspace.withLock { $0 = (workspace, standard) }
        return standard
    }

    /// Why `command` needs approval, or nil when it can run at once.
    public func reason(_ command: String) -> String? {
        reason(command, depth: 0)
    }

    private func reason(_ command: String, depth: Int) -> String? {
        guard depth < 4 else { return nil }
        // The regular expression only where its characters are (it costs ~0.1 ms to compile).
        if command.contains(":(){") || command.contains(":") && command.contains("&") && command.range(of: #":\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}"#, options: .regularExpression) != nil {
            return "a fork bomb"
        }
        let line = ShellLine.parse(command)
        for nested in line.nested {
            if let r = reason(nested, depth: depth + 1) { return r }
        }
        var judge = self
        for (index, cmd) in line.commands.enumerated() {
            if let why = judge.judge(cmd, index: index, line: line, depth: depth) { return why }
        }
        return nil
    }

    /// Judges one simple command; a `cd` moves where later relative paths resolve.
    private mutating func judge(_ cmd: ShellLine.Command, index: Int, line: ShellLine, depth: Int) -> String? {
        for r in cmd.redirects {
            if let why = redirectReason(r) { return why }
        }
        let words = unwrap(cmd.words)
        guard let first = words.first else { return nil }
        let program = Self.basename(first)
        let args = Array(words.dropFirst())
        if program == "cd" {
            let target = args.first { !$0.hasPrefix("-") } ?? "~"
            cwd = args.first == "-" ? nil : resolve(target)
            return nil
        }
        // Shells running a string, and eval: judge the string.
        if ["bash", "sh", "zsh", "dash", "ksh"].contains(program), let c = args.firstIndex(of: "-c"), c + 1 < args.count {
            if let r = reason(args[c + 1], depth: depth + 1) { return r }
        }
        if program == "eval", let r = reason(args.joined(separator: " "), depth: depth + 1) { return r }
        if program == "eval", line.nested.contains(where: { n in
            ShellLine.parse(n).commands.contains { unwrap($0.words).first.map { Self.downloaders.contains(Self.basename($0)) } ?? false }
        }) {
            return "runs a downloaded script (eval)"
        }
        let reads = Self.readers.contains(program) && !(program == "find" && args.contains { Self.findActions.contains($0) })
        if !reads, let target = (args + args.compactMap { $0.hasPrefix("of=") ? String($0.dropFirst(3)) : nil }).first(where: isProtected) {
            return "changes Talaria's own settings (\(target)): approvals, hooks and secrets are the user's to change"
        }
        if let why = programReason(program, args, cmd: cmd, line: line, index: index) { return why }
        for arg in args where isCredentialFile(arg) { return "reads credential files (\(arg))" }
        return nil
    }

    // MARK: - Rules

    private func programReason(_ program: String, _ args: [String], cmd: ShellLine.Command, line: ShellLine, index: Int) -> String? {
        let flags = Self.shortFlags(args)
        let operands = args.filter { !$0.hasPrefix("-") }
        switch program {
        case "sudo", "doas", "pkexec":
            return "runs a command as root (\(program))"
        case "su":
            return "switches user (su)"
        case "rm":
            let recursive = flags.contains("r") || flags.contains("R") || args.contains("--recursive")
            for target in operands {
                if recursive, ["/", "~", "*", ".", "..", "./", "../", "$HOME", "~/"].contains(target) || target.hasSuffix("/*") && isOutside(String(target.dropLast(2))) {
                    return "recursively deletes \(target == "*" ? "everything in the directory" : target)"
                }
                if isOutside(target) {
                    return recursive ? "recursively deletes \(target), outside the workspace" : "deletes \(target), outside the workspace"
                }
            }
        case "shred", "wipefs", "fdisk", "sfdisk", "parted", "mkswap":
            return "erases or repartitions a disk (\(program))"
        case _ where program.hasPrefix("mkfs"):
            return "formats a filesystem (mkfs)"
        case "dd":
            if let of = args.first(where: { $0.hasPrefix("of=") }) {
                let target = String(of.dropFirst(3))
                if target.hasPrefix("/dev/") && !Self.harmlessDevices.contains(target) { return "writes raw data to a device (dd)" }
                if isOutside(target) { return "writes \(target), outside the workspace (dd)" }
            }
        case "chmod":
            let mode = operands.first ?? ""
            if ["a+rwx", "ugo+rwx", "o+w", "a+w", "o+rwx"].contains(mode) || mode.hasSuffix("777") {
                return "makes files world-writable (chmod \(mode))"
            }
            if flags.contains("R"), operands.dropFirst().contains(where: isOutside) { return "recursively changes permissions outside the workspace" }
        case "chown", "chgrp":
            if flags.contains("R") || args.contains("--recursive") { return "recursively changes ownership (\(program) -R)" }
            if operands.dropFirst().contains(where: isOutside) { return "changes ownership outside the workspace" }
        case "git":
            return gitReason(args)
        case "shutdown", "reboot", "halt", "poweroff":
            return "shuts down or reboots the machine"
        case "systemctl" where args.contains { ["poweroff", "reboot", "halt", "kexec"].contains($0) }:
            return "shuts down or reboots the machine"
        case "init" where ["0", "6"].contains(operands.first ?? ""):
            return "shuts down or reboots the machine"
        case "kill" where args.contains("-1"):
            return "kills every process it can (kill -1)"
        case "killall":
            return "kills processes by name (killall)"
        case "pkill" where flags.contains("9") || args.contains("-KILL"):
            return "kills processes by pattern (pkill -9)"
        case "tee":
            if let out = operands.first(where: isOutside) { return "writes \(out), outside the workspace" }
        case "cp", "mv", "install", "rsync", "ln", "scp":
            if program == "scp" || program == "rsync", operands.contains(where: { $0.contains(":") && !$0.hasPrefix("/") }) {
                return nil // copying to or from another machine is the user's business, not a local write
            }
            if operands.count >= 2, let dest = operands.last, isOutside(dest) { return "writes \(dest), outside the workspace (\(program))" }
            if program == "mv", operands.dropLast().contains(where: isOutside) { return "moves files from outside the workspace (mv)" }
        case "sed", "perl":
            guard flags.contains("i") || args.contains(where: { $0.hasPrefix("--in-place") }) else { break }
            if let f = operands.dropFirst().first(where: isOutside) { return "edits \(f), outside the workspace (\(program) -i)" }
        case "truncate":
            if let f = operands.first(where: isOutside) { return "truncates \(f), outside the workspace" }
        case "find" where args.contains("-delete") || args.contains("-exec") && args.contains { $0 == "rm" }:
            let starts = args.prefix { !$0.hasPrefix("-") }
            if starts.contains(where: { isOutside($0) || $0 == "/" || $0 == "~" }) {
                return "deletes files found outside the workspace (find -delete)"
            }
        case "crontab" where flags.contains("r"):
            return "deletes the user's crontab (crontab -r)"
        case "crontab" where !flags.contains("l"):
            return "changes the user's scheduled jobs (crontab)"
        case "at", "batch":
            return "schedules a command to run later (\(program))"
        case "systemctl" where args.contains { ["enable", "link", "edit", "set-property"].contains($0) }:
            return "changes which services start (systemctl)"
        case "mkdir", "touch":
            if let f = operands.first(where: isOutside) { return "creates \(f), outside the workspace (\(program))" }
        case "nc", "ncat", "netcat", "socat", "telnet":
            return "opens a raw network connection (\(program))"
        case "curl", "wget":
            if let why = Self.sendsData(program, args) { return why }
        case "python", "python3", "node", "perl", "ruby", "php":
            if let code = Self.inlineCode(program, args), Self.sendsEnvironment(code) {
                return "runs inline code that sends the environment over the network (\(program))"
            }
        default:
            break
        }
        // A download piped into an interpreter: curl … | sh, wget -O- … | sudo python3.
        if Self.interpreters.contains(program), cmd.stage > 0 {
            let earlier = line.commands[..<index].filter { $0.pipeline == cmd.pipeline }
            if earlier.contains(where: { c in unwrap(c.words).first.map { Self.downloaders.contains(Self.basename($0)) } ?? false }) {
                return "pipes a download into a shell"
            }
        }
        // bash <(curl …), sh -c "$(curl …)": a download run as a script.
        if Self.interpreters.contains(program), line.nested.contains(where: { n in
            ShellLine.parse(n).commands.contains { unwrap($0.words).first.map { Self.downloaders.contains(Self.basename($0)) } ?? false }
        }) {
            return "runs a downloaded script"
        }
        return nil
    }

    private func gitReason(_ args: [String]) -> String? {
        guard let sub = args.first(where: { !$0.hasPrefix("-") }) else { return nil }
        let rest = args.drop { $0 != sub }.dropFirst()
        switch sub {
        case "push":
            if rest.contains(where: { $0 == "--force" || $0 == "-f" || $0.hasPrefix("--force-with-lease") || $0 == "--mirror" || $0 == "--delete" })
                || rest.contains(where: { $0.hasPrefix("+") }) || Self.shortFlags(Array(rest)).contains("f") {
                return "force-pushes, rewriting remote history"
            }
        case "reset" where rest.contains("--hard"):
            return "discards uncommitted changes (git reset --hard)"
        case "clean" where Self.shortFlags(Array(rest)).contains("f") || rest.contains("--force"):
            return "deletes untracked files (git clean -f)"
        case "checkout" where rest.contains("--") && rest.contains("."), "restore" where rest.contains("."):
            return "discards uncommitted changes to every file"
        case "branch" where rest.contains("-D"):
            return "deletes a branch even if it is not merged (git branch -D)"
        case "stash" where rest.first == "clear":
            return "drops every stash (git stash clear)"
        default:
            break
        }
        return nil
    }

    private func redirectReason(_ r: ShellLine.Redirect) -> String? {
        guard r.isWrite else { return isCredentialFile(r.target) ? "reads credential files (\(r.target))" : nil }
        if isProtected(r.target) { return "changes Talaria's own settings (\(r.target)): approvals, hooks and secrets are the user's to change" }
        if r.target.hasPrefix("/dev/") {
            return Self.harmlessDevices.contains(r.target) || r.target.hasPrefix("/dev/fd/") ? nil : "overwrites a device (\(r.target))"
        }
        return isOutside(r.target) ? "writes \(r.target), outside the workspace" : nil
    }

    // MARK: - Words and paths

    /// Drops leading assignments and wrappers that run the rest as a command.
    private func unwrap(_ words: [String]) -> [String] {
        var w = words[...]
        while let first = w.first {
            let name = Self.basename(first)
            if first.contains("="), !first.hasPrefix("-"), first.first?.isLetter == true || first.first == "_" {
                w = w.dropFirst() // VAR=value
            } else if ["env", "nohup", "time", "nice", "command", "builtin", "exec", "stdbuf", "ionice", "setsid", "chronic"].contains(name) {
                w = w.dropFirst()
                while let f = w.first, f.hasPrefix("-") || (name == "env" && f.contains("=")) { w = w.dropFirst() }
            } else if name == "timeout" {
                w = w.dropFirst()
                while let f = w.first, f.hasPrefix("-") { w = w.dropFirst() }
                w = w.dropFirst() // the duration
            } else if name == "xargs" {
                w = w.dropFirst()
                while let f = w.first, f.hasPrefix("-") { w = w.dropFirst() }
            } else {
                break
            }
        }
        return Array(w)
    }

    /// The last path component, in plain Swift (Foundation's path functions trap on some
    /// malformed text, and a command line is whatever the model wrote).
    static func basename(_ word: String) -> String {
        guard let slash = word.lastIndex(of: "/") else { return word }
        let rest = word[word.index(after: slash)...]
        return rest.isEmpty ? word : String(rest)
    }

    /// Letters of short options (`-rf` → r, f); long options are left to the rules.
    static func shortFlags(_ args: [String]) -> Set<Character> {
        var out: Set<Character> = []
        for a in args where a.hasPrefix("-") && !a.hasPrefix("--") && a.count > 1 {
            out.formUnion(a.dropFirst())
        }
        return out
    }

    /// Whether `path` is outside the workspace (and not a scratch location). Paths holding
    /// variables other than `$HOME` cannot be judged and count as inside.
    func isOutside(_ raw: String) -> Bool {
        guard !raw.isEmpty, !raw.hasPrefix("-") else { return false }
        if raw.hasPrefix("~"), !raw.hasPrefix("~/"), raw != "~" { return true } // ~user
        guard let named = resolve(raw) else { return false }
        if Self.harmlessDevices.contains(named) { return false }
        // Through links: `link/file` where `link` points out of the workspace is out.
        let absolute = Self.realPath(named)
        func under(_ dir: String) -> Bool { absolute == dir || absolute.hasPrefix(dir == "/" ? "/" : dir + "/") }
        for scratch in ["/tmp", "/var/tmp", "/dev/shm"] where under(scratch) {
            // Scratch space, unless it is the user's home or the workspace's own surroundings
            // (a workspace in /tmp does not make its parent scratch).
            let parent = workspace.map { ($0 as NSString).deletingLastPathComponent } ?? scratch
            if !under(home), !under(talariaHome), parent == scratch || !under(parent) { return false }
        }
        guard let workspace else { return true }
        return !under(Self.realPath(workspace))
    }

    /// `path` with the links of its existing part followed (the rest, not there yet, as given).
    static func realPath(_ path: String) -> String {
        var existing = path, rest: [String] = []
        while existing.count > 1, !FileManager.default.fileExists(atPath: existing) {
            rest.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        guard let real = realpath(existing, nil) else { return path }
        defer { free(real) }
        let base = String(cString: real)
        return rest.isEmpty ? base : (base == "/" ? "/" : base + "/") + rest.joined(separator: "/")
    }

    /// The absolute path `raw` names, or nil when it cannot be known (variables, no base).
    func resolve(_ raw: String) -> String? {
        // No real path holds a NUL, and Foundation's path functions trap on one.
        guard !raw.utf8.contains(0) else { return nil }
        var path = raw
        if path == "~" || path.hasPrefix("~/") { path = home + path.dropFirst() }
        for v in ["$HOME", "${HOME}"] where path.hasPrefix(v) { path = home + path.dropFirst(v.count) }
        if path.contains("$") || path.hasPrefix("~") { return nil }
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        guard let base = cwd else { return nil }
        return ((base as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }

    /// Whether `raw` is in Talaria's own folder (or names it through `$TALARIA_HOME`).
    func isProtected(_ raw: String) -> Bool {
        guard !raw.isEmpty, !raw.hasPrefix("-") else { return false }
        // Named, or inside code given as an argument (`python3 -c "open('…/config.yaml','w')"`).
        if raw.contains("$TALARIA_HOME") || raw.contains("${TALARIA_HOME}") || raw.contains(talariaHome + "/") { return true }
        guard let named = resolve(raw) else { return false }
        let absolute = Self.realPath(named)
        return absolute == talariaHome || absolute.hasPrefix(talariaHome + "/") || named.hasPrefix(talariaHome + "/")
    }

    /// curl and wget sending something: a request body or upload, or a variable's value in the
    /// address (`?k=$OPENAI_API_KEY`).
    static func sendsData(_ program: String, _ args: [String]) -> String? {
        let bodyFlags: Set<String> = program == "curl"
            ? ["-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii", "-F", "--form", "--form-string", "-T", "--upload-file", "--json"]
            : ["--post-data", "--post-file", "--body-data", "--body-file"]
        for a in args {
            let flag = a.hasPrefix("--") ? String(a.prefix { $0 != "=" }) : (a.hasPrefix("-") && a.count > 2 && program == "curl" ? String(a.prefix(2)) : a)
            if bodyFlags.contains(flag) { return "sends data over the network (\(program) \(flag))" }
        }
        if let url = args.first(where: { ($0.contains("://") || $0.contains("?")) && $0.contains("$") }) {
            return "sends a variable's value over the network (\(program) \(url.prefix(60)))"
        }
        return nil
    }

    /// The code of `python -c CODE`, `node -e CODE`, `perl -e CODE`…
    static func inlineCode(_ program: String, _ args: [String]) -> String? {
        let flag = ["python", "python3"].contains(program) ? "-c" : (program == "php" ? "-r" : "-e")
        guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
        return args[i + 1]
    }

    /// Code that reads the environment and talks to the network.
    static func sendsEnvironment(_ code: String) -> Bool {
        let env = ["os.environ", "getenv", "process.env", "ENV[", "%ENV", "$ENV{"].contains { code.contains($0) }
        let net = ["urlopen", "urllib", "requests.", "http.client", "socket", "fetch(", "http.request", "https.request", "Net::HTTP", "LWP::", "curl_exec", "file_get_contents(\"http"]
            .contains { code.contains($0) }
        return env && net
    }

    func isCredentialFile(_ raw: String) -> Bool {
        let p = raw.lowercased()
        return p.contains(".ssh/id_") && !p.hasSuffix(".pub") || p.contains(".aws/credentials") || p.hasSuffix(".netrc")
            || p == "/etc/shadow" || p.hasSuffix("/etc/shadow") || p.contains(".git-credentials") || p.hasSuffix(".pgpass")
            || p.contains(".gnupg/private-keys") || p.contains(".docker/config.json") || p.contains(".kube/config")
            || p.hasSuffix(".talaria/secrets.env") || p.hasSuffix("/secrets.env") && p.contains("talaria") || p.hasSuffix("serve.token")
    }

    /// Programs that only read what they are given (reading Talaria's config is fine), or whose
    /// words are not paths: none of them writes to a file named by its arguments.
    static let readers: Set<String> = ["cat", "less", "more", "head", "tail", "grep", "rg", "ls", "stat", "wc", "file", "diff", "cmp", "find", "du",
                                       "realpath", "readlink", "test", "[", "echo", "printf", "jq", "yq", "sha256sum", "md5sum", "talaria", "git", "bat", "tree",
                                       // and those whose words are not paths at all
                                       "sleep", "true", "false", ":", "date", "seq", "expr", "uname", "whoami", "id", "nproc", "uptime", "hostname", "pwd"]
    /// What makes `find` change files (it reads otherwise).
    static let findActions: Set<String> = ["-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls"]
    static let harmlessDevices: Set<String> = ["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero", "/dev/random", "/dev/urandom"]
    static let downloaders: Set<String> = ["curl", "wget", "fetch", "aria2c"]
    static let interpreters: Set<String> = ["sh", "bash", "zsh", "dash", "ksh", "fish", "python", "python3", "perl", "ruby", "node", "php"]
}
