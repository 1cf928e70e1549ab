import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaStore
import XCTest

/// A missed night with a catalog that has a message every day (pregnancy days 28…300).
final class CatchUpTests: XCTestCase {
    let dayD = CivilDate(iso: "2026-06-10")!
    /// Gestational day 100 on D.
    var due: CivilDate { dayD.adding(days: 180) }

    func dailyInstance(catchUp: Int) throws -> NightInstance {
        let templates = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-daily-\(UUID().uuidString.prefix(8))")
        try writeDailyCatalog(into: templates)
        addTeardownBlock { try? FileManager.default.removeItem(at: templates) }
        return try NightInstance(config: maildirConfig(catchUp: catchUp, languages: #"["en"]"#), templates: templates)
    }

    func testASkippedNightSendsOnlyTheLatestMessageAndRecordsTheMissedOneAsSkipped() throws {
        let night = try dailyInstance(catchUp: 2)
        let ids = try night.add("mother@families.example", track: .pregnancy, anchor: due, today: dayD)

        XCTAssertEqual(try night.batch(dayD).queued, 1)
        XCTAssertEqual(try night.send(at: noonInTokyo(dayD)).sent, 1)

        // D+1: no run. D+2: one email, today's message; D+1's is recorded as skipped.
        let d2 = dayD.adding(days: 2)
        let batch = try night.batch(d2)
        XCTAssertEqual(batch.queued, 1)
        XCTAssertEqual(batch.skippedItems, 1)
        XCTAssertEqual(try night.send(at: noonInTokyo(d2)).sent, 1)

        let mails = try night.delivered()
        XCTAssertEqual(mails.map(\.subject).sorted { ($0 ?? "") < ($1 ?? "") }, ["Daily day 100", "Daily day 102"])
        XCTAssertEqual(mails.filter { $0.text.contains("marker-day-101") || ($0.part("text/plain") ?? "").contains("marker-day-101") }.count, 0)

        let deliveries = try night.deliveries()
        XCTAssertEqual(deliveries.map(\.localDate), [dayD, d2])
        let items = try night.store.deliveryItems(deliveryID: deliveries[1].id!)
        let skipped = try XCTUnwrap(items.first { $0.status == .skipped })
        XCTAssertEqual(skipped.messageKey, "pregnancy/d0101")
        XCTAssertEqual(skipped.scheduledDate, dayD.adding(days: 1))
        XCTAssertEqual(skipped.reason, "missed night; superseded by pregnancy/d0102")
        XCTAssertEqual(items.filter { $0.status == .included }.map(\.messageKey), ["pregnancy/d0102"])
        XCTAssertEqual(try night.store.ledgerKeys(subscriptionIDs: [ids.subscriptionID], since: dayD)[ids.subscriptionID],
                       ["pregnancy/d0100", "pregnancy/d0101", "pregnancy/d0102"])

        // Running D+2 again changes nothing.
        XCTAssertEqual(try night.batch(d2).queued, 0)
        XCTAssertEqual(try night.send(at: noonInTokyo(d2)).sent, 0)
        XCTAssertEqual(try night.delivered().count, 2)
    }

    func testWithoutCatchUpTheMissedMessageIsSimplyNotSent() throws {
        let night = try dailyInstance(catchUp: 0)
        let ids = try night.add("mother@families.example", track: .pregnancy, anchor: due, today: dayD)
        _ = try night.batch(dayD)
        _ = try night.send(at: noonInTokyo(dayD))

        let d2 = dayD.adding(days: 2)
        let batch = try night.batch(d2)
        XCTAssertEqual(batch.queued, 1)
        XCTAssertEqual(batch.skippedItems, 0)
        XCTAssertEqual(try night.send(at: noonInTokyo(d2)).sent, 1)

        XCTAssertEqual(Set(try night.delivered().compactMap(\.subject)), ["Daily day 100", "Daily day 102"])
        let keys = try night.store.ledgerKeys(subscriptionIDs: [ids.subscriptionID], since: dayD.adding(days: -10))[ids.subscriptionID]
        XCTAssertEqual(keys, ["pregnancy/d0100", "pregnancy/d0102"], "d0101 is neither sent nor recorded")
    }

    func testASubscriberAddedTodayGetsNoBacklog() throws {
        let night = try dailyInstance(catchUp: 2)
        let d2 = dayD.adding(days: 2)
        // Subscribed on D+2 at gestational day 102: days 100 and 101 fall in the catch-up window
        // but before the subscription began.
        let ids = try night.add("newcomer@families.example", track: .pregnancy, anchor: due, today: d2)
        let batch = try night.batch(d2)
        XCTAssertEqual(batch.queued, 1)
        XCTAssertEqual(batch.skippedItems, 0)
        XCTAssertEqual(try night.send(at: noonInTokyo(d2)).sent, 1)
        let delivery = try XCTUnwrap(try night.deliveries().first)
        XCTAssertEqual(try night.store.deliveryItems(deliveryID: delivery.id!).map(\.messageKey), ["pregnancy/d0102"])
        XCTAssertEqual(try night.store.ledgerKeys(subscriptionIDs: [ids.subscriptionID], since: dayD)[ids.subscriptionID], ["pregnancy/d0102"])
        XCTAssertEqual(try night.delivered().compactMap(\.subject), ["Daily day 102"])
    }
}
