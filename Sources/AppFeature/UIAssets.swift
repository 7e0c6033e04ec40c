import AgentProtocol

/// Themes and keymaps: the built-in ones (themes/*.json, keymaps/*.json, embedded) and the
/// user's (`~/.talaria/themes`, `~/.talaria/keymaps`), which add new names or replace
/// built-in ones. Every problem is collected as a message for start-up, never ignored.
public struct UIAssets: Sendable {
    public var themes: [String: Theme] = [:]
    public var keymaps: [String: Keymap] = [:]
    public var problems: [String] = []

    /// The built-in themes and keymaps alone (parsed once).
    public static let builtin = load()

    /// A user file: its name (file name without `.json`), text, and path for messages.
    public struct File: Sendable {
        public var name: String
        public var text: String
        public var path: String
        public init(name: String, text: String, path: String) {
            self.name = name
            self.text = text
            self.path = path
        }
    }

    public static func load(userThemes: [File] = [], userKeymaps: [File] = []) -> UIAssets {
        var assets = UIAssets()
        let builtinThemes = BuiltinAssets.themes.map { File(name: $0.key, text: $0.value, path: "themes/\($0.key).json") }
        // Built-ins first (user themes may extend them), then the user's.
        for file in builtinThemes.sorted(by: { $0.name < $1.name }) + userThemes.sorted(by: { $0.name < $1.name }) {
            let extends = JSONValue.parse(file.text)?["extends"]?.stringValue
            var base = Theme()
            if let e = extends {
                if let t = assets.themes[e] { base = t } else { assets.problems.append("\(file.path): extends unknown theme \"\(e)\"") }
            }
            let (theme, errors) = Theme.parse(file.text, source: file.path, base: base)
            assets.problems += errors
            if var theme {
                theme.name = file.name
                assets.themes[file.name] = theme
            }
        }
        var files: [String: KeymapFile] = [:]
        let builtinKeymaps = BuiltinAssets.keymaps.map { File(name: $0.key, text: $0.value, path: "keymaps/\($0.key).json") }
        for file in builtinKeymaps.sorted(by: { $0.name < $1.name }) + userKeymaps.sorted(by: { $0.name < $1.name }) {
            var (parsed, errors) = KeymapFile.parse(file.text, source: file.path)
            assets.problems += errors
            // A user file named like a built-in and extending it overrides it in place.
            if parsed?.extends == file.name, let original = files[file.name] {
                let renamed = file.name + "~builtin"
                files[renamed] = original
                parsed?.extends = renamed
            }
            parsed?.name = file.name
            if let parsed { files[file.name] = parsed }
        }
        for name in files.keys where !name.hasSuffix("~builtin") {
            let (map, errors) = KeymapFile.resolve(name, files: files)
            assets.problems += errors
            if let map { assets.keymaps[name] = map }
        }
        return assets
    }
}

