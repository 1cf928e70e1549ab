import Foundation
import GRDB

extension Store {
    /// After an interrupted batch: planned deliveries whose spool file was written are queued.
    /// Their Message-ID and subject stay unknown to the ledger (the spool file has them).
    public func markRecoveredQueued(ids: [Int64], at: Date) throws {
        let now = Timestamp.string(from: at)
        try writer.write { db in
            let update = try db.cachedStatement(sql: "UPDATE deliveries SET status = 'queued', updated_at = ? WHERE id = ? AND status = 'planned'")
            for id in ids { try update.execute(arguments: [now, id]) }
        }
    }
}
