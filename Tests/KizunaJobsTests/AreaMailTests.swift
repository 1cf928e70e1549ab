import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaStore
import XCTest

/// A parent's subscribe by email names an area the edition declares: the subscriber is stored
/// with the area's id, whatever spelling the parent wrote.
final class AreaMailTests: XCTestCase {
    let day = CivilDate(iso: "2026-11-25")!

    /// The shipped templates with `[areas]` added to `local/sakura.toml`, in a scratch directory.
    func templatesWithAreas() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-areas-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: repoTemplates, to: dir)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let local = dir.appendingPathComponent("local/sakura.toml")
        let areas = "[areas]\nkita = { name = \"北区\", aliases = [\"きた\", \"キタ\", \"Kita-ku\"] }\nminami = { name = \"南区\" }\n\n"
        try (areas + (try String(contentsOf: local, encoding: .utf8))).write(to: local, atomically: true, encoding: .utf8)
        return dir
    }

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
}
