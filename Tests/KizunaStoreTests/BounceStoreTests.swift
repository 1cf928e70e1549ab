import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

/// Bounce scores in the store, with the real migrations: the threshold, once a day, the stale
/// period, one count per report, complaints, and reports about addresses we never sent to.
@Suite struct BounceStoreTests {
    /// A store with hana@example.jp and taro@example.jp.
    func families() throws -> (Store, hana: (subscriberID: Int64, subscriptionID: Int64), taro: (subscriberID: Int64, subscriptionID: Int64)) {
        let store = try Store.inMemory()
        let hana = try store.addSubscriber(family("hana@example.jp"), today: today, at: noon, source: "t")
        let taro = try store.addSubscriber(family("taro@example.jp"), today: today, at: noon, source: "t")
        return (store, hana, taro)
    }

    /// A daily delivery on `day`, queued and accepted by the relay; its id.
    func sent(_ store: Store, _ ids: (subscriberID: Int64, subscriptionID: Int64), on day: CivilDate, status: DeliveryStatus = .sent) throws -> Int64 {
        let id = try #require(try store.planDeliveries([daily(ids, on: day, key: "child/\(day.iso)")], at: noon).first ?? nil)
        try store.markQueued([(id: id, messageID: "kizuna.\(id)@clinic.example", subject: "s", envelopeFrom: "kizuna+b-\(id)@clinic.example")], at: noon)
        if status != .queued { try store.recordOutcomes([DeliveryOutcome(id: id, status: status, code: 250, reply: "250 ok")], at: noon) }
        return id
    }

    func notice(_ address: String = "hana@example.jp", delivery: Int64?, hard: Bool = true, messageID: String?) -> BounceNotice {
        BounceNotice(address: address, deliveryID: delivery, status: hard ? "5.1.1" : "4.2.2", reason: hard ? "userunknown" : "mailboxfull",
                     hard: hard, messageID: messageID, diagnostic: "550 5.1.1 no such user")
    }

    func status(_ store: Store, _ id: Int64) throws -> SubscriberStatus? { try store.subscriber(id: id)?.subscriber.status }

