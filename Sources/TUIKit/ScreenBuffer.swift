/// One terminal cell: a grapheme and its style.
///
/// A wide grapheme occupies its cell and the next; that next cell holds an empty
/// `symbol` (a continuation), which the diff never writes on its own.
public struct Cell: Sendable, Hashable {
    public var symbol: String
    public var style: Style

    public init(_ symbol: String = " ", style: Style = .plain) {
        self.symbol = symbol
        self.style = style
    }

    public static let blank = Cell()
    public var isContinuation: Bool { symbol.isEmpty }
}

/// A grid of cells that a frame is rendered into, before the diff decides what reaches the terminal.
public struct ScreenBuffer: Sendable, Hashable {
    public let cols: Int
    public let rows: Int
    public private(set) var cells: [Cell]
    /// Where the terminal's own cursor goes (the caret of the field that has focus), nil:
    /// hidden. An input method opens its pre-edit window there; screen readers follow it.
    public var cursor: CursorPosition?

    public init(cols: Int, rows: Int) {
        self.cols = max(0, cols)
        self.rows = max(0, rows)
        cells = Array(repeating: .blank, count: self.cols * self.rows)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * cols + x] }
        set { cells[y * cols + x] = newValue }
    }

    /// Writes `text` from column `x` on row `y`, clipped at `maxX` (default: the right edge).
    ///
    /// Returns the column after the last written cell. Control characters are skipped; a wide
    /// grapheme that does not fit in the remaining columns is drawn as a space instead of
    /// being split; overwriting half of a wide grapheme blanks its other half.
    @discardableResult
    public mutating func put(_ text: some StringProtocol, x: Int, y: Int, style: Style = .plain, maxX: Int? = nil) -> Int {
        guard y >= 0, y < rows else { return x }
        let limit = min(maxX ?? cols, cols)
        var col = max(0, x)
        for ch in text {
            let w = DisplayWidth.of(ch)
            if w == 0 { continue }
            if col >= limit { break }
            if col + w > limit {
                setCell(col, y, Cell(" ", style: style))
                col += 1
                break
            }
            setCell(col, y, Cell(String(ch), style: style))
            if w == 2 { setCell(col + 1, y, Cell("", style: style)) }
            col += w
        }
        return col
    }

    /// Fills a rectangle with `cell`.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, with cell: Cell = .blank) {
        let x0 = max(0, x), x1 = min(cols, x + width)
        guard x0 < x1 else { return }
        for yy in max(0, y)..<min(rows, y + height) {
            // Only the edges can cut a wide grapheme in two; the inside is assigned directly.
            setCell(x0, yy, cell)
            if x1 - 1 > x0 { setCell(x1 - 1, yy, cell) }
            if x1 - 1 > x0 + 1 { for xx in (x0 + 1)..<(x1 - 1) { cells[yy * cols + xx] = cell } }
        }
    }

    private mutating func setCell(_ x: Int, _ y: Int, _ cell: Cell) {
        let i = y * cols + x
        // Keep wide graphemes whole: overwriting either half of one blanks the other half.
        if cells[i].isContinuation, x > 0, !cell.isContinuation, DisplayWidth.of(cells[i - 1].symbol) == 2 {
            cells[i - 1] = Cell(" ", style: cells[i - 1].style)
        }
        if x + 1 < cols, cells[i + 1].isContinuation, DisplayWidth.of(cells[i].symbol) == 2 {
            cells[i + 1] = Cell(" ", style: cells[i + 1].style)
        }
        cells[i] = cell
    }

    /// The text of each row (continuations omitted, trailing spaces trimmed): the snapshot form.
    public func lines() -> [String] {
        (0..<rows).map { y in
            var s = ""
            for x in 0..<cols where !self[x, y].isContinuation { s += self[x, y].symbol }
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
    }
}

/// A cell position for the terminal's cursor.
public struct CursorPosition: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}
