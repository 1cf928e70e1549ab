import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import XCTest

/// Through which relay, and from which address, the daily report leaves: a report to an edition's `report_to` alone names
/// its edition in its spool file (so it goes through the edition's `[edition.smtp]`, as the
/// edition's families' mail does), also when a crash left it in the store for the next poll;
/// the instance-wide report names none (the instance's relay).
final class EditionReportRelayTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!

    func envelope(_ night: NightInstance, _ recipient: String) throws -> [String: String] {
        let delivery = try XCTUnwrap(try night.store.reportDeliveries(on: day).first { $0.recipient == recipient })
        return try night.envelope(try XCTUnwrap(delivery.id))
    }

    func testAnEditionsRecipientsReportNamesItsEditionAndTheInstancesReportNone() throws {
        let night = try NightInstance(config: twoEditionReportConfig())
        let summary = try ReportJob(instance: night.instance).run(date: day, now: noonInTokyo(day))
        XCTAssertEqual(summary.queued, ["admin@clinic.example", "ume-admin@ume.example"])
        XCTAssertEqual(try envelope(night, "ume-admin@ume.example")["edition"], "ume")
        XCTAssertNil(try envelope(night, "admin@clinic.example")["edition"])
        // Each from its own edition's address: ume's tenant never gets mail from sakura's.
        XCTAssertEqual(try envelope(night, "ume-admin@ume.example")["mail-from"], "kizuna@ume.example")
        XCTAssertEqual(try envelope(night, "admin@clinic.example")["mail-from"], "kizuna@clinic.example")
        _ = try night.send(at: noonInTokyo(day))
        let from = Dictionary(try night.delivered().map { ($0.header("To") ?? "", $0.header("From") ?? "") }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(from["ume-admin@ume.example"], "\"Kizuna\" <kizuna@ume.example>")
        XCTAssertEqual(from["admin@clinic.example"], "\"Kizuna\" <kizuna@clinic.example>")
    }

    func testAReportACrashLeftInTheStoreKeepsItsEditionWhenThePollSpoolsIt() throws {
        let night = try NightInstance(config: twoEditionReportConfig())
        struct Crash: Error {}
        let crashing = ReportJob(instance: night.instance)
        crashing.beforeSpooling = { throw Crash() }
        XCTAssertThrowsError(try crashing.run(date: day, now: noonInTokyo(day)))
        XCTAssertEqual(try night.store.reportDeliveries(on: day).map(\.status), [.planned, .planned])
        night.instance.testClock.set(noonInTokyo(day).addingTimeInterval(60))
        let polled = try PollJob(instance: night.instance).run(mailbox: FakeMailbox())
        XCTAssertEqual(polled.recovered, 2, polled.line)
        XCTAssertEqual(try envelope(night, "ume-admin@ume.example")["edition"], "ume")
        XCTAssertNil(try envelope(night, "admin@clinic.example")["edition"])
    }
}
