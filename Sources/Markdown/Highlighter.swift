import TUIKit

/// Styles for code tokens (a theme's `code.*` roles).
public struct CodeStyles: Sendable, Hashable {
    public var plain = Style.plain
    public var keyword = Style(foreground: .indexed(5), attributes: .bold)
    public var string = Style(foreground: .indexed(2))
    public var comment = Style(foreground: .indexed(8), attributes: .italic)
    public var number = Style(foreground: .indexed(3))
    public var type = Style(foreground: .indexed(6))
    public var variable = Style(foreground: .indexed(4))
    public var added = Style(foreground: .indexed(2))
    public var removed = Style(foreground: .indexed(1))
    public var meta = Style(foreground: .indexed(6), attributes: .bold)

    public init() {}
}

/// A small lexical highlighter: keywords, strings, comments, numbers, types, variables — enough
/// to make code readable at a glance, for Swift, Python, JavaScript/TypeScript, shell, JSON,
/// diff and the C family. One pass over the text; block comments and multi-line strings carry
/// across lines. Unknown languages come back plain.
public enum Highlighter {
    struct Grammar {
        var keywords: Set<Substring>
        var lineComments: [String]
        var blockComment: (String, String)?
        var quotes: [String] // longest first: `"""` before `"`
        var shellVariables = false
        var capitalizedTypes = true
    }

    static let swift = Grammar(
        keywords: ["actor", "any", "as", "associatedtype", "async", "await", "break", "case", "catch", "class", "continue",
                   "default", "defer", "deinit", "do", "else", "enum", "extension", "fallthrough", "false", "fileprivate",
                   "for", "func", "guard", "if", "import", "in", "init", "inout", "internal", "is", "let", "mutating", "nil",
                   "nonisolated", "open", "operator", "private", "protocol", "public", "repeat", "rethrows", "return", "self",
                   "Self", "some", "static", "struct", "subscript", "super", "switch", "throw", "throws", "true", "try",
                   "typealias", "var", "where", "while", "consuming", "borrowing", "sending"],
        lineComments: ["//"], blockComment: ("/*", "*/"), quotes: ["\"\"\"", "\""])
    static let python = Grammar(
        keywords: ["False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def",
                   "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
                   "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield", "match",
                   "case", "self"],
        lineComments: ["#"], blockComment: nil, quotes: ["\"\"\"", "'''", "\"", "'"])
    static let javascript = Grammar(
        keywords: ["async", "await", "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete",
                   "do", "else", "enum", "export", "extends", "false", "finally", "for", "from", "function", "if", "implements",
                   "import", "in", "instanceof", "interface", "let", "new", "null", "of", "private", "protected", "public",
                   "readonly", "return", "static", "super", "switch", "this", "throw", "true", "try", "type", "typeof",
                   "undefined", "var", "void", "while", "yield", "as", "keyof", "namespace", "declare", "abstract"],
        lineComments: ["//"], blockComment: ("/*", "*/"), quotes: ["`", "\"", "'"])
    static let shell = Grammar(
        keywords: ["if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac", "in",
                   "function", "return", "export", "local", "readonly", "set", "unset", "source", "exit", "echo", "cd"],
        lineComments: ["#"], blockComment: nil, quotes: ["\"", "'"], shellVariables: true, capitalizedTypes: false)
    static let json = Grammar(keywords: ["true", "false", "null"], lineComments: [], blockComment: nil, quotes: ["\""],
                              capitalizedTypes: false)
    static let cFamily = Grammar(
        keywords: ["auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
                   "float", "for", "goto", "if", "int", "long", "return", "short", "signed", "sizeof", "static", "struct",
                   "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "class", "namespace", "public",
                   "private", "template", "fn", "let", "mut", "impl", "pub", "use", "match", "package", "func", "go",
                   "true", "false", "nil", "null", "bool", "include", "define"],
        lineComments: ["//"], blockComment: ("/*", "*/"), quotes: ["\"", "'"])

    static func grammar(_ language: String) -> Grammar? {
        switch language.lowercased() {
        case "swift": swift
        case "python", "py", "python3": python
        case "js", "javascript", "ts", "typescript", "jsx", "tsx", "mjs": javascript
        case "sh", "bash", "shell", "zsh", "console", "shellscript": shell
        case "json", "jsonc", "json5": json
        case "c", "h", "cpp", "c++", "cc", "rust", "rs", "go", "java", "kotlin", "cs", "csharp": cFamily
        default: nil
        }
    }

    /// Whether `language` gets colours.
    public static func supports(_ language: String) -> Bool {
        let l = language.lowercased()
        return grammar(l) != nil || l == "diff" || l == "patch"
    }

