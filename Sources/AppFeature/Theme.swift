import AgentProtocol
import Markdown
import TUIKit

/// Semantic roles views ask for; a theme file maps each to a style.
public struct Theme: Sendable, Hashable {
    public var name = "dark"
    public var text = Style.plain
    public var dim = Style(attributes: .dim)
    public var accent = Style(foreground: .indexed(6), attributes: .bold)
    public var user = Style(foreground: .indexed(4), attributes: .bold)
    public var assistant = Style.plain
    public var reasoning = Style(foreground: .indexed(8), attributes: .italic)
    public var tool = Style(foreground: .indexed(5))
    public var success = Style(foreground: .indexed(2))
    public var warning = Style(foreground: .indexed(3))
    public var error = Style(foreground: .indexed(1), attributes: .bold)
    public var selection = Style(attributes: .reverse)
    public var border = Style(foreground: .indexed(8))
    public var status = Style(attributes: .reverse)
    public var markdown = MarkdownStyles()

    public init() {}
    public static let dark = Theme()

    /// Every role, by the name theme files use.
    static var roles: [(String, WritableKeyPath<Theme, Style>)] { [
        ("text", \.text), ("dim", \.dim), ("accent", \.accent), ("user", \.user), ("assistant", \.assistant),
        ("reasoning", \.reasoning), ("tool", \.tool), ("success", \.success), ("warning", \.warning), ("error", \.error),
        ("selection", \.selection), ("border", \.border), ("status", \.status),
        ("markdown.heading", \.markdown.heading), ("markdown.emphasis", \.markdown.emphasis), ("markdown.strong", \.markdown.strong),
        ("markdown.code", \.markdown.inlineCode), ("markdown.link", \.markdown.link), ("markdown.quote", \.markdown.quote),
        ("markdown.marker", \.markdown.marker), ("markdown.rule", \.markdown.rule), ("code.gutter", \.markdown.codeGutter),
        ("code.text", \.markdown.code.plain), ("code.keyword", \.markdown.code.keyword), ("code.string", \.markdown.code.string),
        ("code.comment", \.markdown.code.comment), ("code.number", \.markdown.code.number), ("code.type", \.markdown.code.type),
        ("code.variable", \.markdown.code.variable), ("code.added", \.markdown.code.added), ("code.removed", \.markdown.code.removed),
        ("code.meta", \.markdown.code.meta),
    ] }

    /// The same theme with colours removed (attributes kept): `NO_COLOR`.
    public func withoutColor() -> Theme {
        var t = self
        for (_, path) in Self.roles {
            t[keyPath: path].foreground = .default
            t[keyPath: path].background = .default
        }
        return t
    }

    /// Parses a theme file: `{"name": …, "extends": "dark", "styles": {role: style}}`, where a style is
    /// a colour (`"cyan"`, `"bright-red"`, `208`, `"#88c0d0"`) or `{"fg", "bg", "bold", "dim",
    /// "italic", "underline", "reverse", "strikethrough"}`. Roles not given come from `base`.
    /// Every problem is reported with the role it is in.
    public static func parse(_ text: String, source: String, base: Theme = Theme()) -> (Theme?, [String]) {
        guard let root = JSONValue.parse(text)?.objectValue else { return (nil, ["\(source): not a JSON object"]) }
        var errors: [String] = []
        for key in root.keys where !["name", "extends", "styles", "description"].contains(key) {
            errors.append("\(source): unknown field \"\(key)\"")
        }
        var theme = base
        theme.name = root["name"]?.stringValue ?? base.name
        let roleNames = Dictionary(uniqueKeysWithValues: roles)
        for (role, value) in (root["styles"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let path = roleNames[role] else {
                errors.append("\(source): styles: unknown role \"\(role)\""); continue
            }
            var style = Style.plain
            if let obj = value.objectValue {
                for (k, v) in obj {
                    switch k {
                    case "fg", "bg":
                        guard let c = color(v) else { errors.append("\(source): styles.\(role).\(k): not a colour: \(v.jsonText)"); continue }
                        if k == "fg" { style.foreground = c } else { style.background = c }
                    case "bold", "dim", "italic", "underline", "reverse", "strikethrough":
                        let flag: Attributes = ["bold": .bold, "dim": .dim, "italic": .italic, "underline": .underline,
                                                "reverse": .reverse, "strikethrough": .strikethrough][k]!
                        if v.boolValue == true { style.attributes.insert(flag) } else if v.boolValue == nil {
                            errors.append("\(source): styles.\(role).\(k): expected true or false")
                        }
                    default: errors.append("\(source): styles.\(role): unknown key \"\(k)\"")
                    }
                }
            } else if let c = color(value) {
                style.foreground = c
            } else {
                errors.append("\(source): styles.\(role): not a colour or style: \(value.jsonText)"); continue
            }
            theme[keyPath: path] = style
        }
        return (theme, errors)
    }

    static let colorNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// `"default"`, a name (`"red"`, `"bright-red"`, `"gray"`), 0–255, or `"#rrggbb"`.
    static func color(_ v: JSONValue) -> Color? {
        if let n = v.intValue { return (0...255).contains(n) ? .indexed(UInt8(n)) : nil }
        guard let s = v.stringValue?.lowercased() else { return nil }
        if s == "default" { return .default }
        if s == "gray" || s == "grey" { return .indexed(8) }
        if let i = colorNames.firstIndex(of: s) { return .indexed(UInt8(i)) }
        if s.hasPrefix("bright-"), let i = colorNames.firstIndex(of: String(s.dropFirst(7))) { return .indexed(UInt8(i + 8)) }
        if s.hasPrefix("#"), s.count == 7, let v = UInt32(s.dropFirst(), radix: 16) {
            return .rgb(UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
        }
        return nil
    }
}
