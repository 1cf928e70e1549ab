import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

/// A store with `count` subscribers, each with one child subscription; returns their ids.
func populated(_ count: Int) throws -> (Store, [(subscriberID: Int64, subscriptionID: Int64)]) {
    let store = try Store.inMemory()
    var ids: [(subscriberID: Int64, subscriptionID: Int64)] = []
    for i in 0..<count {
        ids.append(try store.addSubscriber(family("p\(i)@example.jp"), today: today, at: noon, source: "t"))
    }
    return (store, ids)
}

func daily(_ ids: (subscriberID: Int64, subscriptionID: Int64), on date: CivilDate = today, key: String = "child/d0061",
           status: DeliveryItemStatus = .included) -> DeliveryPlan {
    DeliveryPlan(subscriberID: ids.subscriberID, localDate: date, recipient: "r\(ids.subscriberID)@example.jp",
                 items: [ItemPlan(subscriptionID: ids.subscriptionID, messageKey: key, scheduledDate: date, status: status)])
}

@Suite struct DeliveryLedgerTests {
    @Test func recipientPagesCoverEveryActiveOrPausedSubscriberExactlyOnce() throws {
        let (store, ids) = try populated(23)
        // Some stopped, some pending, one paused, one with a second child, one with an ended subscription.
        for i in [3, 9, 17] { try store.stopSubscriber(id: ids[i].subscriberID, reason: "stop", at: noon, messageID: nil) }
        try store.setSubscriberStatus(id: ids[4].subscriberID, to: .pending, reason: "t", at: noon)
        try store.setSubscriberStatus(id: ids[5].subscriberID, to: .paused, pausedUntil: CivilDate(iso: "2026-06-01"), reason: "t", at: noon)
        let second = try store.addSubscriber(family("p6@example.jp", anchor: "2024-01-01"), today: today, at: noon, source: "t")
        try store.setSubscriptionStatus(id: ids[7].subscriptionID, to: .ended, reason: "t", at: noon)

        for pageSize in [1, 4, 5, 100] {
            var seen: [Int64] = [], after: Int64 = 0, pages = 0
            while true {
                let page = try store.recipientsPage(after: after, limit: pageSize)
                guard let last = page.last else { break }
                #expect(page.count <= pageSize)
                seen += page.map { $0.subscriber.id! }
                for recipient in page {
                    #expect(recipient.subscriptions.allSatisfy { $0.subscriberID == recipient.subscriber.id && $0.status == .active })
                }
                after = last.subscriber.id!
                pages += 1
            }
            let expected = ids.enumerated().filter { ![3, 9, 17, 4].contains($0.offset) }.map(\.element.subscriberID)
            #expect(seen == expected)
            #expect(pages == (expected.count + pageSize - 1) / pageSize)
        }
        let all = try store.recipientsPage(after: 0, limit: 100)
        #expect(all.first { $0.subscriber.id == ids[6].subscriberID }?.subscriptions.map(\.id) == [ids[6].subscriptionID, second.subscriptionID])
        #expect(all.first { $0.subscriber.id == ids[7].subscriberID }?.subscriptions.isEmpty == true)
        #expect(all.first { $0.subscriber.id == ids[5].subscriberID }?.subscriber.status == .paused)
    }

