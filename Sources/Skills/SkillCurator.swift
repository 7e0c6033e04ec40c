import Foundation

/// What `talaria skills curate` finds and would do. Only the user's own skills are ever
/// archived (never deleted, never a project's or another agent's); everything else is reported.
public struct CurationItem: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case stale, duplicate, invalid }
    public var kind: Kind
    public var skill: String
    public var directory: String
    public var reason: String
    /// Archive it (`--apply`), or only report it.
    public var archive: Bool
}

public enum SkillCurator {
    /// `usage`: per skill, uses and last use; `staleDays`: unused for that long is stale
    /// (a never-used skill counts from its file's age).
    public static func plan(_ skills: [Skill], usage: [String: (uses: Int, lastUsed: Date)], now: Date = Date(),
                            staleDays: Int) -> [CurationItem] {
        var items: [CurationItem] = []
        let limit = Double(staleDays) * 86_400
        for s in skills {
            if !s.problems.isEmpty {
                items.append(CurationItem(kind: .invalid, skill: s.name, directory: s.directory,
                                          reason: s.problems.joined(separator: "; "), archive: false))
            }
            let last = usage[s.name]?.lastUsed
            let modified = ((try? FileManager.default.attributesOfItem(atPath: s.file))?[.modificationDate] as? Date) ?? now
            let since = last ?? modified
            if now.timeIntervalSince(since) > limit {
                let when = last.map { "last used \(days(now.timeIntervalSince($0))) days ago" } ?? "never used in \(days(now.timeIntervalSince(modified))) days"
                items.append(CurationItem(kind: .stale, skill: s.name, directory: s.directory, reason: when, archive: s.source == .user))
            }
        }
        // Near-duplicates: keep the more used (then the older) one of each pair.
        for (i, a) in skills.enumerated() {
            for b in skills[(i + 1)...] where similar(a, b) {
                let (keep, drop) = (usage[a.name]?.uses ?? 0) >= (usage[b.name]?.uses ?? 0) ? (a, b) : (b, a)
                items.append(CurationItem(kind: .duplicate, skill: drop.name, directory: drop.directory,
                                          reason: "near-duplicate of \(keep.name) (\(keep.directory))", archive: drop.source == .user))
            }
        }
        return items
    }

    static func days(_ t: TimeInterval) -> Int { Int(t / 86_400) }

    static func similar(_ a: Skill, _ b: Skill) -> Bool {
        if SkillSimilarity.isNearDuplicate(name: a.name, content: nil, of: b) { return true }
        let da = SkillSimilarity.words(a.description), db = SkillSimilarity.words(b.description)
        guard SkillSimilarity.jaccard(da, db) >= 0.5 else { return false }
        let ba = SkillSimilarity.words((try? String(contentsOfFile: a.file, encoding: .utf8)) ?? "")
        let bb = SkillSimilarity.words((try? String(contentsOfFile: b.file, encoding: .utf8)) ?? "")
        return SkillSimilarity.jaccard(ba, bb) >= 0.7
    }

    /// Brings back the newest archived copy of `name` into `root`.
    public static func restore(_ name: String, root: String) throws(SkillError) -> String {
        let archive = root + "/.archive"
        let copies = ((try? FileManager.default.contentsOfDirectory(atPath: archive)) ?? [])
            .filter { $0.hasPrefix(name + "-") && Int($0.dropFirst(name.count + 1)) != nil }
            .sorted { Int($0.dropFirst(name.count + 1))! > Int($1.dropFirst(name.count + 1))! }
        guard let newest = copies.first else { throw SkillError("no archived skill named \(name) in \(archive)") }
        let target = root + "/" + name
        guard !FileManager.default.fileExists(atPath: target) else { throw SkillError("\(target) exists; move it away first") }
        do { try FileManager.default.moveItem(atPath: archive + "/" + newest, toPath: target) } catch {
            throw SkillError("cannot restore \(name): \(error.localizedDescription)")
        }
        return target
    }
}
