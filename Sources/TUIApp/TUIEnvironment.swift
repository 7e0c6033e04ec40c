import AgentCore
import Checkpoints
import CurlTransport
import AgentProtocol
import AppFeature
import AppRuntime
import Exec
import Foundation
import Memory
import SessionHost
import MCPClient
import Skills
import Store

/// The TUI's I/O: session search and loading on the store, path completion on the file
/// system, skills, memory and MCP servers, the user's editor. (Session changes are the host's.)
struct TUIEnvironment: AppEnvironment {
    /// Brings the search index up to the session's newest messages (before a search).
    let catchUpIndex: @Sendable () async -> Void
    let store: SessionStore
    let cwd: String
    let skills: SkillLibrary
    let writer: SkillWriter
    let mcp: MCPHub?
    /// Derived facts unconfirmed this long are stale (memory.stale_days).
    let staleDays: Int
    /// The prompt's memory limits (memory: notes_limit, user_limit).
    let memoryLimits: MemoryLimits
    /// Where the built-in model records its port (the first-run screen's detection).
    var localPortFile = ""
    /// Talaria's home (the global AGENTS.md of `/context`).
    var talariaHome = ""
    /// The workspace's checkpoints (the session host's), for the rewind picker.
    var checkpoints: @Sendable () async -> CheckpointStore? = { nil }