    func count(_ store: Store, _ sql: String) throws -> Int {
        try store.writer.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    @Test func fiveDaysOfHardBouncesSetBouncingAndHoldTheQueuedMail() throws {
        let (store, hana, _) = try families()
        var effects: [BounceDecision.Effect] = []
        for n in 0..<5 {
            let day = today.adding(days: n)
            let delivery = try sent(store, hana, on: day)
            let d = try store.recordBounce(notice(delivery: delivery, messageID: "dsn\(n)@mx.example"), today: day, at: noon)
            effects.append(d.effect)
            #expect(d.subscriberID == hana.subscriberID)
            #expect(d.score == Double(n + 1))
            #expect(try store.delivery(id: delivery)?.status == .bounced, "the ledger says the mail did not arrive")
            if n < 4 { #expect(try status(store, hana.subscriberID) == .active) }
        }
        #expect(effects == [.counted, .counted, .counted, .counted, .bouncing])
        #expect(try status(store, hana.subscriberID) == .bouncing)
        // The nightly batch no longer picks the address.
        #expect(!(try store.recipientsPage(after: 0, limit: 10).contains { $0.subscriber.id == hana.subscriberID }))
        let detail = try #require(try store.bounceDetail(address: EmailAddress(parsing: "hana@EXAMPLE.JP")))
        #expect(detail.score.score == 5)
        #expect(detail.score.bounceCount == 5)
        #expect(detail.events.map(\.kind) == Array(repeating: .bounce, count: 5))
        #expect(detail.events.last?.messageID == "dsn4@mx.example")
        #expect(detail.events.last?.status == "5.1.1")
        #expect(detail.events.last?.reason == "userunknown")
        #expect(detail.events.last?.hard == true)
        #expect(detail.events.allSatisfy { $0.counted })
        let events = try #require(try store.subscriber(id: hana.subscriberID)).events
        #expect(events.contains { $0.kind == .status && ($0.detail ?? "").hasPrefix("active -> bouncing: bounce score 5 reached 5") })
        #expect(events.filter { $0.kind == .bounce }.count == 5)
    }

    @Test func aDailyMessageQueuedWhenTheThresholdIsReachedIsCancelled() throws {
        let (store, hana, _) = try families()
        for n in 0..<4 {
            try store.recordBounce(notice(delivery: try sent(store, hana, on: today.adding(days: n)), messageID: "d\(n)@mx"), today: today.adding(days: n), at: noon)
        }
        let queued = try sent(store, hana, on: today.adding(days: 5), status: .queued)
        let last = try store.recordBounce(notice(delivery: nil, messageID: "d4@mx"), today: today.adding(days: 4), at: noon)
        #expect(last.effect == .bouncing)
        #expect(try store.delivery(id: queued)?.status == .cancelled)
    }

    @Test func atMostOneBounceCountsADay() throws {
        let (store, hana, _) = try families()
        let delivery = try sent(store, hana, on: today)
        let first = try store.recordBounce(notice(delivery: delivery, messageID: "a@mx"), today: today, at: noon)
        let second = try store.recordBounce(notice(delivery: delivery, hard: false, messageID: "b@mx"), today: today, at: noon)
        #expect(first.effect == .counted)
        #expect(second.effect == .notCounted)
        #expect(second.score == 1)
        let detail = try #require(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp")))
        #expect(detail.events.map(\.counted) == [true, false], "the second is kept as evidence")
        let nextDay = try store.recordBounce(notice(delivery: nil, hard: false, messageID: "c@mx"), today: today.adding(days: 1), at: noon)
        #expect(nextDay.score == 1.5)
    }

    @Test func aQuietWeekStartsTheScoreAgain() throws {
        let (store, hana, _) = try families()
        let delivery = try sent(store, hana, on: today)
        for n in 0..<3 { try store.recordBounce(notice(delivery: delivery, messageID: "q\(n)@mx"), today: today.adding(days: n), at: noon) }
        let within = try store.recordBounce(notice(delivery: delivery, hard: false, messageID: "w@mx"), today: today.adding(days: 9), at: noon)
        #expect(within.score == 3.5, "7 days after the last bounce the score still stands")
        let stale = try store.recordBounce(notice(delivery: delivery, messageID: "s@mx"), today: today.adding(days: 17), at: noon)
        #expect(stale.effect == .counted)
        #expect(stale.score == 1)
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.score.bounceCount == 1)
    }

    @Test func theSameReportIsCountedOnce() throws {
        let (store, hana, _) = try families()
        let delivery = try sent(store, hana, on: today)
        let n = notice(delivery: delivery, messageID: "<once@mx.example>")
        #expect(try store.recordBounce(n, today: today, at: noon).effect == .counted)
        // Read again on a later day (a re-run, a copy after a UIDVALIDITY change): nothing more.
        let again = try store.recordBounce(n, today: today.adding(days: 1), at: noon)
        #expect(again.effect == .duplicate)
        #expect(again.score == 1)
        #expect(try count(store, "SELECT COUNT(*) FROM bounce_events") == 1)
        #expect(try count(store, "SELECT COUNT(*) FROM events WHERE kind = 'bounce'") == 1)
        // The same report naming two of our recipients counts for each.
        let taroDelivery = try sent(store, try #require(try store.subscriber(address: EmailAddress(parsing: "taro@example.jp"), edition: nil))
            .subscriptions.map { (subscriberID: $0.subscriberID, subscriptionID: $0.id!) }.first!, on: today)
        #expect(try store.recordBounce(notice("taro@example.jp", delivery: taroDelivery, messageID: "<once@mx.example>"), today: today, at: noon).effect == .counted)
    }

    @Test func aComplaintStopsAtOnce() throws {
        let (store, hana, _) = try families()
        let delivery = try sent(store, hana, on: today)
        try store.recordBounce(notice(delivery: delivery, hard: false, messageID: "soft@mx"), today: today, at: noon)
        let queued = try sent(store, hana, on: today.adding(days: 1), status: .queued)
        let complaint = ComplaintNotice(address: "hana@example.jp", deliveryID: delivery, feedbackType: "abuse", messageID: "arf1@fbl.example")
        let d = try store.recordComplaint(complaint, today: today, at: noon)
        #expect(d.effect == .stopped)
        #expect(try status(store, hana.subscriberID) == .stopped)
        #expect(try store.delivery(id: queued)?.status == .cancelled)
        #expect(try store.subscriber(id: hana.subscriberID)?.subscriptions.allSatisfy { $0.status == .stopped } == true)
        #expect(try store.recordComplaint(complaint, today: today, at: noon).effect == .duplicate)
        let detail = try #require(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp")))
        #expect(detail.events.last?.kind == .complaint)
        #expect(detail.events.last?.feedbackType == "abuse")
        #expect(detail.score == .clean)
        let events = try #require(try store.subscriber(id: hana.subscriberID)).events
        #expect(events.contains { $0.kind == .stopped && $0.detail == "complaint (abuse)" && $0.messageID == "arf1@fbl.example" })
    }

    @Test func reportsAboutRecipientsWeNeverSentToChangeNothing() throws {
        let (store, hana, taro) = try families()
        let taroDelivery = try sent(store, taro, on: today)
        // Nobody with that address.
        let stranger = try store.recordBounce(notice("stranger@example.jp", delivery: nil, messageID: "x1@mx"), today: today, at: noon)
        #expect(stranger.effect == .ignored)
        #expect(stranger.detail.contains("never sent to stranger@example.jp"))
        // A subscriber we have not sent anything to yet.
        #expect(try store.recordBounce(notice(delivery: nil, messageID: "x2@mx"), today: today, at: noon).effect == .ignored)
        // Taro's delivery, but the report names Hana: the delivery does not belong to the address.
        let mismatch = try store.recordBounce(notice(delivery: taroDelivery, messageID: "x3@mx"), today: today, at: noon)
        #expect(mismatch.effect == .ignored)
        #expect(mismatch.detail.contains("went to taro@example.jp"))
        // A delivery id that does not exist, an unreadable address, a complaint for a stranger.
        #expect(try store.recordBounce(notice("taro@example.jp", delivery: 999, messageID: "x4@mx"), today: today, at: noon).effect == .ignored)
        #expect(try store.recordBounce(notice("not an address", delivery: nil, messageID: "x5@mx"), today: today, at: noon).effect == .ignored)
        let complaint = ComplaintNotice(address: "stranger@example.jp", deliveryID: nil, feedbackType: "abuse", messageID: "x6@fbl")
        #expect(try store.recordComplaint(complaint, today: today, at: noon).effect == .ignored)
        #expect(try count(store, "SELECT COUNT(*) FROM bounce_events") == 0)
        #expect(try count(store, "SELECT COUNT(*) FROM bounce_scores") == 0)
        #expect(try status(store, hana.subscriberID) == .active)
        #expect(try status(store, taro.subscriberID) == .active)
        #expect(try store.delivery(id: taroDelivery)?.status == .sent)
    }

    @Test func refusalsAtSendTimeCountAndALaterAcceptanceClearsThem() throws {
        let (store, hana, taro) = try families()
        let d1 = try sent(store, hana, on: today, status: .queued)
        let t1 = try sent(store, taro, on: today, status: .queued)
        let first = try store.recordOutcomes([DeliveryOutcome(id: d1, status: .bounced, code: 552, reply: "552 5.2.2 Mailbox full"),
                                              DeliveryOutcome(id: t1, status: .sent, code: 250, reply: "250 ok")],
                                             at: noon, scoringOn: today)
        #expect(first.unknown.isEmpty)
        #expect(first.decisions.map(\.effect) == [.counted])
        #expect(first.decisions.first?.score == 0.5, "a full mailbox is soft")
        #expect(try store.delivery(id: d1)?.status == .bounced)
        // The same outcome recorded again (a reconciled run) does not count twice.
        let again = try store.recordOutcomes([DeliveryOutcome(id: d1, status: .bounced, code: 552, reply: "552 5.2.2 Mailbox full")],
                                             at: noon, scoringOn: today.adding(days: 1))
        #expect(again.decisions.map(\.effect) == [.duplicate])
        let refusal = try #require(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.events.first)
        #expect(refusal.kind == .smtp)
        #expect(refusal.status == "5.2.2")
        #expect(refusal.reason == "mailboxfull")
        #expect(refusal.deliveryID == d1)
        // Taro has no score: his 250 wrote nothing.
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "taro@example.jp"))?.events.isEmpty == true)

        let d2 = try sent(store, hana, on: today.adding(days: 1), status: .queued)
        try store.recordOutcomes([DeliveryOutcome(id: d2, status: .sent, code: 250, reply: "250 ok")], at: noon, scoringOn: today.adding(days: 1))
        let detail = try #require(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp")))
        #expect(detail.score == .clean)
        #expect(detail.events.last?.kind == .cleared)
        #expect(detail.events.last?.deliveryID == d2)
        #expect(try count(store, "SELECT COUNT(*) FROM bounce_scores") == 0)
    }

    @Test func anExpiryAfterDeferralsCountsAsASoftBounceOnceADay() throws {
        let (store, hana, _) = try families()
        let lastReply = "expired: queued longer than 120 hours: 451 4.3.0 mx.example.jp: try again later"
        let d1 = try sent(store, hana, on: today, status: .queued)
        let first = try store.recordOutcomes([DeliveryOutcome(id: d1, status: .bounced, code: 451, reply: lastReply, expired: true)],
                                             at: noon, scoringOn: today)
        #expect(first.decisions.map(\.effect) == [.counted])
        #expect(first.decisions.first?.score == 0.5)
        #expect(try store.delivery(id: d1)?.status == .bounced)
        let event = try #require(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.events.first)
        #expect(event.kind == .smtp)
        #expect(event.reason == "expired")
        #expect(event.hard == false)
        #expect(event.status == "4.3.0")
        #expect(event.counted)
        #expect(event.deliveryID == d1)
        #expect(event.detail?.contains("last reply: \(lastReply)") == true, "\(event.detail ?? "")")

        // A second expiry the same day is kept as evidence but not counted; the same outcome
        // recorded again is a duplicate.
        let d2 = try sent(store, hana, on: today.adding(days: -1), status: .queued)
        let sameDay = try store.recordOutcomes([DeliveryOutcome(id: d2, status: .bounced, code: 450, reply: lastReply, expired: true),
                                                DeliveryOutcome(id: d1, status: .bounced, code: 451, reply: lastReply, expired: true)],
                                               at: noon, scoringOn: today)
        #expect(sameDay.decisions.map(\.effect) == [.notCounted, .duplicate])
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.score.score == 0.5)

        // Without a 4xx reply (the relay was never reached) an expiry says nothing about the address.
        let d3 = try sent(store, hana, on: today.adding(days: 1), status: .queued)
        let unreachable = try store.recordOutcomes([DeliveryOutcome(id: d3, status: .bounced, code: nil,
                                                                    reply: "expired: queued longer than 120 hours: curl error 7", expired: true)],
                                                   at: noon, scoringOn: today.adding(days: 1))
        #expect(unreachable.decisions.map(\.effect) == [.notCounted])
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.score.score == 0.5)
    }

    @Test func tenDaysOfExpiriesSetBouncing() throws {
        let (store, hana, _) = try families()
        var last: BounceDecision?
        for n in 0..<10 {
            let day = today.adding(days: n)
            let d = try sent(store, hana, on: day, status: .queued)
            last = try store.recordOutcomes([DeliveryOutcome(id: d, status: .bounced, code: 452, reply: "expired: 452 4.2.2 over quota", expired: true)],
                                            at: noon, scoringOn: day).decisions.first
        }
        #expect(last?.effect == .bouncing)
        #expect(last?.score == 5)
        #expect(try status(store, hana.subscriberID) == .bouncing)
    }

    @Test func aRelaysAcceptanceLeavesABounceReportsScore() throws {
        let (store, hana, _) = try families()
        let d1 = try sent(store, hana, on: today)
        try store.recordBounce(notice(delivery: d1, messageID: "r@mx"), today: today, at: noon)
        let d2 = try sent(store, hana, on: today.adding(days: 1), status: .queued)
        try store.recordOutcomes([DeliveryOutcome(id: d2, status: .sent, code: 250, reply: "250 queued as X")], at: noon, scoringOn: today.adding(days: 1))
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.score.score == 1)
    }

    @Test func fiveRefusalsSetBouncing() throws {
        let (store, hana, _) = try families()
        var last: [BounceDecision] = []
        for n in 0..<5 {
            let d = try sent(store, hana, on: today.adding(days: n), status: .queued)
            last = try store.recordOutcomes([DeliveryOutcome(id: d, status: .bounced, code: 550, reply: "550 5.1.1 <hana@example.jp>: User unknown")],
                                            at: noon, scoringOn: today.adding(days: n)).decisions
        }
        #expect(last.map(\.effect) == [.bouncing])
        #expect(try status(store, hana.subscriberID) == .bouncing)
    }

    @Test func aReplyAndAResetClearTheScore() throws {
        let (store, hana, taro) = try families()
        let d = try sent(store, hana, on: today)
        for n in 0..<5 { try store.recordBounce(notice(delivery: d, messageID: "z\(n)@mx"), today: today.adding(days: n), at: noon) }
        let t = try sent(store, taro, on: today)
        try store.recordBounce(notice("taro@example.jp", delivery: t, hard: false, messageID: "t@mx"), today: today, at: noon)

        let standings = try store.bouncingSubscribers()
        #expect(standings.map(\.subscriber.id) == [hana.subscriberID, taro.subscriberID])
        #expect(standings.map(\.score.score) == [5, 0.5])
        #expect(try store.bounceSummary(now: noon) == BounceSummary(bouncing: 1, scored: 2, eventsLastDay: [.bounce: 6]))

        #expect(try store.clearBounces(subscriberID: hana.subscriberID, today: today.adding(days: 5), at: noon))
        #expect(try status(store, hana.subscriberID) == .active)
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.events.last?.kind == .reset)
        #expect(!(try store.clearBounces(subscriberID: hana.subscriberID, today: today.adding(days: 5), at: noon)), "nothing left to clear")

        #expect(try store.recordReply(subscriberID: taro.subscriberID, today: today, at: noon, messageID: "reply@taro"))
        #expect(try store.bouncingSubscribers().isEmpty)
        #expect(!(try store.recordReply(subscriberID: taro.subscriberID, today: today, at: noon, messageID: "reply2@taro")))
    }
}
