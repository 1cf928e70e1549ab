import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaStore
import XCTest

/// A parent's subscribe by email names an area the edition declares: the subscriber is stored
/// with the area's id, whatever spelling the parent wrote.
final class AreaMailTests: XCTestCase {
    let day = CivilDate(iso: "2026-11-25")!

    /// The shipped templates: `local/sakura.toml` declares its areas, kita (北区; きた, キタ, Kita-ku, …)
    /// and minami (南区).
    func templatesWithAreas() throws -> URL { repoTemplates }

    func testASubscribeByEmailStoresTheAreaIDOfTheSpellingItUses() throws {
        let night = try NightInstance(config: maildirConfig(), templates: try templatesWithAreas())
        let box = FakeMailbox()
        box.deliver(parentMail(from: "hana@families.example", subject: "登録", body: "出産予定日　２０２７年５月１日\n地域 ｷﾀ"))
        box.deliver(parentMail(from: "ken@families.example", subject: "sign up", body: "due 2027-05-01\narea KITA-KU"))
        box.deliver(parentMail(from: "mio@families.example", subject: "登録", body: "出産予定日　２０２７年５月１日\n地域 ひがし"))
        let summary = try PollJob(instance: night.instance).run(now: noonInTokyo(day), mailbox: box)
        XCTAssertEqual(summary.applied, 3, summary.line)
        func area(_ email: String) throws -> String? {
            try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: email), edition: "sakura")).subscriber.area
        }
        XCTAssertEqual(try area("hana@families.example"), "kita")
        XCTAssertEqual(try area("ken@families.example"), "kita")
        // Undeclared: kept as written (no subscription is refused over its area); it matches no area's information.
        XCTAssertEqual(try area("mio@families.example"), "ひがし")
    }

    func plain(_ mail: DeliveredMail) -> String {
        (mail.part("text/plain") ?? "").split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    func testAParentSetsTheAreaByEmailAndAnUnknownOneGetsTheList() throws {
        let night = try NightInstance(config: maildirConfig(), templates: try templatesWithAreas())
        try night.add("hana@families.example", track: .pregnancy, anchor: day.adding(days: 140), language: "ja", today: day)
        try night.add("ken@families.example", track: .pregnancy, anchor: day.adding(days: 140), language: "en", today: day)
        let box = FakeMailbox()
        box.deliver(parentMail(from: "hana@families.example", subject: "", body: "地域 ｷﾀ"))
        box.deliver(parentMail(from: "ken@families.example", subject: "area", body: "area higashi"))
        let summary = try PollJob(instance: night.instance).run(now: noonInTokyo(day), mailbox: box)
        XCTAssertEqual(summary.applied, 2, summary.line)
        func detail(_ email: String) throws -> SubscriberDetail {
            try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: email), edition: "sakura"))
        }
        XCTAssertEqual(try detail("hana@families.example").subscriber.area, "kita")
        XCTAssertTrue(try detail("hana@families.example").events.contains { $0.kind == .areaChanged && $0.detail == "kita" })
        XCTAssertNil(try detail("ken@families.example").subscriber.area, "an unknown area changes nothing")
        XCTAssertTrue(try detail("ken@families.example").events.contains { $0.kind == .areaRefused })

        _ = try night.send(at: noonInTokyo(day))
        let replies = try night.delivered()
        XCTAssertEqual(replies.count, 2)
        let ja = try XCTUnwrap(replies.first { $0.header("To")?.contains("hana@") ?? false })
        XCTAssertTrue(plain(ja).contains("お住まいの地域を北区にしました。"), plain(ja))
        let en = try XCTUnwrap(replies.first { $0.header("To")?.contains("ken@") ?? false })
        XCTAssertTrue(plain(en).contains(#"We found no area called "higashi" (your area is unchanged). The areas are: kita (北区), minami (南区)"#), plain(en))
    }

    func testAStopOrALossInTheSameMailWinsOverTheArea() throws {
        let night = try NightInstance(config: maildirConfig(), templates: try templatesWithAreas())
        try night.add("hana@families.example", track: .pregnancy, anchor: day.adding(days: 140), language: "ja", today: day)
        let box = FakeMailbox()
        box.deliver(parentMail(from: "hana@families.example", subject: "地域 北区", body: "配信停止"))
        _ = try PollJob(instance: night.instance).run(now: noonInTokyo(day), mailbox: box)
        let d = try XCTUnwrap(try night.store.subscriber(address: try EmailAddress(parsing: "hana@families.example"), edition: "sakura"))
        XCTAssertEqual(d.subscriber.status, .stopped)
        XCTAssertNil(d.subscriber.area)
    }
}