    func perform(_ effect: IOEffect) async -> [AppAction] {
        do {
            switch effect {
            case .detectServers:
                let found = await LocalServerDetector(transport: CurlTransport(), localPortFile: localPortFile).detectAll()
                return [.serversDetected(found.map { DetectedServer(url: $0.url, label: $0.label) })]
            case .searchSessions(let query, let includeArchived, let seq):
                return [.searchResults(seq: seq, hits: try await search(query, includeArchived: includeArchived), error: nil)]
            case .loadPreview(let sessionID, let messageID, let seq):
                return [.previewLoaded(seq: seq, try preview(sessionID, around: messageID))]
            case .openSession(let id, let messageID):
                let info = try store.session(id: id)
                let transcript = try StoredTranscript.load(store: store, sessionID: info.id)
                return [.sessionLoaded(ViewedSession(sessionID: info.id, title: Self.title(info)), transcript.items, resumed: false,
                                       focus: messageID.flatMap { transcript.itemOfMessage[$0] })]
            case .loadContext:
                return [.contextLoaded(ProjectContext.discover(cwd: cwd, talariaHome: talariaHome).map {
                    ContextFileRow(label: $0.label, bytes: $0.bytes, tokens: $0.tokens, truncated: $0.truncated, withheld: $0.withheld)
                })]
            case .loadRewind(let sessionID, let seq):
                return [.rewindLoaded(seq: seq, try await rewindPoints(sessionID))]
            case .checkpointDiff(let id, let seq):
                guard let checkpoints = await checkpoints() else { return [] }
                return [.rewindDiff(seq: seq, id: id, text: try await checkpoints.diff(try await checkpoints.find(id)))]
            case .loadMemory(let query, let seq):
                return [.memoryLoaded(seq: seq, rows: try memoryRows(query))]
            case .editMemory(let edit, let seq):
                switch edit {
                case .remove(let id): try store.removeMemory(id: id, sessionID: nil)
                case .restore(let id): try store.restoreMemory(id: id)
                case .delete(let id): try store.deleteMemory(id: id)
                case .edit(let id, let text):
                    guard MemoryBook(store: store, limits: memoryLimits).secretReason(text) == nil else {
                        return [.toast(.error, "not saved: the text looks like it holds a secret"), .memoryLoaded(seq: seq, rows: try memoryRows(""))]
                    }
                    try store.replaceMemory(id: id, with: text, sessionID: nil, action: "edit")
                case .add(let target, let text):
                    // The same rules as the agent's memory tool: no secrets, within the prompt's limit.
                    guard let t = MemoryTarget(rawValue: target) else { return [] }
                    let book = MemoryBook(store: store, limits: memoryLimits)
                    if t == .fact {
                        guard book.secretReason(text) == nil else {
                            return [.toast(.error, "not saved: the text looks like it holds a secret"), .memoryLoaded(seq: seq, rows: try memoryRows(""))]
                        }
                        _ = try store.addMemory(.fact, text, sessionID: nil, confidence: 1)
                    } else if case .refused(let why) = book.add(t, text, sessionID: nil) {
                        return [.toast(.error, "not added: " + (why.split(separator: "\n").first.map(String.init) ?? why)), .memoryLoaded(seq: seq, rows: try memoryRows(""))]
                    }
                    return [.toast(.info, "remembered in \(target): \(text)"), .memoryLoaded(seq: seq, rows: try memoryRows(""))]
                }
                return [.memoryLoaded(seq: seq, rows: try memoryRows(""))]
            case .updateSession(let id, let title, let tags, let archived):
                if let title { try store.setTitle(title, sessionID: id) }
                if let tags { try store.setTags(tags, sessionID: id) }
                if let archived { try store.setArchived(archived, sessionID: id) }
                return []
            case .completePaths(let prefix, let seq):
                return [.pathCompletions(seq: seq, Self.complete(prefix, cwd: cwd))]
            case .loadSkills(let seq):
                skills.refresh()
                let usage = (try? store.skillUsage()) ?? [:]
                let rows = skills.allSkills.map { skill in
                    var s = skill
                    (s.safety, s.findings) = SkillScanner.scan(directory: s.directory) // the whole folder, for the user
                    return SkillRow(name: s.name, description: s.description, source: s.source.rawValue, directory: s.directory, file: s.file,
                             problems: s.problems, uses: usage[s.name]?.uses ?? 0,
                             lastUsed: usage[s.name]?.lastUsed.timeIntervalSince1970, disabled: skills.isDisabled(s.name),
                             safety: s.safety.rawValue, findings: s.findings.map { "\($0.file):\($0.line) \($0.rule): \($0.excerpt)" },
                             allowed: skills.isAllowed(s.name))
                }
                return [.skillsLoaded(seq: seq, rows: rows, warnings: skills.warnings)]
            case .loadSkillText(let path, let seq):
                return [.skillTextLoaded(seq: seq, text: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(cannot read \(path))")]
            case .createSkill(let name):
                let template = """
                    ---
                    name: \(name)
                    description: What this skill does and when to use it (one or two sentences).
                    ---

                    # \(name)

                    ## When to use

                    ## Steps

                    1.
                    """
                let dir = try writer.create(name: name, content: template)
                return [.fileEdited(dir), .toast(.info, "created \(name) — Ctrl-E opens it in your editor")]
            case .setSkillDisabled(let name, let off):
                try skills.setDisabled(name, off)
                return [.fileEdited("")]
            case .setSkillAllowed(let name, let yes):
                try skills.setAllowed(name, yes)
                return [.fileEdited("")]
            case .archiveSkill(let dir):
                _ = try writer.delete(directory: dir)
                return [.fileEdited(dir)]
            case .restartMCPServer(let name):
                await mcp?.restart(name)
                return []
            case .setMCPServerEnabled(let name, let on):
                await mcp?.setEnabled(name, on)
                return []
            }
        } catch {
            return [.toast(.error, "\(error)")]
        }
    }

    /// `$VISUAL`, else `$EDITOR`, else vi, on `path`, through sh so the variable may carry
    /// arguments (`code -w`).
    /// Every entry (removed ones too) or those matching `query`, with source, age and state.
    func memoryRows(_ query: String, now: Date = Date()) throws -> [MemoryRow] {
        let entries = query.isEmpty ? try store.memory(includeRemoved: true) : try store.searchMemory(query, limit: 200)
        var titles: [String: String] = [:]
        return entries.map { e in
            let source = e.sourceSessionID.map { id in
                if let t = titles[id] { return t }
                let t = (try? store.session(id: id))?.title ?? String(id.prefix(15))
                titles[id] = t
                return t
            }
            return MemoryRow(id: e.id, target: e.target.rawValue, text: e.text, source: source, age: MemoryBook.age(e.confirmedAt, now: now),
                             removed: !e.isActive, stale: e.target == .fact && UserModel.isStale(e, staleDays: staleDays, now: now), flag: e.flag, confidence: e.confidence)
        }
    }

    func editFile(_ path: String) -> Bool {
        let env = ProcessInfo.processInfo.environment
        let editor = [env["VISUAL"], env["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        return (try? Foreground.run(["/bin/sh", "-c", "\(editor) \"$1\"", "sh", path])) == 0
    }

    func edit(_ text: String) -> String? {
        let path = NSTemporaryDirectory() + "talaria-prompt-\(getpid()).md"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else { return nil }
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard editFile(path), let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Newest first, each session's subagents (and forks) right under it, theirs under them.
    static func nested(_ sessions: [SessionInfo]) -> [(session: SessionInfo, depth: Int)] {
        let ids = Set(sessions.map(\.id))
        var children: [String: [SessionInfo]] = [:]
        for s in sessions { if let p = s.parentID, ids.contains(p) { children[p, default: []].append(s) } }
        var out: [(session: SessionInfo, depth: Int)] = []
        func add(_ s: SessionInfo, depth: Int) {
            out.append((s, depth))
            guard depth < 8 else { return }
            for c in children[s.id] ?? [] { add(c, depth: depth + 1) }
        }
        for s in sessions where s.parentID.map({ !ids.contains($0) }) ?? true { add(s, depth: 0) }
        return out
    }

    static func title(_ info: SessionInfo) -> String { info.title ?? "untitled \(info.id.prefix(8))" }

    private func search(_ query: String, includeArchived: Bool) async throws -> [SessionHit] {
        if query.trimmingCharacters(in: .whitespaces).isEmpty {
            return Self.nested(try store.sessions(limit: 200, includeArchived: includeArchived)).map { s, depth in
                var hit = SessionHit(sessionID: s.id, title: Self.title(s), date: s.updatedAt.timeIntervalSince1970,
                                     summary: "\(s.messageCount) messages · \(s.model) · \(s.cwd)", archived: s.archived, tags: s.tags)
                hit.parentID = s.parentID
                hit.depth = depth
                return hit
            }
        }
        await catchUpIndex()
        return try store.searchSessions(query, sessions: 50, includeArchived: includeArchived).map { g in
            // The store's markers are the ones the interface draws (control characters).
            SessionHit(sessionID: g.sessionID, title: g.sessionTitle ?? "untitled \(g.sessionID.prefix(8))", date: g.newest.timeIntervalSince1970,
                       matches: g.matchCount, matchesComplete: g.isCountComplete,
                       snippets: g.hits.map { HitSnippet(role: $0.role, text: $0.snippet(markingWith: HitSnippet.matchStart, HitSnippet.matchEnd),
                                                          messageID: $0.messageID) },
                       archived: g.archived, tags: g.tags)
        }
    }

    private func preview(_ sessionID: String, around messageID: Int64?) throws -> SessionPreview {
        let messages = try store.messages(sessionID: sessionID).filter { $0.message.role != .system }
        let hit = messageID.flatMap { id in messages.firstIndex { $0.id == id } } ?? 0
        let window = messages[max(0, hit - 3)..<min(messages.count, hit + 6)]
        return SessionPreview(sessionID: sessionID, lines: window.map { m in
            var text = m.message.content
            if text.isEmpty, !m.message.toolCalls.isEmpty { text = m.message.toolCalls.map { "→ \($0.name) \($0.arguments)" }.joined(separator: "\n") }
            return PreviewLine(role: m.message.role.rawValue, text: text, isHit: m.id == messageID)
        })
    }

    /// Paths under `cwd` starting with `prefix` (directories end in `/`); hidden ones only
    /// when asked for; directories first.
    static func complete(_ prefix: String, cwd: String) -> [String] {
        let (dir, partial): (String, String)
        if let slash = prefix.lastIndex(of: "/") {
            dir = String(prefix[...slash])
            partial = String(prefix[prefix.index(after: slash)...])
        } else {
            dir = ""
            partial = prefix
        }
        let base = dir.hasPrefix("/") ? dir : (dir.hasPrefix("~") ? UserHome.expand(dir) + "/" : cwd + "/" + dir)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return [] }
        let skip: Set<String> = [".git", ".build", "node_modules"]
        var out: [(Bool, String)] = []
        for name in names where name.hasPrefix(partial) && (partial.hasPrefix(".") || !name.hasPrefix(".")) && !skip.contains(name) {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: base + name, isDirectory: &isDir)
            out.append((isDir.boolValue, dir + name + (isDir.boolValue ? "/" : "")))
        }
        return out.sorted { $0.0 != $1.0 ? $0.0 : $0.1 < $1.1 }.prefix(50).map(\.1)
    }

    /// The user's messages of a session, newest first, each with the checkpoint its turn took.
    func rewindPoints(_ sessionID: String) async throws -> [RewindPoint] {
        let users = try store.messages(sessionID: sessionID).filter { $0.message.role == .user }
        let taken = (try? await checkpoints()?.list()) ?? []
        var byMessage: [Int64: Checkpoint] = [:]
        for c in taken where c.sessionID == sessionID && c.kind == .turn { if let m = c.messageID, byMessage[m] == nil { byMessage[m] = c } }
        return users.reversed().enumerated().map { k, m in
            let c = byMessage[m.id]
            return RewindPoint(fromEnd: k, text: m.message.content, createdAt: m.createdAt, checkpoint: c?.id, filesChanged: c?.filesChanged)
        }
    }
}

