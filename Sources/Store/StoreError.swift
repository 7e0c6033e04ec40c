import Foundation
import GRDB

/// The one error type the store throws across its module boundary.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        case cannotOpen, notFound, sqlite, invalidQuery
    }

    public var code: Code
    /// The SQLite result code, when SQLite reported the failure.
    public var sqliteCode: Int32?
    public var message: String

    public init(_ code: Code, _ message: String, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
    }

    /// Wraps any error from GRDB; SQL arguments are never included (they may hold user text).
    static func wrap(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? DatabaseError {
            return StoreError(.sqlite, e.message ?? "SQLite error \(e.resultCode.rawValue)", sqliteCode: e.resultCode.rawValue)
        }
        return StoreError(.sqlite, "\(error)")
    }

    public var description: String { message }
}