    @Test func planningWritesDeliveriesAndTheLedger() throws {
        let (store, ids) = try populated(3)
        let skipOnly = DeliveryPlan(subscriberID: ids[2].subscriberID, localDate: today, recipient: "p2@example.jp",
                                    items: [ItemPlan(subscriptionID: ids[2].subscriptionID, messageKey: "child/d0058",
                                                     scheduledDate: today.adding(days: -3), status: .skipped, reason: "too late to catch up")])
        var two = daily(ids[1])
        two.items.append(ItemPlan(subscriptionID: ids[1].subscriptionID, messageKey: "child/d0060", scheduledDate: today.adding(days: -1),
                                  status: .skipped, reason: "catch-up limit"))
        let result = try store.planDeliveries([daily(ids[0]), two, skipOnly], at: noon)
        #expect(result.count == 3)
        #expect(result[0] != nil && result[1] != nil && result[2] == nil)

        let delivery = try #require(try store.delivery(id: result[1]!))
        #expect(delivery.status == .planned && delivery.kind == .daily && delivery.localDate == today && delivery.attempts == 0)
        #expect(try store.deliveryItems(deliveryID: result[1]!).map(\.messageKey) == ["child/d0061", "child/d0060"])
        #expect(try store.deliveries(status: .planned) == [result[0]!, result[1]!])

        let keys = try store.ledgerKeys(subscriptionIDs: ids.map(\.subscriptionID) + [999], since: today.adding(days: -1))
        #expect(keys[ids[0].subscriptionID] == ["child/d0061"])
        #expect(keys[ids[1].subscriptionID] == ["child/d0061", "child/d0060"])
        #expect(keys[ids[2].subscriptionID] == [])  // skipped three days ago, before `since`
        #expect(keys[999] == [])
        #expect(try store.ledgerKeys(subscriptionIDs: [ids[2].subscriptionID], since: today.adding(days: -7))[ids[2].subscriptionID] == ["child/d0058"])

        #expect(try store.subscribersWithDaily(on: today, among: ids.map(\.subscriberID)) == [ids[0].subscriberID, ids[1].subscriberID])
        #expect(try store.subscribersWithDaily(on: today.adding(days: 1), among: ids.map(\.subscriberID)).isEmpty)
    }

