import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

let today = CivilDate(iso: "2026-05-01")!
let noon = Date(timeIntervalSince1970: 1_777_636_800) // 2026-05-01T12:00:00Z

func family(_ address: String, edition: String = "tokyo", track: Track = .child, anchor: String = "2026-03-01",
            nickname: String? = nil) throws -> NewSubscriber {
    NewSubscriber(address: try EmailAddress(parsing: address), edition: edition, language: "ja", area: "minato",
                  track: track, anchor: CivilDate(iso: anchor)!, nickname: nickname)
}

@Suite struct SchemaTests {
    @Test func migrationsCreateTheTablesWithForeignKeysOn() throws {
        let store = try Store.inMemory()
        let tables = try store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name")
        }
        #expect(tables == ["admin_mail", "admin_signatures", "auto_reply_counts", "bounce_events", "bounce_scores", "deliveries", "delivery_items", "events", "held_commands", "imap_state", "inbound_messages",
                           "openpgp_keys", "settings", "subscribers", "subscriptions", "survey_answers", "survey_sends", "system_mail"])
        let fk = try store.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") }
        #expect(fk == 1)
        let applied = try store.writer.read { db in try Schema.migrator.appliedMigrations(db) }
        #expect(applied == ["v1-schema", "v2-inbound", "v3-bounces", "v4-held-commands", "v5-reports", "v6-care-loss", "v7-care-overdue", "v8-openpgp-keys", "v9-admin-mail", "v10-surveys"])
    }

    @Test func fileDatabaseIsInWALModeAndKeepsItsData() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("kizuna.sqlite").path
        var secret: [UInt8] = []
        do {
            let store = try Store(path: path)
            let mode = try store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
            #expect(mode == "wal")
            try store.addSubscriber(family("taro@example.jp"), today: today, at: noon, source: "test")
            secret = try store.secret()
        }
        let reopened = try Store(path: path)
        #expect(try reopened.secret() == secret)
        #expect(try reopened.listSubscribers(limit: 10).map(\.address.description) == ["taro@example.jp"])
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func checkConstraintsRefuseUnknownStatuses() throws {
        let store = try Store.inMemory()
        let (subscriberID, _) = try store.addSubscriber(family("taro@example.jp"), today: today, at: noon, source: "test")
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: "UPDATE subscribers SET status = 'gone' WHERE id = ?", arguments: [subscriberID])
            }
        }
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: "UPDATE subscriptions SET anchor_date = '1 May 2026' WHERE subscriber_id = ?", arguments: [subscriberID])
            }
        }
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at)
                    VALUES (?, 'weekly', '2026-05-01', 'a@b.jp', 'planned', 'x', 'x')
                    """, arguments: [subscriberID])
            }
        }
    }

    @Test func foreignKeysRefuseOrphans() throws {
        let store = try Store.inMemory()
        #expect(throws: DatabaseError.self) {
            try store.planDeliveries([DeliveryPlan(subscriberID: 999, localDate: today, recipient: "x@example.jp",
                                                   items: [ItemPlan(subscriptionID: 999, messageKey: "child/d0061", scheduledDate: today, status: .included)])],
                                     at: noon)
        }
    }

    @Test func timestampsAreISO8601UTCAndRoundTrip() throws {
        #expect(Timestamp.string(from: noon) == "2026-05-01T12:00:00.000Z")
        #expect(Timestamp.string(from: Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        let t = Date(timeIntervalSince1970: 1_777_636_800.123)
        #expect(Timestamp.date(from: Timestamp.string(from: t)) == Date(timeIntervalSince1970: 1_777_636_800.123))
        #expect(Timestamp.date(from: "2026-05-01T12:00:00Z") == noon)
        #expect(Timestamp.date(from: "2026-05-01 12:00:00") == nil)

        let store = try Store.inMemory()
        try store.addSubscriber(family("taro@example.jp"), today: today, at: noon, source: "test")
        let stored = try store.writer.read { db in try String.fetchOne(db, sql: "SELECT created_at FROM subscribers") }
        #expect(stored == "2026-05-01T12:00:00.000Z")
        #expect(try store.listSubscribers(limit: 1).first?.createdAt == noon)
    }
}

@Suite struct SubscriberTests {
    @Test func secretIsThirtyTwoBytesMadeOnce() throws {
        let store = try Store.inMemory()
        let first = try store.secret()
        #expect(first.count == 32)
        #expect(try store.secret() == first)
        #expect(try Store.inMemory().secret() != first)
    }

    @Test func aSecondChildIsASecondSubscriptionOfTheSameSubscriber() throws {
        let store = try Store.inMemory()
        let first = try store.addSubscriber(family("taro@example.jp", track: .pregnancy, anchor: "2026-09-01"),
                                            today: today, at: noon, source: "email <m1@example.jp>")
        // The domain is matched without regard to case.
        let second = try store.addSubscriber(family("taro@EXAMPLE.jp", anchor: "2024-02-29", nickname: "  Hana\u{0007} "),
                                             today: today, at: noon, source: "email")
        #expect(second.subscriberID == first.subscriberID)
        #expect(second.subscriptionID != first.subscriptionID)

        let detail = try #require(try store.subscriber(address: EmailAddress(parsing: "taro@example.jp"), edition: "tokyo"))
        #expect(detail.subscriptions.map(\.track) == [.pregnancy, .child])
        #expect(detail.subscriptions[1].nickname == "Hana")
        #expect(detail.subscriptions.allSatisfy { $0.startDate == today && $0.status == .active })
        #expect(detail.events.map(\.kind) == [.subscribed, .subscribed])
        #expect(detail.events[0].detail == "email <m1@example.jp>")
        #expect(detail.events[0].subscriptionID == first.subscriptionID)

        // Another edition is another subscriber.
        let other = try store.addSubscriber(family("taro@example.jp", edition: "osaka"), today: today, at: noon, source: "email")
        #expect(other.subscriberID != first.subscriberID)
        #expect(try store.subscriber(address: EmailAddress(parsing: "taro@example.jp"), edition: nil)?.subscriber.id == first.subscriberID)
        #expect(try store.subscriber(address: EmailAddress(parsing: "hanako@example.jp"), edition: nil) == nil)
    }

    @Test func theSameChildTwiceIsATypedError() throws {
        let store = try Store.inMemory()
        let first = try store.addSubscriber(family("taro@example.jp"), today: today, at: noon, source: "email")
        #expect(throws: StoreError.duplicateSubscription(subscriberID: first.subscriberID, subscriptionID: first.subscriptionID)) {
            try store.addSubscriber(family("taro@example.jp"), today: today, at: noon, source: "email")
        }
        // Nothing of the refused call was kept.
        #expect(try store.subscriber(id: first.subscriberID)?.events.count == 1)
    }

    @Test func newSubscribersTakeTheStatusGiven() throws {
        let store = try Store.inMemory()
        let ids = try store.addSubscriber(family("taro@example.jp"), status: .pending, today: today, at: noon, source: "email")
        #expect(try store.subscriber(id: ids.subscriberID)?.subscriber.status == .pending)
        try store.setSubscriberStatus(id: ids.subscriberID, to: .active, reason: "confirmed", at: noon, messageID: "<c1@example.jp>")
        let detail = try #require(try store.subscriber(id: ids.subscriberID))
        #expect(detail.subscriber.status == .active)
        #expect(detail.events.last?.kind == .status)
        #expect(detail.events.last?.detail == "pending -> active: confirmed")
        #expect(detail.events.last?.messageID == "<c1@example.jp>")

        try store.setSubscriberStatus(id: ids.subscriberID, to: .paused, pausedUntil: CivilDate(iso: "2026-06-01"), reason: "pause", at: noon)
        #expect(try store.subscriber(id: ids.subscriberID)?.subscriber.pausedUntil == CivilDate(iso: "2026-06-01"))
        #expect(throws: StoreError.noSuchSubscriber(77)) {
            try store.setSubscriberStatus(id: 77, to: .active, reason: "x", at: noon)
        }
    }

    @Test func importCountsAddedAndDuplicatesAndNeverRevivesAStop() throws {
        let store = try Store.inMemory()
        let stopped = try store.addSubscriber(family("gone@example.jp"), today: today, at: noon, source: "email")
        try store.stopSubscriber(id: stopped.subscriberID, reason: "replied stop", at: noon, messageID: nil)

        let rows = [
            try family("a@example.jp"),
            try family("b@example.jp", track: .pregnancy, anchor: "2026-10-01"),
            try family("a@example.jp"), // repeated in the file
            try family("a@example.jp", anchor: "2025-01-15"), // a second child
            try family("gone@example.jp", anchor: "2026-04-01"), // a new child of a stopped family
            try family("gone@example.jp"), // the stopped family's known child
        ]
        let result = try store.importSubscribers(rows, today: today, at: noon)
        #expect(result.added == 4)
        #expect(result.duplicates == 2)
        let again = try store.importSubscribers(rows, today: today, at: noon)
        #expect(again.added == 0 && again.duplicates == 6)

        let a = try #require(try store.subscriber(address: EmailAddress(parsing: "a@example.jp"), edition: "tokyo"))
        #expect(a.subscriber.status == .active)
        #expect(a.subscriptions.map(\.anchorDate.iso) == ["2026-03-01", "2025-01-15"])
        #expect(a.events.map(\.detail) == ["import", "import"])
        let gone = try #require(try store.subscriber(id: stopped.subscriberID))
        #expect(gone.subscriber.status == .stopped)
        #expect(try store.listSubscribers(status: .active, limit: 10).map(\.address.description) == ["a@example.jp", "b@example.jp"])
    }

    @Test func listSubscribersFiltersAndPages() throws {
        let store = try Store.inMemory()
        for i in 0..<7 {
            try store.addSubscriber(family("p\(i)@example.jp", edition: i % 2 == 0 ? "tokyo" : "osaka"), today: today, at: noon, source: "t")
        }
        #expect(try store.listSubscribers(limit: 3).map(\.address.localPart) == ["p0", "p1", "p2"])
        #expect(try store.listSubscribers(limit: 3, offset: 6).map(\.address.localPart) == ["p6"])
        #expect(try store.listSubscribers(edition: "osaka", limit: 10).map(\.address.localPart) == ["p1", "p3", "p5"])
        #expect(try store.listSubscribers(edition: "osaka", status: .stopped, limit: 10).isEmpty)
    }

    @Test func forEachSubscriptionVisitsEverySubscriptionWithItsSubscriber() throws {
        let store = try Store.inMemory()
        try store.addSubscriber(family("a@example.jp"), today: today, at: noon, source: "t")
        try store.addSubscriber(family("b@example.jp"), today: today, at: noon, source: "t")
        try store.addSubscriber(family("a@example.jp", anchor: "2025-05-05"), today: today, at: noon, source: "t")
        var seen: [String] = []
        try store.forEachSubscription { subscriber, subscription in
            #expect(subscription.subscriberID == subscriber.id)
            seen.append("\(subscriber.address) \(subscription.anchorDate)")
        }
        #expect(seen == ["a@example.jp 2026-03-01", "a@example.jp 2025-05-05", "b@example.jp 2026-03-01"])
    }

    @Test func stopEndsSubscriptionsAndCancelsUnsentDailies() throws {
        let store = try Store.inMemory()
        let ids = try store.addSubscriber(family("a@example.jp"), today: today, at: noon, source: "t")
        let plans = try store.planDeliveries([
            DeliveryPlan(subscriberID: ids.subscriberID, localDate: today, recipient: "a@example.jp",
                         items: [ItemPlan(subscriptionID: ids.subscriptionID, messageKey: "child/d0061", scheduledDate: today, status: .included)]),
            DeliveryPlan(subscriberID: ids.subscriberID, kind: .system, localDate: today, recipient: "a@example.jp", items: []),
        ], at: noon)
        let cancelled = try store.stopSubscriber(id: ids.subscriberID, reason: "replied stop", at: noon, messageID: "<s@example.jp>")
        #expect(cancelled == 1)
        let detail = try #require(try store.subscriber(id: ids.subscriberID))
        #expect(detail.subscriber.status == .stopped)
        #expect(detail.subscriptions.map(\.status) == [.stopped])
        #expect(detail.events.last?.kind == .stopped)
        #expect(detail.events.last?.detail == "replied stop")
        #expect(detail.events.last?.messageID == "<s@example.jp>")
        #expect(try store.delivery(id: plans[0]!)?.status == .cancelled)
        #expect(try store.delivery(id: plans[1]!)?.status == .planned) // the reply that confirms the stop
        #expect(try store.markQueued([(id: plans[0]!, messageID: "<m@x>", subject: "s", envelopeFrom: "b@x")], at: noon) == [plans[0]!])
        #expect(try store.recipientsPage(after: 0, limit: 10).isEmpty)
        #expect(throws: StoreError.noSuchSubscriber(42)) {
            try store.stopSubscriber(id: 42, reason: "x", at: noon, messageID: nil)
        }
    }

    @Test func subscriptionStatusChangesAreRecorded() throws {
        let store = try Store.inMemory()
        let ids = try store.addSubscriber(family("a@example.jp", track: .pregnancy, anchor: "2026-06-01"), today: today, at: noon, source: "t")
        try store.setSubscriptionStatus(id: ids.subscriptionID, to: .ended, reason: "born 2026-05-20", at: noon)
        let detail = try #require(try store.subscriber(id: ids.subscriberID))
        #expect(detail.subscriptions[0].status == .ended)
        #expect(detail.events.last?.detail == "active -> ended: born 2026-05-20")
        #expect(detail.events.last?.subscriptionID == ids.subscriptionID)
        #expect(throws: StoreError.noSuchSubscription(99)) { try store.setSubscriptionStatus(id: 99, to: .ended, reason: "", at: noon) }
    }
}
