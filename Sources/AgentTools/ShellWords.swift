import Foundation

/// A shell command line split the way a POSIX shell reads it, far enough to judge what it does:
/// simple commands with their words (quotes removed), their redirections, whether they sit in a
/// pipeline, and the command lines nested in `$(…)`, backticks and `<(…)`.
///
/// It is not a shell: no expansion happens. A word keeps `$VAR` as written, so the policy can
/// treat what it cannot know as unknown instead of guessing.
///
/// ```
/// parse("cat a | sudo tee /etc/x > /dev/null; echo $(rm -rf ~)")
///   → [cat a] |→ [sudo tee /etc/x] (> /dev/null) ; [echo $(…)], nested: ["rm -rf ~"]
/// ```
struct ShellLine: Sendable, Hashable {
    struct Redirect: Sendable, Hashable {
        var isWrite: Bool
        var target: String
    }

    struct Command: Sendable, Hashable {
        var words: [String] = []
        var redirects: [Redirect] = []
        /// Index of the pipeline this command belongs to, and its position in it.
        var pipeline = 0
        var stage = 0
    }

    var commands: [Command] = []
    /// Command lines found in substitutions, to be judged on their own.
    var nested: [String] = []

    static func parse(_ text: String) -> ShellLine {
        var parser = Parser(Array(text.unicodeScalars))
        parser.run()
        return parser.line
    }

    private struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        var line = ShellLine()
        var current = Command()
        var word = ""
        var inWord = false
        var pendingRedirect: Bool?  // isWrite, waiting for its target word
        var pipeline = 0
        var stage = 0

        init(_ s: [Unicode.Scalar]) { self.s = s }

        mutating func run() {
            while i < s.count {
                let c = s[i]
                switch c {
                case " ", "\t":
                    endWord(); i += 1
                case "\n", ";":
                    endCommand(pipe: false); i += 1
                case "&":
                    if peek(1) == ">" { // &> file
                        endWord(); pendingRedirect = true; i += peek(2) == ">" ? 3 : 2
                    } else {
                        endCommand(pipe: false); i += peek(1) == "&" ? 2 : 1
                    }
                case "|":
                    if peek(1) == "|" { endCommand(pipe: false); i += 2 } else { endCommand(pipe: true); i += peek(1) == "&" ? 2 : 1 }
                case ">", "<":
                    if peek(1) == "(" { // process substitution <(…) >(…)
                        i += 2
                        line.nested.append(captureParens())
                        word += "$(…)"; inWord = true
                        continue
                    }
                    // A file descriptor number just before (2>) belongs to the operator.
                    if inWord, word.allSatisfy({ $0.isNumber }) { word = ""; inWord = false } else { endWord() }
                    let isWrite = c == ">"
                    i += 1
                    if peek(0) == ">" || peek(0) == "|" { i += 1 }
                    if peek(0) == "&" { // 2>&1, >&2: a descriptor, not a file
                        i += 1
                        while i < s.count, s[i].properties.numericType != nil || s[i] == "-" { i += 1 }
                        continue
                    }
                    if !isWrite, peek(0) == "<" { i += 1; if peek(0) == "<" { i += 1 } } // here-doc/here-string: not a file
                    pendingRedirect = isWrite
                case "'":
                    inWord = true; i += 1
                    while i < s.count, s[i] != "'" { word.unicodeScalars.append(s[i]); i += 1 }
                    i += 1
                case "\"":
                    inWord = true; i += 1
                    while i < s.count, s[i] != "\"" {
                        if s[i] == "\\", i + 1 < s.count { word.unicodeScalars.append(s[i + 1]); i += 2; continue }
                        if s[i] == "$", peek(1) == "(" { i += 2; line.nested.append(captureParens()); word += "$(…)"; continue }
                        if s[i] == "`" { i += 1; line.nested.append(captureBackticks()); word += "$(…)"; continue }
                        word.unicodeScalars.append(s[i]); i += 1
                    }
                    i += 1
                case "\\":
                    inWord = true
                    if i + 1 < s.count, s[i + 1] != "\n" { word.unicodeScalars.append(s[i + 1]) }
                    i += 2
                case "$" where peek(1) == "(":
                    inWord = true; i += 2
                    if peek(0) == "(" { // $(( arithmetic ))
                        _ = captureParens(); word += "$((…))"; continue
                    }
                    line.nested.append(captureParens()); word += "$(…)"
                case "`":
                    inWord = true; i += 1
                    line.nested.append(captureBackticks()); word += "$(…)"
                case "#" where !inWord:
                    while i < s.count, s[i] != "\n" { i += 1 }
                case "(", ")":
                    // Subshells: their contents are commands of this line.
                    endCommand(pipe: false); i += 1
                case "{", "}":
                    // Groups, unless part of a word (`${HOME}`, `a{b,c}`).
                    if inWord { word.unicodeScalars.append(c) } else { endCommand(pipe: false) }
                    i += 1
                default:
                    inWord = true
                    word.unicodeScalars.append(c); i += 1
                }
            }
            endCommand(pipe: false)
        }

        func peek(_ k: Int) -> Unicode.Scalar? { i + k < s.count ? s[i + k] : nil }

        /// Text up to the `)` matching an already consumed `(`; quotes respected.
        mutating func captureParens() -> String {
            var depth = 1
            var out = String.UnicodeScalarView()
            var quote: Unicode.Scalar?
            while i < s.count {
                let c = s[i]
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == "'" || c == "\"" {
                    quote = c
                } else if c == "(" {
                    depth += 1
                } else if c == ")" {
                    depth -= 1
                    if depth == 0 { i += 1; break }
                }
                out.append(c)
                i += 1
            }
            return String(out)
        }

        mutating func captureBackticks() -> String {
            var out = String.UnicodeScalarView()
            while i < s.count, s[i] != "`" {
                if s[i] == "\\", i + 1 < s.count { out.append(s[i + 1]); i += 2; continue }
                out.append(s[i]); i += 1
            }
            i += 1
            return String(out)
        }

        mutating func endWord() {
            guard inWord else { return }
            if let isWrite = pendingRedirect {
                current.redirects.append(Redirect(isWrite: isWrite, target: word))
                pendingRedirect = nil
            } else {
                current.words.append(word)
            }
            word = ""
            inWord = false
        }

        mutating func endCommand(pipe: Bool) {
            endWord()
            pendingRedirect = nil
            if !current.words.isEmpty || !current.redirects.isEmpty {
                current.pipeline = pipeline
                current.stage = stage
                line.commands.append(current)
            }
            current = Command()
            if pipe { stage += 1 } else { pipeline += 1; stage = 0 }
        }
    }
}
