import Foundation

/// Near-duplicate skills: the same words in name and description, mostly.
public enum SkillSimilarity {
    public static func words(_ s: String) -> Set<String> {
        Set(s.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { $0.count > 2 })
    }

    public static func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        a.isEmpty || b.isEmpty ? 0 : Double(a.intersection(b).count) / Double(a.union(b).count)
    }

    public static func isNearDuplicate(name: String, content: String?, of skill: Skill) -> Bool {
        let description = content.flatMap { try? SkillProperties(SkillFile.parse($0, path: "SKILL.md")).description } ?? ""
        let nameScore = jaccard(words(name.replacingOccurrences(of: "-", with: " ")), words(skill.name.replacingOccurrences(of: "-", with: " ")))
        let descScore = jaccard(words(description), words(skill.description))
        return nameScore >= 0.99 || (nameScore >= 0.5 && descScore >= 0.5) || descScore >= 0.8
    }
}
