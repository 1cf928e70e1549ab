import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

/// The daily report in the store: the v5 migration (a delivery without a subscriber, ids and
/// the sequence kept), once per recipient and day. What a period's activity holds is tested in
/// KizunaJobsTests (ReportActivityTests), since its bounces are scored by `BounceScoring`.
@Suite struct ReportStoreTests {
    func content(_ id: Int64) -> SystemMailContent {
        SystemMailContent(mailFrom: "kizuna@clinic.example", messageID: "kizuna-report.20260501.\(id).x@clinic.example",
                          subject: "Kizuna report", bytes: Array("report \(id)\r\n".utf8))
    }

    func count(_ store: Store, _ sql: String) throws -> Int {
        try store.writer.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    @Test func theMigrationKeepsDeliveriesTheirIdsAndTheSequence() throws {
        // A database as v4 left it: deliveries, their items, system mail, a bounce event; the
        // newest delivery deleted (a re-planned one), so the sequence is above the largest id.
        let queue = try DatabaseQueue()
        try queue.inDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        try Schema.migrator.migrate(queue, upTo: "v4-held-commands")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO subscribers (address, address_key, edition, language, status, created_at, updated_at)
                VALUES ('hana@example.jp', 'hana@example.jp', 'tokyo', 'ja', 'active', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z');
                INSERT INTO subscriptions (subscriber_id, track, anchor_date, status, start_date, created_at, updated_at)
                VALUES (1, 'child', '2026-03-01', 'active', '2026-03-01', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z');
                INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, message_id, created_at, updated_at)
                VALUES (1, 'daily', '2026-04-30', 'hana@example.jp', 'sent', 'kizuna.1.20260430.a@x', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z'),
                       (1, 'system', '2026-04-30', 'hana@example.jp', 'queued', NULL, '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z'),
                       (1, 'daily', '2026-05-01', 'hana@example.jp', 'planned', NULL, '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z');
                INSERT INTO delivery_items (delivery_id, subscription_id, message_key, scheduled_date, status)
                VALUES (1, 1, 'child/d0060', '2026-04-30', 'included');
                INSERT INTO system_mail (delivery_id, purpose, mail_from, message_id, subject, body) VALUES (2, 'help', 'k@x', 'm', 's', x'01');
                INSERT INTO bounce_events (at, local_date, subscriber_id, delivery_id, kind, address_key, counted, score)
                VALUES ('2026-04-30T03:00:00.000Z', '2026-04-30', 1, 1, 'bounce', 'hana@example.jp', 1, 1.0);
                DELETE FROM deliveries WHERE id = 3;
                """)
        }
        let store = try Store(writer: queue)
        #expect(try count(store, "SELECT COUNT(*) FROM deliveries") == 2)
        #expect(try store.delivery(id: 1)?.messageID == "kizuna.1.20260430.a@x")
        #expect(try count(store, "SELECT COUNT(*) FROM delivery_items WHERE delivery_id = 1") == 1)
        #expect(try count(store, "SELECT COUNT(*) FROM system_mail WHERE delivery_id = 2") == 1)
        #expect(try count(store, "SELECT COUNT(*) FROM bounce_events WHERE delivery_id = 1") == 1)
        // The children still point at the rebuilt table: deleting a delivery cascades.
        try store.writer.write { db in try db.execute(sql: "DELETE FROM deliveries WHERE id = 1") }
        #expect(try count(store, "SELECT COUNT(*) FROM delivery_items") == 0)
        #expect(try count(store, "SELECT COUNT(*) FROM bounce_events WHERE delivery_id IS NULL") == 1)
        // Id 3 was handed out before: the next delivery is 4, never 3 again.
        let next = try store.planDeliveries([DeliveryPlan(subscriberID: 1, kind: .system, localDate: today, recipient: "hana@example.jp", items: [])], at: noon)
        #expect(next == [4])
        // The indexes came back with the table.
        let indexes = try store.writer.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL ORDER BY name") }
        #expect(indexes == ["deliveries_bounced", "deliveries_local_date", "deliveries_one_daily", "deliveries_one_report", "deliveries_status", "deliveries_subscriber"])
    }

    @Test func onlyAReportGoesWithoutASubscriber() throws {
        let (store, ids) = try populated(1)
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at) VALUES (NULL, 'system', '2026-05-01', 'a@x', 'planned', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z')")
            }
        }
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at) VALUES (?, 'report', '2026-05-01', 'a@x', 'planned', '2026-04-30T03:00:00.000Z', '2026-04-30T03:00:00.000Z')",
                               arguments: [ids[0].subscriberID])
            }
        }
        #expect(throws: StoreError.invalidValue(field: "delivery kind", value: "report")) {
            try store.planDeliveries([DeliveryPlan(subscriberID: ids[0].subscriberID, kind: .report, localDate: today, recipient: "a@x", items: [])], at: noon)
        }
    }

    @Test func aReportIsPlannedOncePerRecipientAndDayWithItsMessageKeptUntilSpooled() throws {
        let store = try Store.inMemory()
        var rendered: [Int64] = []
        let first = try store.planReport(on: today, recipients: ["admin@clinic.example"], at: noon) { id, _ in rendered.append(id); return content(id) }
        #expect(first.map(\.recipient) == ["admin@clinic.example"])
        let id = try #require(first.first?.deliveryID)
        let again = try store.planReport(on: today, recipients: ["admin@clinic.example", "second@clinic.example"], at: noon.addingTimeInterval(60)) { id, _ in
            rendered.append(id); return content(id)
        }
        #expect(again.map(\.recipient) == ["second@clinic.example"], "only the new recipient gets one")
        #expect(rendered.count == 2, "nothing is rendered for a recipient who has the day's report")
        let tomorrow = try store.planReport(on: today.adding(days: 1), recipients: ["admin@clinic.example"], at: noon.addingTimeInterval(86_400)) { id, _ in content(id) }
        #expect(tomorrow.count == 1)

        let record = try #require(try store.delivery(id: id))
        #expect(record.kind == .report && record.subscriberID == nil && record.status == .planned)
        #expect(try store.reportDeliveries(on: today).map(\.recipient) == ["admin@clinic.example", "second@clinic.example"])
        // The bytes wait in the store, found by purpose, until the spool has them.
        #expect(try store.pendingSystemMail(purpose: "report").count == 3)
        #expect(try store.pendingSystemMail(purpose: "help").isEmpty)
        #expect(try store.pendingSystemMail(purpose: "report").first?.content.bytes == content(id).bytes)
        try store.markSystemMailQueued(first, at: noon)
        #expect(try store.pendingSystemMail(purpose: "report").count == 2)
        #expect(try store.delivery(id: id)?.status == .queued)
        // The next report's period starts where the last one before its day ended.
        #expect(try store.lastReportMoment(before: today.adding(days: 1)) == noon.addingTimeInterval(60))
        #expect(try store.lastReportMoment(before: today) == nil)
        // A report's SMTP outcome is recorded (that its refusal scores no subscriber is
        // BounceScoringTests.aReportsRefusalScoresNoSubscriber, in KizunaJobsTests).
        #expect(try store.recordOutcomes([DeliveryOutcome(id: id, status: .bounced, code: 550, reply: "550 no")], at: noon).isEmpty)
        #expect(try store.delivery(id: id)?.status == .bounced)
    }
}
