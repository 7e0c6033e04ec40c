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
            return StoreError(.sqlite, e.message ?? "SQLite error \(e.resultCode.rawValue)", sqliteCode: e.extendedResultCode.rawValue)
        }
        return StoreError(.sqlite, "\(error)")
    }

    public var description: String { hint.map { message + " — " + $0 } ?? message }

    /// What to do, for the failures storage has (SQLite's primary result codes).
    public var hint: String? {
        switch (sqliteCode ?? 0) & 0xFF {
        case 5, 6: "another program is using the database (another talaria writing, a backup?); wait for it or close it"
        case 13: "the disk is full; free some space (nothing half-written was kept)"
        case 8: "the database or its folder is read-only; check its permissions (talaria doctor)"
        case 14: "the folder is missing or not writable; check TALARIA_HOME and its permissions (talaria doctor)"
        case 11, 26: "the file is damaged or not a database; run talaria doctor, and talaria restore FILE from a backup"
        case 10: "the disk or filesystem failed to read or write; check it (dmesg), then run talaria doctor"
        default: nil
        }
    }
}
