import Foundation
import GRDB

/// An update a gateway took from its platform, as stored until it is handled.
public struct InboxItem: Sendable, Hashable {
    public enum State: String, Sendable {
        /// Taken, not yet handed to a session.
        case received
        /// Its turn started; a restart finds it here if it died mid-answer.
        case working
        case done
    }

    public var platform: String
    public var updateID: String
    public var chat: String
    public var user: String
    /// The decoded update (JSON the gateway wrote).
    public var body: String
    public var state: State
    public var receivedAt: Date

    public init(platform: String, updateID: String, chat: String, user: String, body: String, state: State = .received, receivedAt: Date = Date()) {
        self.platform = platform
        self.updateID = updateID
        self.chat = chat
        self.user = user
        self.body = body
        self.state = state
        self.receivedAt = receivedAt
    }
}

/// Someone who wrote to a gateway: approved by the owner, or waiting with a pairing code.
public struct GatewayUser: Sendable, Hashable {
    public var platform: String
    public var user: String
    public var name: String
    public var code: String?
    public var approved: Bool
}

extension SessionStore {
    // MARK: - Inbox and cursor

    /// Stores the updates a poll returned and the platform's new cursor in one transaction;
    /// returns those not seen before (a platform may deliver one again).
    public func receive(_ items: [InboxItem], cursor: String?, platform: String) throws(StoreError) -> [InboxItem] {
        try write { db in
            var fresh: [InboxItem] = []
            for item in items {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO gateway_inbox(platform, update_id, chat, user, body, state, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [item.platform, item.updateID, item.chat, item.user, item.body, item.state.rawValue,
                                     item.receivedAt.timeIntervalSince1970])
                if db.changesCount > 0 { fresh.append(item) }
            }
            if let cursor {
                try db.execute(sql: "INSERT OR REPLACE INTO gateway_cursor(platform, cursor) VALUES (?, ?)", arguments: [platform, cursor])
            }
            return fresh
        }
    }

    public func gatewayCursor(_ platform: String) throws(StoreError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT cursor FROM gateway_cursor WHERE platform = ?", arguments: [platform]) }
    }

    /// Updates of `platform` in `state`, oldest first.
    public func inbox(_ platform: String, state: InboxItem.State) throws(StoreError) -> [InboxItem] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM gateway_inbox WHERE platform = ? AND state = ? ORDER BY received_at, update_id",
                             arguments: [platform, state.rawValue]).map { row in
                InboxItem(platform: row["platform"], updateID: row["update_id"], chat: row["chat"], user: row["user"], body: row["body"],
                          state: InboxItem.State(rawValue: row["state"]) ?? .received, receivedAt: Date(timeIntervalSince1970: row["received_at"]))
            }
        }
    }

    public func setInboxState(_ platform: String, _ updateID: String, _ state: InboxItem.State) throws(StoreError) {
        try write { db in
            try db.execute(sql: "UPDATE gateway_inbox SET state = ? WHERE platform = ? AND update_id = ?", arguments: [state.rawValue, platform, updateID])
        }
    }

    // MARK: - Chats

    /// The session a chat continues, if it has one.
    public func gatewaySession(platform: String, chat: String) throws(StoreError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT session_id FROM gateway_chat WHERE platform = ? AND chat = ?", arguments: [platform, chat])
        }
    }

    public func setGatewaySession(platform: String, chat: String, session: String?) throws(StoreError) {
        try write { db in
            if let session {
                try db.execute(sql: "INSERT OR REPLACE INTO gateway_chat(platform, chat, session_id, updated_at) VALUES (?, ?, ?, ?)",
                               arguments: [platform, chat, session, Date().timeIntervalSince1970])
            } else {
                try db.execute(sql: "DELETE FROM gateway_chat WHERE platform = ? AND chat = ?", arguments: [platform, chat])
            }
        }
    }

    public func gatewayChatCount(platform: String) throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM gateway_chat WHERE platform = ?", arguments: [platform]) ?? 0 }
    }

    // MARK: - Pairing

    public func gatewayUser(platform: String, user: String) throws(StoreError) -> GatewayUser? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM gateway_user WHERE platform = ? AND user = ?", arguments: [platform, user]).map(Self.gatewayUser)
        }
    }

    /// A stranger's pairing code: the one they were given, or `code` now.
    public func pairingCode(platform: String, user: String, name: String, code: String) throws(StoreError) -> (code: String, isNew: Bool) {
        try write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT code FROM gateway_user WHERE platform = ? AND user = ? AND approved = 0",
                                                  arguments: [platform, user]) {
                return (existing, false)
            }
            try db.execute(sql: "INSERT OR IGNORE INTO gateway_user(platform, user, name, code, approved, created_at) VALUES (?, ?, ?, ?, 0, ?)",
                           arguments: [platform, user, name, code, Date().timeIntervalSince1970])
            return (code, true)
        }
    }

    /// Approves whoever holds `code` (`talaria gateway pair CODE`); nil when no one does.
    public func approvePairing(code: String) throws(StoreError) -> GatewayUser? {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM gateway_user WHERE code = ? AND approved = 0", arguments: [code.uppercased()]) else { return nil }
            var user = Self.gatewayUser(row)
            try db.execute(sql: "UPDATE gateway_user SET approved = 1, code = NULL WHERE platform = ? AND user = ?", arguments: [user.platform, user.user])
            user.approved = true
            user.code = nil
            return user
        }
    }

    public func gatewayUsers() throws(StoreError) -> [GatewayUser] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM gateway_user ORDER BY created_at").map(Self.gatewayUser) }
    }

    private static func gatewayUser(_ row: Row) -> GatewayUser {
        GatewayUser(platform: row["platform"], user: row["user"], name: row["name"], code: row["code"], approved: (row["approved"] as Int? ?? 0) != 0)
    }
}