    /// The code as lines of styled spans (one per source line).
    public static func highlight(_ code: String, language: String, styles: CodeStyles) -> [StyledLine] {
        let lines = code.split(separator: "\n", omittingEmptySubsequences: false)
        let l = language.lowercased()
        if l == "diff" || l == "patch" {
            return lines.map { line in
                let s: Style = line.hasPrefix("+++") || line.hasPrefix("---") ? styles.meta
                    : line.hasPrefix("+") ? styles.added : line.hasPrefix("-") ? styles.removed
                    : line.hasPrefix("@@") ? styles.meta : styles.plain
                return StyledLine(String(line), s)
            }
        }
        guard let g = grammar(l) else { return lines.map { StyledLine(String($0), styles.plain) } }
        var out: [StyledLine] = []
        var current = StyledLine()
        func emit(_ text: Substring, _ style: Style) {
            var first = true
            for part in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if !first { out.append(current); current = StyledLine() }
                first = false
                current.append(String(part), style)
            }
        }
        let s = Substring(code)
        var i = s.startIndex
        while i < s.endIndex {
            let rest = s[i...]
            if let lc = g.lineComments.first(where: { rest.hasPrefix($0) }), lc != "#" || isCommentHash(s, at: i) {
                let end = rest.firstIndex(of: "\n") ?? s.endIndex
                emit(s[i..<end], styles.comment); i = end; continue
            }
            if let (open, close) = g.blockComment, rest.hasPrefix(open) {
                let after = s.index(i, offsetBy: open.count)
                let end = s[after...].firstRange(of: close)?.upperBound ?? s.endIndex
                emit(s[i..<end], styles.comment); i = end; continue
            }
            if let q = g.quotes.first(where: { rest.hasPrefix($0) }) {
                let end = stringEnd(s, from: s.index(i, offsetBy: q.count), quote: q)
                let isKey = l.hasPrefix("json") && s[end...].drop(while: { $0 == " " }).first == ":"
                emit(s[i..<end], isKey ? styles.variable : styles.string); i = end; continue
            }
            let c = s[i]
            if g.shellVariables, c == "$" {
                var j = s.index(after: i)
                if j < s.endIndex, s[j] == "{" {
                    j = s[j...].firstIndex(of: "}").map { s.index(after: $0) } ?? s.endIndex
                } else {
                    while j < s.endIndex, s[j].isLetter || s[j].isNumber || s[j] == "_" || (j == s.index(after: i) && "?@#$!*-".contains(s[j])) {
                        let special = "?@#$!*-".contains(s[j])
                        j = s.index(after: j)
                        if special { break }
                    }
                }
                emit(s[i..<j], styles.variable); i = j; continue
            }
            if c.isNumber || (c == "." && s.index(after: i) < s.endIndex && s[s.index(after: i)].isNumber) {
                // Past the first character whatever it is: `²` or `٣` is a number but no hex digit.
                var j = s.index(after: i)
                while j < s.endIndex, s[j].isHexDigit || s[j] == "." || s[j] == "_" || s[j] == "x" { j = s.index(after: j) }
                emit(s[i..<j], styles.number); i = j; continue
            }
            if c.isLetter || c == "_" || c == "@" || c == "#" {
                var j = s.index(after: i)
                while j < s.endIndex, s[j].isLetter || s[j].isNumber || s[j] == "_" || (g.shellVariables && s[j] == "-") { j = s.index(after: j) }
                let word = s[i..<j]
                let bare = word.first == "@" || word.first == "#" ? word.dropFirst() : word
                let style: Style = g.keywords.contains(word) || g.keywords.contains(bare) ? styles.keyword
                    : g.capitalizedTypes && (word.first?.isUppercase ?? false) ? styles.type : styles.plain
                emit(word, style); i = j; continue
            }
            let j = s.index(after: i)
            emit(s[i..<j], styles.plain); i = j
        }
        out.append(current)
        return out
    }

    /// `#` starts a comment at a line start or after a space (not in `a#b` or `$#`).
    private static func isCommentHash(_ s: Substring, at i: Substring.Index) -> Bool {
        guard i > s.startIndex else { return true }
        let prev = s[s.index(before: i)]
        return prev == " " || prev == "\n" || prev == "\t" || prev == ";"
    }

    /// The index after the closing quote (or the line end for an unclosed one-line string).
    private static func stringEnd(_ s: Substring, from start: Substring.Index, quote: String) -> Substring.Index {
        var j = start
        let multiLine = quote.count == 3 || quote == "`"
        while j < s.endIndex {
            if s[j] == "\\" {
                j = s.index(after: j)
                if j < s.endIndex { j = s.index(after: j) }
                continue
            }
            if s[j...].hasPrefix(quote) { return s.index(j, offsetBy: quote.count) }
            if s[j] == "\n", !multiLine { return j }
            j = s.index(after: j)
        }
        return s.endIndex
    }
}
