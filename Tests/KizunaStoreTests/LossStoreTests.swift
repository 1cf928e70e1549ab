import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

/// Why a subscription ended, as the store keeps it (`end_reason`, migration v6-care-loss), and
/// the losses the daily report lists.
@Suite struct LossStoreTests {
    let noon = ISO8601DateFormatter().date(from: "2026-05-01T03:00:00Z")!
    let today = CivilDate(iso: "2026-05-01")!

    func reasons(_ store: Store) throws -> [String?] {
        try store.writer.read { db in try String?.fetchAll(db, sql: "SELECT end_reason FROM subscriptions ORDER BY id") }
    }

    @Test func theMigrationBackfillsWhyEndedSubscriptionsEnded() throws {
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue, upTo: "v5-reports")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO subscribers (address, address_key, edition, language, status, created_at, updated_at)
                VALUES ('hana@example.jp', 'hana@example.jp', 'tokyo', 'ja', 'active', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z');
                INSERT INTO subscriptions (subscriber_id, track, anchor_date, status, start_date, created_at, updated_at) VALUES
                    (1, 'pregnancy', '2026-09-01', 'ended', '2026-03-01', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z'),
                    (1, 'pregnancy', '2026-03-01', 'ended', '2026-01-01', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z'),
                    (1, 'child', '2026-02-20', 'active', '2026-02-20', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z');
                INSERT INTO events (at, subscriber_id, subscription_id, kind, detail) VALUES
                    ('2026-04-30T03:00:00.000Z', 1, 1, 'subscription', 'pregnancy ended (loss)'),
                    ('2026-04-30T03:00:00.000Z', 1, 2, 'subscription', 'pregnancy 2 -> child born 2026-02-20');
                """)
        }
        let store = try Store(writer: queue)
        #expect(try reasons(store) == ["loss", "born", nil])
        // The word list is the enum's: a stranger word is refused.
        #expect(throws: (any Error).self) {
            try store.writer.write { db in try db.execute(sql: "UPDATE subscriptions SET end_reason = 'gone' WHERE id = 3") }
        }
    }

    @Test func aLossEndsWithItsReasonAResumeClearsItAndTheReportNamesTheSender() throws {
        let store = try Store.inMemory()
        let address = try EmailAddress(parsing: "mama@example.jp")
        let (subscriberID, hana) = try store.addSubscriber(NewSubscriber(address: address, edition: "tokyo", language: "ja", track: .child,
                                                                         anchor: CivilDate(iso: "2026-03-01")!, nickname: "ハナ"),
                                                           today: today, at: noon, source: "test")
        let (_, taro) = try store.addSubscriber(NewSubscriber(address: address, edition: "tokyo", language: "ja", track: .child,
                                                              anchor: CivilDate(iso: "2024-06-01")!), today: today, at: noon, source: "test")
        let later = noon.addingTimeInterval(3600)
        try store.inTransaction { tx in
            var sender = CommandSender(address: address, edition: "tokyo", subscriberID: subscriberID, messageID: "<l@x>")
            for action: LifecycleAction in [
                .endSubscription(subscriptionID: hana, reason: .lossUnattributed), .endSubscription(subscriptionID: taro, reason: .lossUnattributed),
                .recordEvent(LifecycleRecord(kind: .loss, detail: "loss (which child not said)", messageID: "<l@x>")),
            ] { try tx.carryOut(action, for: &sender, today: today, at: later) }
        }
        #expect(try reasons(store) == ["loss unattributed", "loss unattributed"])
        let next = CivilDate(iso: "2026-05-03")!
        try store.inTransaction { tx in
            var sender = CommandSender(address: address, edition: "tokyo", subscriberID: subscriberID, messageID: "<r@x>")
            try tx.carryOut(.resumeAfterLoss(subscriptionID: taro), for: &sender, today: next, at: later)
            try tx.carryOut(.attributeLoss(subscriptionID: hana), for: &sender, today: next, at: later)
        }
        let subscriptions = try #require(try store.subscriber(id: subscriberID)).subscriptions
        #expect(subscriptions.map(\.status) == [.ended, .active])
        #expect(subscriptions.map(\.endReason) == [.loss, nil])
        #expect(subscriptions[1].startDate == next, "resumed from that day: no backlog")

        let activity = try store.reportActivity(since: noon, until: later.addingTimeInterval(60))
        #expect(activity.lossesTotal == 1)
        #expect(activity.losses == [ReportedLoss(address: "mama@example.jp", edition: "tokyo")])
        #expect(try store.reportActivity(since: later, until: later.addingTimeInterval(60)).lossesTotal == 0)
    }
}
