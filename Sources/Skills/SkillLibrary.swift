import Foundation

/// Where skills are found, in precedence order: the project's, then the user's, then other
/// agents' folders (read-only).
public struct SkillRoot: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable { case project, user, external }
    public var path: String
    public var source: Source
    public init(path: String, source: Source) {
        self.path = path
        self.source = source
    }

    /// DESIGN.md §3: `.talaria/skills`, `.agents/skills` (project), `~/.talaria/skills`,
    /// `~/.agents/skills` (user), `~/.claude/skills`, `~/.hermes/skills` (read-only).
    public static func standard(cwd: String, talariaHome: String, home: String) -> [SkillRoot] {
        [SkillRoot(path: cwd + "/.talaria/skills", source: .project), SkillRoot(path: cwd + "/.agents/skills", source: .project),
         SkillRoot(path: talariaHome + "/skills", source: .user), SkillRoot(path: home + "/.agents/skills", source: .user),
         SkillRoot(path: home + "/.claude/skills", source: .external), SkillRoot(path: home + "/.hermes/skills", source: .external)]
    }
}

/// A discovered skill: what the catalog and the browser show.
public struct Skill: Sendable, Hashable {
    public var name: String
    public var description: String
    /// The skill's folder and its SKILL.md.
    public var directory: String
    public var file: String
    public var source: SkillRoot.Source
    /// Strict validation's messages (a skill with problems still loads, leniently).
    public var problems: [String]
    /// The scanner's rating and its reasons; a dangerous skill is withheld until allowed.
    public var safety: SkillSafety = .safe
    public var findings: [SkillFinding] = []
}

/// Every skill under the roots, loaded leniently: a skill without a usable name or description
/// is skipped with a warning; a name already taken by an earlier root keeps the first, with a
/// warning. `refresh()` re-reads only files whose modification time changed.
public final class SkillLibrary: @unchecked Sendable {
    public let roots: [SkillRoot]
    /// A file listing disabled skills, one name a line (the browser's Alt-D).
    public let disabledFile: String?
    private var disabled: Set<String> = []
    private let lock = NSLock()
    /// A parsed SKILL.md (or why it was skipped), with the modification time it was read at.
    typealias LoadedSkill = (mtime: Double, skill: Skill?, warning: String?)
    private var cache: [String: LoadedSkill] = [:]
    private var current: [Skill] = []
    private var currentWarnings: [String] = []

    /// A file listing dangerous skills the user allowed anyway, one name a line.
    public let allowedFile: String?
    private var allowed: Set<String> = []

    public init(roots: [SkillRoot], disabledFile: String? = nil, allowedFile: String? = nil) {
        self.roots = roots
        self.disabledFile = disabledFile
        self.allowedFile = allowedFile
        refresh()
    }

    /// The skills the agent sees: every discovered one but the disabled, and the dangerous
    /// ones the user has not allowed.
    public var skills: [Skill] {
        lock.withLock { current.filter { !disabled.contains($0.name) && ($0.safety != .dangerous || allowed.contains($0.name)) } }
    }
    public func isAllowed(_ name: String) -> Bool { lock.withLock { allowed.contains(name) } }

    /// Lets a skill the scanner rated dangerous be used (kept in `allowedFile`).
    public func setAllowed(_ name: String, _ yes: Bool) throws {
        guard let allowedFile else { return }
        var names = lock.withLock { allowed }
        if yes { names.insert(name) } else { names.remove(name) }
        try (names.sorted().joined(separator: "\n") + "\n").write(toFile: allowedFile, atomically: true, encoding: .utf8)
        lock.withLock { allowed = names }
    }
    /// Every discovered skill, disabled ones included (the browser lists them).
    public var allSkills: [Skill] { lock.withLock { current } }
    public func isDisabled(_ name: String) -> Bool { lock.withLock { disabled.contains(name) } }

    /// Disables or enables a skill by name (kept in `disabledFile`).
    public func setDisabled(_ name: String, _ off: Bool) throws {
        guard let disabledFile else { return }
        var names = lock.withLock { disabled }
        if off { names.insert(name) } else { names.remove(name) }
        try (names.sorted().joined(separator: "\n") + "\n").write(toFile: disabledFile, atomically: true, encoding: .utf8)
        lock.withLock { disabled = names }
    }
    public var warnings: [String] { lock.withLock { currentWarnings } }
    public func skill(named name: String) -> Skill? { skills.first { $0.name == name } }

