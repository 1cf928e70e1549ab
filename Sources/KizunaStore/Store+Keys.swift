import Foundation
import GRDB
import KizunaCore

extension Schema {
    /// The roles of OpenPGP keys: one row per key, role and edition while it holds it; removing
    /// a role stamps `removed_at` and keeps the row, so who could do what, when, stays readable.
    static func v8OpenPGPKeys(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE openpgp_keys (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                fingerprint TEXT NOT NULL CHECK (length(fingerprint) IN (40, 64) AND fingerprint NOT GLOB '*[^0-9A-F]*'),
                role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer')),
                edition TEXT CHECK (edition IS NULL OR edition <> ''),
                field TEXT CHECK (field IS NULL OR (field <> '' AND role = 'reviewer')),
                user_id TEXT NOT NULL,
                added_at TEXT NOT NULL,
                removed_at TEXT
            ) STRICT;
            CREATE UNIQUE INDEX openpgp_keys_current ON openpgp_keys(fingerprint, role, ifnull(edition, '')) WHERE removed_at IS NULL;
            """)
    }
}

/// One role an OpenPGP key holds (or held, when `removedAt` is set).
public struct KeyRoleRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    public static let databaseTableName = "openpgp_keys"
    public var id: Int64?
    public var fingerprint: String
    public var role: KeyRole
    /// The edition it holds the role for; nil: every edition.
    public var edition: String?
    /// A reviewer's field (midwifery, paediatrics, …).
    public var field: String?
    public var userID: String
    public var addedAt: Date
    public var removedAt: Date?

    public init(fingerprint: String, role: KeyRole, edition: String?, field: String?, userID: String, addedAt: Date) {
        self.fingerprint = fingerprint; self.role = role; self.edition = edition; self.field = field
        self.userID = userID; self.addedAt = addedAt
    }

    public enum CodingKeys: String, CodingKey {
        case id, fingerprint, role, edition, field, userID = "user_id", addedAt = "added_at", removedAt = "removed_at"
    }
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// `admin for sakura`, `reviewer (midwifery)`: the role as the CLI shows it.
    public var roleText: String {
        role.rawValue + (edition.map { " for \($0)" } ?? "") + (field.map { " (\($0))" } ?? "")
    }
}

extension Store {
    /// The roles keys hold now, by fingerprint then when they were given.
    public func currentKeyRoles() throws -> [KeyRoleRecord] {
        try writer.read { db in
            try KeyRoleRecord.fetchAll(db, sql: "SELECT * FROM openpgp_keys WHERE removed_at IS NULL ORDER BY fingerprint, id")
        }
    }

    /// Gives the key a role, with an event; false (and no change) when it holds that role already.
    @discardableResult
    public func addKeyRole(_ record: KeyRoleRecord) throws -> Bool {
        try writer.write { db in
            let held = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM openpgp_keys WHERE fingerprint = ? AND role = ? AND ifnull(edition, '') = ? AND removed_at IS NULL)
                """, arguments: [record.fingerprint, record.role.rawValue, record.edition ?? ""]) ?? false
            guard !held else { return false }
            var row = record
            try row.insert(db)
            var event = EventRecord(at: record.addedAt, subscriberID: nil, kind: .keyRoleAdded,
                                    detail: "\(record.fingerprint) \(record.roleText): \(record.userID)")
            try event.insert(db)
            return true
        }
    }

    /// Ends every role the key holds, one event each; returns the roles ended.
    public func removeKeyRoles(fingerprint: String, at: Date) throws -> [KeyRoleRecord] {
        try writer.write { db in
            let current = try KeyRoleRecord.fetchAll(db, sql: "SELECT * FROM openpgp_keys WHERE fingerprint = ? AND removed_at IS NULL ORDER BY id",
                                                     arguments: [fingerprint])
            for var row in current {
                row.removedAt = at
                try row.update(db)
                var event = EventRecord(at: at, subscriberID: nil, kind: .keyRoleRemoved, detail: "\(fingerprint) \(row.roleText): \(row.userID)")
                try event.insert(db)
            }
            return current
        }
    }
}
