import TUIKit

/// Semantic roles views ask for; a theme maps each to a style (themes/*.json come with the TUI).
public struct Theme: Sendable, Hashable {
    public var text = Style.plain
    public var dim = Style(attributes: .dim)
    public var accent = Style(foreground: .indexed(6), attributes: .bold)
    public var user = Style(foreground: .indexed(4), attributes: .bold)
    public var reasoning = Style(foreground: .indexed(8), attributes: .italic)
    public var tool = Style(foreground: .indexed(5))
    public var success = Style(foreground: .indexed(2))
    public var warning = Style(foreground: .indexed(3))
    public var error = Style(foreground: .indexed(1), attributes: .bold)
    public var border = Style(foreground: .indexed(8))
    public var status = Style(attributes: .reverse)

    public init() {}
    public static let dark = Theme()
}