    /// Rescans the roots (cheap: a stat per skill; changed files are parsed again).
    public func refresh() {
        func names(_ file: String?) -> Set<String> {
            file.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }
                .map { Set($0.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) } ?? []
        }
        let off = names(disabledFile), yes = names(allowedFile)
        // Find every SKILL.md with its modification time (a stat or two a skill) ...
        let located = roots.flatMap { root in
            Self.skillDirectories(under: root.path).map { (dir: $0.dir, file: $0.file, source: root.source, mtime: max(Self.modified($0.file), Self.modified($0.dir))) }
        }
        // ... parse the new and changed ones on every core (parsing, validation and the scan
        // are pure; at 1,000 skills this halves a cold start on two cores) ...
        let cached = lock.withLock { cache }
        let changed = located.indices.filter { cached[located[$0].file]?.mtime != located[$0].mtime }
        let parsed = Self.inParallel(changed.count) { i in
            let l = located[changed[i]]
            return Self.load(dir: l.dir, file: l.file, source: l.source, mtime: l.mtime)
        }
        var entries = cached
        for (i, index) in changed.enumerated() { entries[located[index].file] = parsed[i] }
        // ... and resolve names in precedence order, one thread.
        var found: [Skill] = []
        var warnings: [String] = []
        var taken: [String: Skill] = [:]
        for l in located {
            guard let entry = entries[l.file] else { continue }
            if let w = entry.warning { warnings.append(w) }
            guard var skill = entry.skill else { continue }
            skill.source = l.source
            if let first = taken[skill.name] {
                warnings.append("skill \"\(skill.name)\" in \(l.dir) is hidden by the one in \(first.directory)")
                continue
            }
            taken[skill.name] = skill
            found.append(skill)
            if skill.safety == .dangerous, !yes.contains(skill.name), let f = skill.findings.first {
                warnings.append("skill \"\(skill.name)\" is withheld: \(f.rule) at \(f.file):\(f.line); allow it in the skill browser (Alt-Y) if you trust it")
            }
        }
        let seenFiles = Set(located.map(\.file))
        lock.withLock {
            disabled = off
            allowed = yes
            cache = entries.filter { seenFiles.contains($0.key) }
            current = found
            currentWarnings = warnings
        }
    }

    /// `body(0..<count)`, split over this thread and up to a core's worth of threads of its own
    /// — never a dispatch or Swift concurrency pool thread: `refresh` is called from actors, and
    /// waiting there for work queued behind the pool's own is how a pool stalls. Small batches
    /// (a refresh after one edit) stay on this thread.
    static func inParallel<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        let threads = min(ProcessInfo.processInfo.activeProcessorCount, count / 64)
        guard threads > 1 else { return (0..<count).map(body) }
        let slots = ParallelSlots<T>(threads)
        let done = DispatchSemaphore(value: 0)
        // Thread k takes k, k + threads, k + 2·threads, …; this thread takes k = 0.
        for k in 1..<threads {
            let t = Thread { slots.fill(k, count: count, body); done.signal() }
            t.start()
        }
        slots.fill(0, count: count, body)
        for _ in 1..<threads { done.wait() }
        return (0..<count).map { slots[$0] }
    }

    static func modified(_ path: String) -> Double {
        var st = stat()
        guard stat(path, &st) == 0 else { return 0 }
        return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
    }

    static func load(dir: String, file: String, source: SkillRoot.Source, mtime: Double) -> LoadedSkill {
        do {
            let parsed = try SkillFile.read(file: file)
            let props = try SkillProperties(parsed)
            let problems = SkillValidator.validate(parsed, directoryName: String(dir[(dir.lastIndex(of: "/").map { dir.index(after: $0) } ?? dir.startIndex)...])).map(\.message)
            // Discovery rates what reaches the system prompt, the name and description (start-up
            // stays fast); the whole folder, body, scripts and references, is scanned before
            // anything of it reaches the model (skill_view) and in the browser.
            let findings = SkillScanner.scan(text: props.name + "\n" + props.description, file: "SKILL.md")
            let safety = findings.map(\.severity).max() ?? .safe
            return (mtime, Skill(name: props.name, description: props.description, directory: dir, file: file, source: source,
                                 problems: problems, safety: safety, findings: findings), nil)
        } catch {
            return (mtime, nil, "skipped \(file): \(error.message)")
        }
    }

    /// Folders holding a SKILL.md below `root`, up to three levels deep (category folders
    /// such as `skills/apple/notes` are common); a skill's own subfolders are not searched.
    public static func skillDirectories(under root: String) -> [(dir: String, file: String)] {
        var out: [(dir: String, file: String)] = []
        func walk(_ dir: String, depth: Int) {
            guard depth <= 3, let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = dir + "/" + name
                var st = stat()
                guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { continue }
                if let file = SkillFile.locate(in: path) { out.append((path, file)) } else { walk(path, depth: depth + 1) }
            }
        }
        walk(root, depth: 1)
        return out
    }

    // MARK: - Catalog

    /// About four characters a token, plus the tags around each entry.
    public static func tokens(_ s: Skill) -> Int { (s.name.utf8.count + s.description.utf8.count + s.file.utf8.count) / 4 + 12 }

    /// The skills for the system prompt: all of them when they fit `budget` tokens, otherwise
    /// the most relevant to `query` (BM25 over name and description) that fit. The full list
    /// stays reachable through the `skills_list` tool.
    public func catalog(for query: String, budget: Int) -> (entries: [SkillCatalog.Entry], complete: Bool) {
        let all = skills
        let entry = { (s: Skill) in SkillCatalog.Entry(name: s.name, description: s.description, location: s.file) }
        if all.reduce(0, { $0 + Self.tokens($1) }) <= budget { return (all.map(entry), true) }
        let ranked = BM25.rank(query: query, documents: all.map { $0.name.replacingOccurrences(of: "-", with: " ") + " " + $0.description })
        var used = 0
        var picked: [Skill] = []
        for i in ranked where used + Self.tokens(all[i]) <= budget {
            used += Self.tokens(all[i])
            picked.append(all[i])
        }
        return (picked.map(entry), false)
    }
}

