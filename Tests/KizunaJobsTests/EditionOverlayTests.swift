import Foundation
import KizunaContent
import KizunaCore
@testable import KizunaJobs
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Two editions on one instance: sakura with its own overlay (`editions/sakura/`), ume without.
/// Each family gets its own edition's texts, in the night's mail and in replies alike.
final class EditionOverlayTests: XCTestCase {
    static let twoEditions = maildirConfig(languages: #"["en"]"#) + """


        [[edition]]
        id = "ume"
        name = "Ume Clinic"
        address = "kizuna@ume.example"
        languages = ["en"]
        plus_addressing = true
        """

    /// The shipped templates with sakura's overlay: its week-20 message and its help reply.
    func templatesWithOverlay() throws -> URL {
        let dir = try makeTemporaryDirectory("overlay").appendingPathComponent("templates")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try FileManager.default.copyItem(at: repoTemplates, to: dir)
        let own = dir.appendingPathComponent("editions/sakura")
        try FileManager.default.createDirectory(at: own.appendingPathComponent("messages/en/pregnancy"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: own.appendingPathComponent("system/en"), withIntermediateDirectories: true)
        try sampleMessage(track: "pregnancy", stage: "day = 140", subject: "Sakura's week 20",
                          body: "marker-sakura-overlay: {{weeks_days}} at {{edition_name}}.")
            .write(to: own.appendingPathComponent("messages/en/pregnancy/d0140.md"), atomically: true, encoding: .utf8)
        try "+++\nsubject = \"Sakura help\"\nsample = true\n[review]\nstatus = \"unreviewed\"\n+++\nmarker-sakura-help: write **stop** to stop.\n"
            .write(to: own.appendingPathComponent("system/en/help.md"), atomically: true, encoding: .utf8)
        return dir
    }

    func testEachFamilyGetsItsOwnEditionsTextsInTheNightAndInReplies() throws {
        let night = try NightInstance(config: Self.twoEditions, templates: try templatesWithOverlay())
        let today = CivilDate(iso: "2027-03-01")!
        night.instance.testClock.set(noonInTokyo(today))
        try night.add("a@families.test", track: .pregnancy, anchor: today.adding(days: 140), edition: "sakura", today: today)
        try night.add("b@families.test", track: .pregnancy, anchor: today.adding(days: 140), edition: "ume", today: today)
        XCTAssertEqual(try night.batch(today).queued, 2)
        _ = try night.send(at: noonInTokyo(today))
        let mails = Dictionary(try night.delivered().map { ($0.header("To") ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let a = try XCTUnwrap(mails["a@families.test"]), b = try XCTUnwrap(mails["b@families.test"])
        XCTAssertEqual(a.subject, "Sakura's week 20")
        XCTAssertTrue(a.part("text/plain")?.contains("marker-sakura-overlay: 20 weeks at Sakura Clinic.") == true, a.text)
        XCTAssertNotEqual(b.subject, "Sakura's week 20")
        XCTAssertFalse(b.text.contains("marker-sakura"), b.text)

        // A reply renders from the same view: sakura's help for sakura's family only.
        let catalog = try night.instance.catalog()
        let composer = MessageComposer(catalog: catalog, tokens: try night.instance.tokens(), timeZone: night.instance.timeZone)
        func help(_ address: String, _ edition: String) throws -> String {
            let subscriber = try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: address), edition: edition))
            let request = SystemMailRequest(deliveryID: 99, action: .reply(.help, language: .en), subscriber: subscriber.subscriber, subscriptions: [], items: [])
            let content = try composer.renderSystemMail(request, edition: try XCTUnwrap(night.instance.edition(id: edition)),
                                                        schedules: catalog.schedules(catchUpDays: 0), today: today, now: noonInTokyo(today))
            return DeliveredMail(bytes: content.bytes).part("text/plain") ?? ""
        }
        XCTAssertTrue(try help("a@families.test", "sakura").contains("marker-sakura-help"))
        XCTAssertFalse(try help("b@families.test", "ume").contains("marker-sakura"))
    }
}
