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
    /// The folder the failure was on, its free bytes then and whether it is mounted read-only,
    /// when the failure was the disk's (SQLite reports a full disk as an I/O error when it
    /// cannot grow the WAL's index, and a read-only mount as a file it cannot open).
    public var disk: Disk?
    /// The database file, when the store knows it (a lock is some program's hold on this file).
    public var file: String?

    public struct Disk: Sendable, Hashable {
        public var folder: String
        public var freeBytes: Int64
        public var readOnly: Bool

        public init(folder: String, freeBytes: Int64, readOnly: Bool) {
            self.folder = folder
            self.freeBytes = freeBytes
            self.readOnly = readOnly
        }
    }

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

    /// This error naming the database `file`, and with the state of its folder's disk when the
    /// failure could be the disk's.
    func on(file: String?) -> StoreError {
        var named = self
        named.file = file
        return named.on(folder: file.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path })
    }

    /// This error with the state of `folder`'s disk, when the failure could be the disk's.
    func on(folder: String?) -> StoreError {
        guard let folder, let code = sqliteCode, [8, 10, 13, 14].contains(code & 0xFF) else { return self }
        var fs = statvfs()
        guard statvfs(folder, &fs) == 0 else { return self }
        var e = self
        e.disk = Disk(folder: folder, freeBytes: Int64(fs.f_bavail) * Int64(fs.f_frsize), readOnly: fs.f_flag & UInt(ST_RDONLY) != 0)
        return e
    }

    /// Less free space than this beside an I/O error is a full disk.
    static let nearlyFull: Int64 = 1 << 20

    public var description: String { hint.map { message + " — " + $0 } ?? message }

    /// What to do, for the failures storage has (SQLite's primary result codes).
    public var hint: String? {
        if let disk, disk.readOnly {
            return "\(disk.folder) is on a read-only filesystem; remount it writable or set TALARIA_HOME to a writable folder (nothing was written)"
        }
        let primary = (sqliteCode ?? 0) & 0xFF
        if let disk, primary == 13 || (primary == 10 && disk.freeBytes < Self.nearlyFull) {
            return "the disk holding \(disk.folder) is full (\(disk.freeBytes / 1024) KB free); free some space and try again (nothing half-written was kept)"
        }
        return switch primary {
        case 5, 6: "another program is using the database\(file.map { " \($0)" } ?? "") (another talaria writing, a backup?); wait for it or close it"
        case 13: "the disk is full; free some space (nothing half-written was kept)"
        case 8: "the database or its folder is read-only; check its permissions (talaria doctor)"
        case 14: "the folder is missing or not writable; check TALARIA_HOME and its permissions (talaria doctor)"
        case 11, 26: "the file is damaged or not a database; run talaria doctor, and talaria restore FILE from a backup"
        case 10: "the disk or filesystem failed to read or write; check it (dmesg), then run talaria doctor"
        default: nil
        }
    }
}
