import Foundation
import KizunaCore
import KizunaJobs
@testable import KizunaStore
import Testing

private let today = CivilDate(iso: "2026-05-01")!
private let noon = Date(timeIntervalSince1970: 1_777_636_800) // 2026-05-01T12:00:00Z

private func family(_ address: String) throws -> NewSubscriber {
    NewSubscriber(address: try EmailAddress(parsing: address), edition: "tokyo", language: "ja", area: "minato",
                  track: .child, anchor: CivilDate(iso: "2026-03-01")!, nickname: nil)
}

private func daily(_ ids: (subscriberID: Int64, subscriptionID: Int64), on date: CivilDate = today, key: String = "child/d0061") -> DeliveryPlan {
    DeliveryPlan(subscriberID: ids.subscriberID, localDate: date, recipient: "r\(ids.subscriberID)@example.jp",
                 items: [ItemPlan(subscriptionID: ids.subscriptionID, messageKey: key, scheduledDate: date, status: .included)])
}

private func scoring(_ store: Store) -> BounceScoring { BounceScoring(store: store) }

/// Bounce scores with the real store (in memory, the real migrations): the threshold, once a
/// day, the stale period, one count per report, complaints, and reports about addresses we
/// never sent to. (Moved from KizunaStoreTests' BounceStoreTests when the scoring moved from
/// the store to `BounceScoring`; the store's fixtures `today`, `noon`, `family` and `daily` are
/// copied here.)
@Suite struct BounceScoringTests {
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
            let d = try scoring(store).recordBounce(notice(delivery: delivery, messageID: "dsn\(n)@mx.example"), today: day, at: noon)
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
            try scoring(store).recordBounce(notice(delivery: try sent(store, hana, on: today.adding(days: n)), messageID: "d\(n)@mx"), today: today.adding(days: n), at: noon)
        }
        let queued = try sent(store, hana, on: today.adding(days: 5), status: .queued)
        let last = try scoring(store).recordBounce(notice(delivery: nil, messageID: "d4@mx"), today: today.adding(days: 4), at: noon)
        #expect(last.effect == .bouncing)
        #expect(try store.delivery(id: queued)?.status == .cancelled)
    }

    @Test func atMostOneBounceCountsADay() throws {
        let (store, hana, _) = try families()
        let delivery = try sent(store, hana, on: today)
        let first = try scoring(store).recordBounce(notice(delivery: delivery, messageID: "a@mx"), today: today, at: noon)
        let second = try scoring(store).recordBounce(notice(delivery: delivery, hard: false, messageID: "b@mx"), today: today, at: noon)
        #expect(first.effect == .counted)
        #expect(second.effect == .notCounted)
        #expect(second.score == 1)
        let detail = try #require(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp")))
        #expect(detail.events.map(\.counted) == [true, false], "the second is kept as evidence")
        let nextDay = try scoring(store).recordBounce(notice(delivery: nil, hard: false, messageID: "c@mx"), today: today.adding(days: 1), at: noon)
        #expect(nextDay.score == 1.5)
    }

    @Test func aQuietWeekStartsTheScoreAgain() throws {
        let (store, hana, _) = try families()
        let delivery = try sent(store, hana, on: today)
        for n in 0..<3 { try scoring(store).recordBounce(notice(delivery: delivery, messageID: "q\(n)@mx"), today: today.adding(days: n), at: noon) }
        let within = try scoring(store).recordBounce(notice(delivery: delivery, hard: false, messageID: "w@mx"), today: today.adding(days: 9), at: noon)
        #expect(within.score == 3.5, "7 days after the last bounce the score still stands")
        let stale = try scoring(store).recordBounce(notice(delivery: delivery, messageID: "s@mx"), today: today.adding(days: 17), at: noon)
        #expect(stale.effect == .counted)
        #expect(stale.score == 1)
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.score.bounceCount == 1)
    }

    @Test func theSameReportIsCountedOnce() throws {
        let (store, hana, _) = try families()
        let delivery = try sent(store, hana, on: today)
        let n = notice(delivery: delivery, messageID: "<once@mx.example>")
        #expect(try scoring(store).recordBounce(n, today: today, at: noon).effect == .counted)
        // Read again on a later day (a re-run, a copy after a UIDVALIDITY change): nothing more.
        let again = try scoring(store).recordBounce(n, today: today.adding(days: 1), at: noon)
        #expect(again.effect == .duplicate)
        #expect(again.score == 1)
        #expect(try count(store, "SELECT COUNT(*) FROM bounce_events") == 1)
        #expect(try count(store, "SELECT COUNT(*) FROM events WHERE kind = 'bounce'") == 1)
        // The same report naming two of our recipients counts for each.
        let taroDelivery = try sent(store, try #require(try store.subscriber(address: EmailAddress(parsing: "taro@example.jp"), edition: nil))
            .subscriptions.map { (subscriberID: $0.subscriberID, subscriptionID: $0.id!) }.first!, on: today)
        #expect(try scoring(store).recordBounce(notice("taro@example.jp", delivery: taroDelivery, messageID: "<once@mx.example>"), today: today, at: noon).effect == .counted)
    }

    @Test func aComplaintStopsAtOnce() throws {
        let (store, hana, _) = try families()
        let delivery = try sent(store, hana, on: today)
        try scoring(store).recordBounce(notice(delivery: delivery, hard: false, messageID: "soft@mx"), today: today, at: noon)
        let queued = try sent(store, hana, on: today.adding(days: 1), status: .queued)
        let complaint = ComplaintNotice(address: "hana@example.jp", deliveryID: delivery, feedbackType: "abuse", messageID: "arf1@fbl.example")
        let d = try scoring(store).recordComplaint(complaint, today: today, at: noon)
        #expect(d.effect == .stopped)
        #expect(try status(store, hana.subscriberID) == .stopped)
        #expect(try store.delivery(id: queued)?.status == .cancelled)
        #expect(try store.subscriber(id: hana.subscriberID)?.subscriptions.allSatisfy { $0.status == .stopped } == true)
        #expect(try scoring(store).recordComplaint(complaint, today: today, at: noon).effect == .duplicate)
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
        let stranger = try scoring(store).recordBounce(notice("stranger@example.jp", delivery: nil, messageID: "x1@mx"), today: today, at: noon)
        #expect(stranger.effect == .ignored)
        #expect(stranger.detail.contains("never sent to stranger@example.jp"))
        // A subscriber we have not sent anything to yet.
        #expect(try scoring(store).recordBounce(notice(delivery: nil, messageID: "x2@mx"), today: today, at: noon).effect == .ignored)
        // Taro's delivery, but the report names Hana: the delivery does not belong to the address.
        let mismatch = try scoring(store).recordBounce(notice(delivery: taroDelivery, messageID: "x3@mx"), today: today, at: noon)
        #expect(mismatch.effect == .ignored)
        #expect(mismatch.detail.contains("went to taro@example.jp"))
        // A delivery id that does not exist, an unreadable address, a complaint for a stranger.
        #expect(try scoring(store).recordBounce(notice("taro@example.jp", delivery: 999, messageID: "x4@mx"), today: today, at: noon).effect == .ignored)
        #expect(try scoring(store).recordBounce(notice("not an address", delivery: nil, messageID: "x5@mx"), today: today, at: noon).effect == .ignored)
        let complaint = ComplaintNotice(address: "stranger@example.jp", deliveryID: nil, feedbackType: "abuse", messageID: "x6@fbl")
        #expect(try scoring(store).recordComplaint(complaint, today: today, at: noon).effect == .ignored)
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
        let first = try scoring(store).recordOutcomes([DeliveryOutcome(id: d1, status: .bounced, code: 552, reply: "552 5.2.2 Mailbox full"),
                                              DeliveryOutcome(id: t1, status: .sent, code: 250, reply: "250 ok")],
                                             at: noon, scoringOn: today)
        #expect(first.unknown.isEmpty)
        #expect(first.decisions.map(\.effect) == [.counted])
        #expect(first.decisions.first?.score == 0.5, "a full mailbox is soft")
        #expect(try store.delivery(id: d1)?.status == .bounced)
        // The same outcome recorded again (a reconciled run) does not count twice.
        let again = try scoring(store).recordOutcomes([DeliveryOutcome(id: d1, status: .bounced, code: 552, reply: "552 5.2.2 Mailbox full")],
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
        try scoring(store).recordOutcomes([DeliveryOutcome(id: d2, status: .sent, code: 250, reply: "250 ok")], at: noon, scoringOn: today.adding(days: 1))
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
        let first = try scoring(store).recordOutcomes([DeliveryOutcome(id: d1, status: .bounced, code: 451, reply: lastReply, expired: true)],
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
        let sameDay = try scoring(store).recordOutcomes([DeliveryOutcome(id: d2, status: .bounced, code: 450, reply: lastReply, expired: true),
                                                DeliveryOutcome(id: d1, status: .bounced, code: 451, reply: lastReply, expired: true)],
                                               at: noon, scoringOn: today)
        #expect(sameDay.decisions.map(\.effect) == [.notCounted, .duplicate])
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.score.score == 0.5)

        // Without a 4xx reply (the relay was never reached) an expiry says nothing about the address.
        let d3 = try sent(store, hana, on: today.adding(days: 1), status: .queued)
        let unreachable = try scoring(store).recordOutcomes([DeliveryOutcome(id: d3, status: .bounced, code: nil,
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
            last = try scoring(store).recordOutcomes([DeliveryOutcome(id: d, status: .bounced, code: 452, reply: "expired: 452 4.2.2 over quota", expired: true)],
                                            at: noon, scoringOn: day).decisions.first
        }
        #expect(last?.effect == .bouncing)
        #expect(last?.score == 5)
        #expect(try status(store, hana.subscriberID) == .bouncing)
    }

    @Test func aRelaysAcceptanceLeavesABounceReportsScore() throws {
        let (store, hana, _) = try families()
        let d1 = try sent(store, hana, on: today)
        try scoring(store).recordBounce(notice(delivery: d1, messageID: "r@mx"), today: today, at: noon)
        let d2 = try sent(store, hana, on: today.adding(days: 1), status: .queued)
        try scoring(store).recordOutcomes([DeliveryOutcome(id: d2, status: .sent, code: 250, reply: "250 queued as X")], at: noon, scoringOn: today.adding(days: 1))
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.score.score == 1)
    }

    @Test func fiveRefusalsSetBouncing() throws {
        let (store, hana, _) = try families()
        var last: [BounceDecision] = []
        for n in 0..<5 {
            let d = try sent(store, hana, on: today.adding(days: n), status: .queued)
            last = try scoring(store).recordOutcomes([DeliveryOutcome(id: d, status: .bounced, code: 550, reply: "550 5.1.1 <hana@example.jp>: User unknown")],
                                            at: noon, scoringOn: today.adding(days: n)).decisions
        }
        #expect(last.map(\.effect) == [.bouncing])
        #expect(try status(store, hana.subscriberID) == .bouncing)
    }

    @Test func aReplyAndAResetClearTheScore() throws {
        let (store, hana, taro) = try families()
        let d = try sent(store, hana, on: today)
        for n in 0..<5 { try scoring(store).recordBounce(notice(delivery: d, messageID: "z\(n)@mx"), today: today.adding(days: n), at: noon) }
        let t = try sent(store, taro, on: today)
        try scoring(store).recordBounce(notice("taro@example.jp", delivery: t, hard: false, messageID: "t@mx"), today: today, at: noon)

        let standings = try store.bouncingSubscribers()
        #expect(standings.map(\.subscriber.id) == [hana.subscriberID, taro.subscriberID])
        #expect(standings.map(\.score.score) == [5, 0.5])
        #expect(try store.bounceSummary(now: noon) == BounceSummary(bouncing: 1, scored: 2, eventsLastDay: [.bounce: 6]))

        #expect(try store.clearBounces(subscriberID: hana.subscriberID, today: today.adding(days: 5), at: noon))
        #expect(try status(store, hana.subscriberID) == .active)
        #expect(try store.bounceDetail(address: EmailAddress(parsing: "hana@example.jp"))?.events.last?.kind == .reset)
        #expect(!(try store.clearBounces(subscriberID: hana.subscriberID, today: today.adding(days: 5), at: noon)), "nothing left to clear")

        #expect(try scoring(store).recordReply(subscriberID: taro.subscriberID, today: today, at: noon, messageID: "reply@taro"))
        #expect(try store.bouncingSubscribers().isEmpty)
        #expect(!(try scoring(store).recordReply(subscriberID: taro.subscriberID, today: today, at: noon, messageID: "reply2@taro")))
    }

    /// Moved from KizunaStoreTests' ReportStoreTests (its last lines): a report's delivery has no
    /// subscriber, so its refusal at SMTP time is recorded and scores nobody.
    @Test func aReportsRefusalScoresNoSubscriber() throws {
        let store = try Store.inMemory()
        let planned = try store.planReport(on: today, recipients: ["admin@clinic.example"], at: noon) { id, _ in
            SystemMailContent(mailFrom: "kizuna@clinic.example", messageID: "kizuna-report.20260501.\(id).x@clinic.example",
                              subject: "Kizuna report", bytes: Array("report \(id)\r\n".utf8))
        }
        let id = try #require(planned.first?.deliveryID)
        try store.markSystemMailQueued(planned, at: noon)
        let outcome = try scoring(store).recordOutcomes([DeliveryOutcome(id: id, status: .bounced, code: 550, reply: "550 no")], at: noon, scoringOn: today)
        #expect(outcome.unknown.isEmpty)
        #expect(outcome.decisions.map(\.effect) == [.ignored])
        #expect(try count(store, "SELECT COUNT(*) FROM bounce_scores") == 0)
    }
}

/// What a report's period holds, with bounces scored by `BounceScoring`. (Moved from
/// KizunaStoreTests' ReportStoreTests when the scoring moved to Jobs.)
@Suite struct ReportActivityTests {
    /// A store with `count` subscribers, each with one child subscription; returns their ids.
    func populated(_ count: Int) throws -> (Store, [(subscriberID: Int64, subscriptionID: Int64)]) {
        let store = try Store.inMemory()
        let ids = try (0..<count).map { try store.addSubscriber(family("p\($0)@example.jp"), today: today, at: noon, source: "t") }
        return (store, ids)
    }

    @Test func theActivityOfAPeriodNamesWhoIsBouncingComplainedOrWasHeld() throws {
        let (store, ids) = try populated(4)
        let policy = BounceScorePolicy(hardWeight: 1, softWeight: 0.5, threshold: 2, staleAfterDays: 7)
        func sentDaily(_ i: Int, on day: CivilDate) throws -> Int64 {
            let id = try #require(try store.planDeliveries([daily(ids[i], on: day, key: "child/\(day.iso)")], at: noon).first ?? nil)
            try store.markQueued([(id: id, messageID: "kizuna.\(id).x@clinic.example", subject: "s", envelopeFrom: "k@x")], at: noon)
            try store.recordOutcomes([DeliveryOutcome(id: id, status: .sent, code: 250, reply: "250 ok")], at: noon)
            return id
        }
        let before = noon.addingTimeInterval(-86_400 * 3)
        let since = noon.addingTimeInterval(-3600), until = noon.addingTimeInterval(3600)
        // p0: two hard bounces on two days; the second, inside the period, makes it bouncing.
        let d0 = try sentDaily(0, on: today.adding(days: -1))
        try BounceScoring(store: store, policy: policy).recordBounce(BounceNotice(address: "p0@example.jp", deliveryID: d0, status: "5.1.1", reason: "userunknown", hard: true, messageID: "b1"),
                               today: today.adding(days: -1), at: before)
        try BounceScoring(store: store, policy: policy).recordBounce(BounceNotice(address: "p0@example.jp", deliveryID: d0, status: "5.1.1", reason: "userunknown", hard: true, messageID: "b2"),
                               today: today, at: noon)
        // p1: a complaint. p2: a held command. p3: a delivery refused for good.
        let d1 = try sentDaily(1, on: today)
        try scoring(store).recordComplaint(ComplaintNotice(address: "p1@example.jp", deliveryID: d1, feedbackType: "abuse", messageID: "c1"), today: today, at: noon)
        try store.recordEvent(kind: .commandHeld, subscriberID: ids[2].subscriberID, detail: "stop: dmarc=fail at mx.clinic.example", at: noon)
        let d3 = try #require(try store.planDeliveries([daily(ids[3])], at: noon).first ?? nil)
        try scoring(store).recordOutcomes([DeliveryOutcome(id: d3, status: .bounced, code: 550, reply: "550 5.1.1 no such user")], at: noon, scoringOn: today)
        // Inbound: one applied command, one unreadable message.
        let place = InboundPlace(mailbox: "INBOX", uidValidity: 1, uid: 1)
        try store.closeInbound(place: place, messageID: "m1", status: .failed, kind: nil, sender: nil, decision: "{}", event: nil, at: noon)
        try store.closeInbound(place: InboundPlace(mailbox: "INBOX", uidValidity: 1, uid: 2), messageID: "m2", status: .ignored,
                               kind: .bounce, sender: "MAILER-DAEMON@x", decision: "{}", event: nil, at: noon)
        // Outside the period: an older hold.
        try store.recordEvent(kind: .commandHeld, subscriberID: ids[2].subscriberID, detail: "old", at: before)

        let a = try store.reportActivity(since: since, until: until)
        #expect(a.newlyBouncingTotal == 1)
        let bouncing = try #require(a.newlyBouncing.first)
        #expect(bouncing.address == "p0@example.jp" && bouncing.status == .bouncing && bouncing.score == 2)
        #expect(bouncing.reason == "5.1.1 userunknown, hard")
        #expect(a.complaints.map(\.address) == ["p1@example.jp"] && a.complaints.first?.reason == "abuse")
        #expect(a.held.map(\.detail) == ["stop: dmarc=fail at mx.clinic.example"] && a.held.first?.address == "p2@example.jp")
        #expect(a.failures.map(\.deliveryID) == [d3] && a.failures.first?.smtpCode == 550)
        #expect(a.inbound == [nil: [.failed: 1], .bounce: [.ignored: 1]])

        // The limit shortens the lists, not the totals.
        let one = try store.reportActivity(since: before.addingTimeInterval(-1), until: until, limit: 1)
        #expect(one.heldTotal == 2 && one.held.count == 1 && one.held.first?.detail == "old")
        // Nothing happened in an empty period.
        let empty = try store.reportActivity(since: until, until: until.addingTimeInterval(60))
        #expect(empty == ReportActivity())
    }
}
