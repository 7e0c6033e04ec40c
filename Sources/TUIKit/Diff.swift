/// One cell the terminal must change.
public struct CellChange: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var cell: Cell

    public init(x: Int, y: Int, cell: Cell) {
        self.x = x
        self.y = y
        self.cell = cell
    }
}

extension ScreenBuffer {
    /// The cells of `next` that differ from `self`, in row-major order: only these are written.
    ///
    /// Continuation cells are never emitted (the terminal fills them when the wide grapheme
    /// before them is written). A cell that was a continuation and now holds text differs,
    /// so it is always written:
    ///
    /// ```
    /// prev:  [漢][··][a]      (漢 is wide; [··] is its continuation)
    /// next:  [x ][y ][a]
    /// diff:  (0,x) (1,y)
    /// ```
    public func diff(to next: ScreenBuffer) -> [CellChange] {
        guard cols == next.cols, rows == next.rows else { return next.allCells() } // a resize redraws everything
        var out: [CellChange] = []
        for y in 0..<rows {
            for x in 0..<cols {
                let b = next[x, y]
                if !b.isContinuation && self[x, y] != b { out.append(CellChange(x: x, y: y, cell: b)) }
            }
        }
        return out
    }

    /// Every non-continuation cell, blanks included: a full redraw after a resize or at start,
    /// when the terminal may hold anything.
    public func allCells() -> [CellChange] {
        var out: [CellChange] = []
        for y in 0..<rows { for x in 0..<cols where !self[x, y].isContinuation { out.append(CellChange(x: x, y: y, cell: self[x, y])) } }
        return out
    }

    /// Applies changes as a terminal would (used by tests and the virtual terminal).
    public mutating func apply(_ changes: [CellChange]) {
        for c in changes { put(c.cell.symbol, x: c.x, y: c.y, style: c.cell.style) }
    }
}