/// Okapi BM25 over small documents (skill names and descriptions).
enum BM25 {
    static func terms(_ s: String) -> [String] {
        // ASCII text is split by bytes (the common case); other text by Character.
        guard s.utf8.allSatisfy({ $0 < 0x80 }) else {
            return s.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { $0.count > 1 }
        }
        var out: [String] = []
        var word: [UInt8] = []
        for var b in s.utf8 {
            if b >= 0x41 && b <= 0x5A { b += 32 }
            if (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) { word.append(b); continue }
            if word.count > 1 { out.append(String(decoding: word, as: UTF8.self)) }
            word.removeAll(keepingCapacity: true)
        }
        if word.count > 1 { out.append(String(decoding: word, as: UTF8.self)) }
        return out
    }

    /// Document indices, best match first; documents matching nothing are left out.
    static func rank(query: String, documents: [String], k1: Double = 1.2, b: Double = 0.75) -> [Int] {
        let q = Set(terms(query))
        guard !q.isEmpty else { return [] }
        let docs = documents.map(terms)
        let avg = Double(docs.reduce(0) { $0 + $1.count }) / Double(max(1, docs.count))
        var df: [String: Int] = [:]
        for d in docs { for t in Set(d) where q.contains(t) { df[t, default: 0] += 1 } }
        let n = Double(docs.count)
        var scores: [(Int, Double)] = []
        for (i, d) in docs.enumerated() {
            var tf: [String: Int] = [:]
            for t in d where q.contains(t) { tf[t, default: 0] += 1 }
            guard !tf.isEmpty else { continue }
            var score = 0.0
            let lengthNorm: Double = 1 - b + b * Double(d.count) / avg
            for (t, f) in tf {
                let docFreq = Double(df[t] ?? 0)
                let idf: Double = log(1 + (n - docFreq + 0.5) / (docFreq + 0.5))
                let ff = Double(f)
                let part: Double = ff * (k1 + 1) / (ff + k1 * lengthNorm)
                score += idf * part
            }
            scores.append((i, score))
        }
        return scores.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
    }
}

/// The results of `SkillLibrary.inParallel`: one box per thread, each written by its thread
/// alone and read after every thread has signalled.
private final class ParallelSlots<T: Sendable>: @unchecked Sendable {
    final class Box { var values: [T] = [] }
    let boxes: [Box]
    init(_ threads: Int) { boxes = (0..<threads).map { _ in Box() } }
    func fill(_ k: Int, count: Int, _ body: (Int) -> T) {
        boxes[k].values = stride(from: k, to: count, by: boxes.count).map(body)
    }
    subscript(i: Int) -> T { boxes[i % boxes.count].values[i / boxes.count] }
}