    @Test func aSecondDailyForTheSameDayIsRefusedAndNothingIsWritten() throws {
        let (store, ids) = try populated(2)
        try store.planDeliveries([daily(ids[0])], at: noon)
        #expect(throws: StoreError.dailyAlreadyPlanned(subscriberID: ids[0].subscriberID, localDate: today)) {
            try store.planDeliveries([daily(ids[1]), daily(ids[0], key: "child/d0062")], at: noon)
        }
        // The whole call was one transaction: the first plan is not there either.
        #expect(try store.subscribersWithDaily(on: today, among: [ids[1].subscriberID]).isEmpty)
        #expect(try store.ledgerKeys(subscriptionIDs: [ids[0].subscriptionID], since: today)[ids[0].subscriptionID] == ["child/d0061"])
        // SQLite itself holds the rule, whatever the code above it does.
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO deliveries (subscriber_id, kind, local_date, recipient, status, created_at, updated_at)
                    VALUES (?, 'daily', ?, 'x@example.jp', 'planned', 'now', 'now')
                    """, arguments: [ids[0].subscriberID, today])
            }
        }
        // System emails (replies) are not limited.
        let system = DeliveryPlan(subscriberID: ids[0].subscriberID, kind: .system, localDate: today, recipient: "p0@example.jp", items: [])
        let systemIDs = try store.planDeliveries([system, system], at: noon)
        #expect(systemIDs.allSatisfy { $0 != nil })
        // Another day is fine.
        #expect(try store.planDeliveries([daily(ids[0], on: today.adding(days: 1), key: "child/d0062")], at: noon)[0] != nil)
    }

    @Test func aMessageIsInTheLedgerAtMostOncePerSubscription() throws {
        let (store, ids) = try populated(1)
        try store.planDeliveries([daily(ids[0])], at: noon)
        #expect(throws: StoreError.alreadyInLedger(subscriptionID: ids[0].subscriptionID, messageKey: "child/d0061")) {
            try store.planDeliveries([daily(ids[0], on: today.adding(days: 1))], at: noon)
        }
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO delivery_items (delivery_id, subscription_id, message_key, scheduled_date, status)
                    VALUES (NULL, ?, 'child/d0061', '2026-05-02', 'skipped')
                    """, arguments: [ids[0].subscriptionID])
            }
        }
        // An included item outside a delivery is refused by a CHECK constraint.
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: """
                    INSERT INTO delivery_items (delivery_id, subscription_id, message_key, scheduled_date, status)
                    VALUES (NULL, ?, 'child/d0070', '2026-05-02', 'included')
                    """, arguments: [ids[0].subscriptionID])
            }
        }
    }

    /// A kind or status outside the schema's words (once strings, "weekly", "maybe", "lost") no
    /// longer compiles: each state is an enum whose cases are exactly the words the CHECK
    /// constraints allow. What the types still allow but a method does not is refused before the database.
    @Test func invalidValuesAreRefusedBeforeTheDatabase() throws {
        let store = try Store.inMemory()
        #expect(throws: StoreError.invalidValue(field: "delivery outcome", value: "planned")) {
            try store.recordOutcomes([DeliveryOutcome(id: 1, status: .planned, code: nil, reply: "")], at: noon)
        }
        let schema = try store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL").joined(separator: "\n")
        }
        /// The words of `column`'s CHECK (… IN (…)) in `table`'s definition.
        func allowed(_ table: String, _ column: String) throws -> Set<String> {
            let definition = try #require(schema.components(separatedBy: "CREATE TABLE \"\(table)\"").dropFirst().first
                                          ?? schema.components(separatedBy: "CREATE TABLE \(table) ").dropFirst().first)
            let check = try #require(definition.components(separatedBy: "\(column) IN (").dropFirst().first)
            let list = String(check.prefix { $0 != ")" })
            return Set(list.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " '")) })
        }
        #expect(try allowed("deliveries", "kind") == Set(DeliveryKind.allCases.map(\.rawValue)))
        #expect(try allowed("deliveries", "status") == Set(DeliveryStatus.allCases.map(\.rawValue)))
        #expect(try allowed("delivery_items", "status") == Set(DeliveryItemStatus.allCases.map(\.rawValue)))
        #expect(try allowed("inbound_messages", "status") == Set(InboundStatus.allCases.map(\.rawValue)))
        #expect(try allowed("inbound_messages", "kind") == Set(InboundKind.allCases.map(\.rawValue)))
        #expect(try allowed("bounce_events", "kind") == Set(BounceEventKind.allCases.map(\.rawValue)))
    }

    @Test func queuingAndOutcomesFollowADelivery() throws {
        let (store, ids) = try populated(2)
        let planned = try store.planDeliveries([daily(ids[0]), daily(ids[1])], at: noon).map { $0! }
        let later = noon.addingTimeInterval(60)
        let refused = try store.markQueued([(id: planned[0], messageID: "<d1@kizuna.example>", subject: "生後61日", envelopeFrom: "kizuna+b-1@x.example"),
                                            (id: planned[1], messageID: "<d2@kizuna.example>", subject: "s", envelopeFrom: "e@x.example"),
                                            (id: 999, messageID: "<d9@kizuna.example>", subject: "s", envelopeFrom: "e@x.example")], at: later)
        #expect(refused == [999])
        let queued = try #require(try store.delivery(id: planned[0]))
        #expect(queued.status == .queued && queued.messageID == "<d1@kizuna.example>" && queued.subject == "生後61日")
        #expect(queued.envelopeFrom == "kizuna+b-1@x.example" && queued.updatedAt == later && queued.createdAt == noon)
        #expect(try store.deliveries(status: .queued) == planned)
        // A Message-ID belongs to one delivery only.
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in
                try db.execute(sql: "UPDATE deliveries SET message_id = '<d1@kizuna.example>' WHERE id = ?", arguments: [planned[1]])
            }
        }

        try store.recordOutcomes([DeliveryOutcome(id: planned[0], status: .deferred, code: 451, reply: "4.7.1 try later"),
                                  DeliveryOutcome(id: planned[1], status: .bounced, code: 550, reply: "5.1.1 no such user")], at: later)
        #expect(try store.recordOutcomes([DeliveryOutcome(id: planned[0], status: .sent, code: 250, reply: "2.0.0 ok"),
                                          DeliveryOutcome(id: 12345, status: .sent, code: 250, reply: "")], at: later) == [12345])
        let sent = try #require(try store.delivery(id: planned[0]))
        #expect(sent.status == .sent && sent.attempts == 2 && sent.smtpCode == 250 && sent.smtpReply == "2.0.0 ok")
        let bounced = try #require(try store.delivery(id: planned[1]))
        #expect(bounced.status == .bounced && bounced.attempts == 1 && bounced.smtpCode == 550)
        #expect(try store.deliveries(status: .sent) == [planned[0]])
        #expect(try store.subscriber(id: ids[0].subscriberID)?.recentDeliveries.map(\.id) == [planned[0]])
    }

    @Test func deletingPlannedDeliveriesFreesTheirLedgerEntriesOnly() throws {
        let (store, ids) = try populated(2)
        let planned = try store.planDeliveries([daily(ids[0]), daily(ids[1])], at: noon).map { $0! }
        try store.markQueued([(id: planned[1], messageID: "<q@x>", subject: "s", envelopeFrom: "e@x.example")], at: noon)
        #expect(try store.deleteDeliveries(ids: planned) == 1) // the queued one stays
        #expect(try store.delivery(id: planned[0]) == nil)
        #expect(try store.deliveryItems(deliveryID: planned[0]).isEmpty)
        #expect(try store.ledgerKeys(subscriptionIDs: [ids[0].subscriptionID], since: today)[ids[0].subscriptionID] == [])
        #expect(try store.delivery(id: planned[1])?.status == .queued)
        // The freed day and message can be planned again.
        #expect(try store.planDeliveries([daily(ids[0])], at: noon)[0] != nil)
    }

    @Test func deleteAndLookupsHandleMoreIDsThanOneStatementTakes() throws {
        let (store, ids) = try populated(1)
        let many = (1...1_200).map { Int64($0) } + [ids[0].subscriberID]
        #expect(try store.subscribersWithDaily(on: today, among: many).isEmpty)
        try store.planDeliveries([daily(ids[0])], at: noon)
        #expect(try store.subscribersWithDaily(on: today, among: many) == [ids[0].subscriberID])
        #expect(try store.ledgerKeys(subscriptionIDs: many, since: today).count == 1_200)
        #expect(try store.deleteDeliveries(ids: Array(1...1_500)) == 1)
    }

    @Test func statsCountWhatTheReportShows() throws {
        let (store, ids) = try populated(4)
        try store.addSubscriber(family("p0@example.jp", track: .pregnancy, anchor: "2026-08-01"), today: today, at: noon, source: "t")
        try store.stopSubscriber(id: ids[3].subscriberID, reason: "stop", at: noon, messageID: nil)
        let planned = try store.planDeliveries([daily(ids[0]), daily(ids[1]), daily(ids[2], on: today.adding(days: -1), key: "child/d0060")], at: noon)
        try store.recordOutcomes([DeliveryOutcome(id: planned[2]!, status: .sent, code: 250, reply: "ok")], at: noon)
        try store.recordEvent(kind: .bouncesReset, subscriberID: nil, detail: "old", at: noon.addingTimeInterval(-2 * 86_400))

        let stats = try store.stats(on: today, now: noon.addingTimeInterval(3600))
        #expect(stats.subscribersByStatus == [.active: 3, .stopped: 1])
        #expect(stats.subscriptionsByTrack == [.child: [.active: 3, .stopped: 1], .pregnancy: [.active: 1]])
        #expect(stats.deliveriesByStatus == [.planned: 2, .sent: 1])
        #expect(stats.deliveriesOnDate == [.planned: 2])
        #expect(stats.eventsLastDay == [.subscribed: 5, .stopped: 1])
    }
}

@Suite struct RecoveryTests {
    @Test func recoveredPlannedDeliveriesBecomeQueued() throws {
        let (store, ids) = try populated(3)
        let planned = try store.planDeliveries([daily(ids[0]), daily(ids[1]), daily(ids[2])], at: noon).map { $0! }
        try store.recordOutcomes([DeliveryOutcome(id: planned[2], status: .sent, code: 250, reply: "ok")], at: noon)
        #expect(try store.markRecoveredQueued(ids: [planned[0], planned[2]], at: noon) == 1)
        #expect(try store.deliveries(status: .queued) == [planned[0]])
        #expect(try store.deliveries(status: .planned) == [planned[1]])
        #expect(try store.deliveries(status: .sent) == [planned[2]])
    }
}
