import Foundation
import GRDB
import KizunaCore

extension Schema {
    /// Why a subscription ended (`SubscriptionEndReason`, stored as its word): a loss must stay
    /// ended on every path, while a birth or the end of the content need not. Subscriptions that
    /// ended before this migration get the reason their `subscription` event recorded.
    static func v6CareLoss(_ db: Database) throws {
        let words = SubscriptionEndReason.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        try db.execute(sql: """
            ALTER TABLE subscriptions ADD COLUMN end_reason TEXT CHECK (end_reason IS NULL OR end_reason IN (\(words)));
            UPDATE subscriptions SET end_reason = 'loss' WHERE status = 'ended' AND EXISTS (
                SELECT 1 FROM events e WHERE e.subscription_id = subscriptions.id AND e.kind = 'subscription'
                AND e.detail = 'pregnancy ended (loss)');
            UPDATE subscriptions SET end_reason = 'born' WHERE status = 'ended' AND end_reason IS NULL AND EXISTS (
                SELECT 1 FROM events e WHERE e.subscription_id = subscriptions.id AND e.kind = 'subscription'
                AND e.detail LIKE 'pregnancy % -> child born %');
            -- The report's look-up of the losses reported in its period.
            CREATE INDEX events_losses ON events(at) WHERE kind IN ('loss', 'loss reported');
            """)
    }
}

/// A loss reported by a parent, as the daily report names it: the address and the edition
/// only, so that a person at the clinic can follow up (never the parent's words).
public struct ReportedLoss: Sendable, Hashable {
    /// nil when the sender could not be kept (no subscriber row).
    public var address: String?
    public var edition: String?

    public init(address: String?, edition: String?) {
        self.address = address; self.edition = edition
    }
}

extension Store {
    /// The losses reported in the period (`loss` and `loss reported` events), oldest first.
    static func lossesReported(_ db: Database, _ period: StatementArguments, _ editions: [String]?, limit: Int) throws -> (Int, [ReportedLoss]) {
        let scope = EditionScope.edition("s.edition", editions), period = period + scope.arguments
        let losses = """
            FROM events e INDEXED BY events_losses LEFT JOIN subscribers s ON s.id = e.subscriber_id
            WHERE e.kind IN ('loss', 'loss reported') AND e.at > ? AND e.at <= ?\(scope.sql)
            """
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(losses)", arguments: period) ?? 0
        let rows = try Row.fetchAll(db, sql: "SELECT s.address, s.edition \(losses) ORDER BY e.at, e.id LIMIT ?", arguments: period + [limit])
        return (total, rows.map { ReportedLoss(address: $0["address"], edition: $0["edition"]) })
    }
}
