import Foundation
import KizunaContent
import KizunaCore
@testable import KizunaJobs
import KizunaTestSupport
import XCTest

/// `kizuna content preview KEY --edition E --area A --date D`: exactly what a family of that
/// edition, area and day would get — the edition's overlay, and the local information that fits
/// the day and the area, at most `max_local_items`.
final class PreviewTests: XCTestCase {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/content/golden")

    /// Two editions on the shipped templates: sakura (whose local info declares its areas) has its
    /// own child/m06 in Japanese; ume has neither. `top` goes at the top of sakura's local info file.
    func instance(top: String = "") throws -> NightInstance {
        let dir = try makeTemporaryDirectory("preview").appendingPathComponent("templates")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try FileManager.default.copyItem(at: repoTemplates, to: dir)
        let local = dir.appendingPathComponent("local/sakura.toml")
        try (top + (try String(contentsOf: local, encoding: .utf8))).write(to: local, atomically: true, encoding: .utf8)
        let own = dir.appendingPathComponent("editions/sakura/messages/ja/child")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        try sampleMessage(track: "child", stage: "month = 6", subject: "さくらの{{age}}", body: "さくらクリニックから：{{nickname}}は{{age}}です。")
            .write(to: own.appendingPathComponent("m06.md"), atomically: true, encoding: .utf8)
        let night = try NightInstance(config: EditionOverlayTests.twoEditions.replacingOccurrences(of: #"["en"]"#, with: #"["ja", "en"]"#),
                                      templates: dir)
        night.instance.testClock.set(noonInTokyo(CivilDate(iso: "2027-01-05")!))
        return night
    }

    func preview(_ night: NightInstance, edition: String? = "sakura", area: String? = "キタ", date: String = "2027-01-10") throws -> DeliveredMail {
        DeliveredMail(bytes: try ContentTools(instance: night.instance)
            .preview(messageKey: "child/m06", language: "ja", nickname: "そら", editionID: edition, area: area, date: CivilDate(iso: date)!))
    }

    func testPreviewShowsTheEditionsOverlayAndTheLocalInformationOfThatDayAndArea() throws {
        let night = try instance()
        let mail = try preview(night)
        XCTAssertEqual(mail.subject, "さくらの生後6か月")
        let text = try XCTUnwrap(mail.part("text/plain"))
        let golden = Self.golden.appendingPathComponent("preview-sakura-kita-2027-01-10.txt")
        if ProcessInfo.processInfo.environment["KIZUNA_UPDATE_GOLDEN"] != nil {
            try text.write(to: golden, atomically: true, encoding: .utf8)
        }
        XCTAssertEqual(text, try String(contentsOf: golden, encoding: .utf8))
        XCTAssertTrue(text.contains("さくらクリニックから：そらは生後6か月です。"), text)
        XCTAssertTrue(text.contains("こもれび") && text.contains("インフルエンザ"), text)

        // Another day: the flu season is over. No area: the area's drop-in space is not shown.
        let march = try XCTUnwrap(try preview(night, date: "2027-03-01").part("text/plain"))
        XCTAssertTrue(march.contains("こもれび") && !march.contains("インフルエンザ"), march)
        let nowhere = try XCTUnwrap(try preview(night, area: nil).part("text/plain"))
        XCTAssertTrue(!nowhere.contains("こもれび") && nowhere.contains("インフルエンザ"), nowhere)

        // Edition ume: the shared message and none of sakura's local information.
        let ume = try preview(night, edition: "ume", area: nil)
        XCTAssertEqual(ume.subject, "生後6か月　離乳食はひとさじから")
        let umeText = try XCTUnwrap(ume.part("text/plain"))
        XCTAssertFalse(umeText.contains("さくらクリニックから") || umeText.contains("こもれび") || umeText.contains("インフルエンザ"), umeText)
    }

    func testPreviewKeepsToMaxLocalItemsAndRefusesAnUndeclaredArea() throws {
        let night = try instance(top: "max_local_items = 1\n\n")
        // Both fit on 10 January; the one for the family's area is the more specific.
        let text = try XCTUnwrap(try preview(night).part("text/plain"))
        XCTAssertTrue(text.contains("こもれび") && !text.contains("インフルエンザ"), text)
        XCTAssertThrowsError(try preview(night, area: "ひがし")) { error in
            XCTAssertTrue("\(error)".contains(#"--area: unknown area "ひがし" in edition sakura; its areas are kita (北区), minami (南区)"#), "\(error)")
        }
        XCTAssertThrowsError(try preview(night, edition: "momo")) { error in
            XCTAssertTrue("\(error)".contains(#"no edition "momo" in "# + night.instance.configuration.file + " (its editions: sakura, ume)"), "\(error)")
        }
    }
}
