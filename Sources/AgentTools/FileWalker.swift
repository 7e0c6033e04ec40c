import Foundation

/// Walks a directory tree breadth-first, skipping VCS, dependency and build folders.
struct FileWalker {
    static let skipped: Set<String> = [".git", ".hg", ".svn", "node_modules", ".build", "__pycache__", ".venv",
                                       "venv", "target", "dist", ".mypy_cache", ".pytest_cache", ".tox", ".next"]

    let root: String
    var maxDepth = 32
    var includeHidden = false

    /// Calls `visit(relativePath, isDirectory)` until it returns false.
    func walk(_ visit: (String, Bool) -> Bool) {
        var queue: [(String, Int)] = [("", 0)]
        let fm = FileManager.default
        var head = 0
        while head < queue.count {
            let (rel, depth) = queue[head]
            head += 1
            let dir = rel.isEmpty ? root : root + "/" + rel
            guard let names = try? fm.contentsOfDirectory(atPath: dir) else { continue }
            for name in names.sorted() {
                if !includeHidden && name.hasPrefix(".") && name != ".github" { continue }
                let childRel = rel.isEmpty ? name : rel + "/" + name
                var isDir: ObjCBool = false
                _ = fm.fileExists(atPath: root + "/" + childRel, isDirectory: &isDir)
                if isDir.boolValue && Self.skipped.contains(name) { continue }
                if !visit(childRel, isDir.boolValue) { return }
                if isDir.boolValue && depth + 1 < maxDepth { queue.append((childRel, depth + 1)) }
            }
        }
    }
}

/// Glob matching for file names (`*.swift`, `src/**/*.ts`), via fnmatch.
func globMatches(_ pattern: String, _ path: String) -> Bool {
    let name = (path as NSString).lastPathComponent
    if !pattern.contains("/") { return fnmatch(pattern, name, 0) == 0 }
    let p = pattern.replacingOccurrences(of: "**/", with: "*")
    return fnmatch(p, path, 0) == 0
}
