import Foundation
import GRDB

/// What `kizuna doctor` reads from a database without changing it.
public struct StoreHealth: Sendable, Equatable {
    /// `ok`, or SQLite's first complaint from `PRAGMA integrity_check`.
    public var integrity: String
    /// Migrations this program has and the database has not had yet (a night runs them).
    public var pendingMigrations: [String]
    /// Migrations the database has had that this program does not know (a newer program wrote it).
    public var unknownMigrations: [String]
    /// `wal` for a database Kizuna made.
    public var journalMode: String
}

extension Store {
    /// Opens the database read-only (no migration, nothing written) and checks it; nil when
    /// the file does not exist yet.
    public static func health(databasePath path: String) throws -> StoreHealth? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var config = GRDB.Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: config).read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").first ?? "no answer"
            let journal = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "unknown"
            let migrator = Schema.migrator
            let applied = try db.tableExists("grdb_migrations") ? try migrator.appliedIdentifiers(db) : []
            let known = migrator.migrations
            return StoreHealth(integrity: integrity, pendingMigrations: known.filter { !applied.contains($0) },
                               unknownMigrations: applied.subtracting(known).sorted(), journalMode: journal.lowercased())
        }
    }
}
