import Foundation
import XCTest

/// `subscribers add --area` and `subscribers import` when the edition declares its areas: any
/// spelling is stored as the area's id; an unknown area is refused with the edition's areas.
final class AreaCommandTests: XCTestCase {
    /// An instance whose templates are the shipped ones with `[areas]` added to `local/sakura.toml`.
    func instanceWithAreas() throws -> (dir: URL, config: String) {
        let dir = try scratchDirectory(self)
        let templates = dir.appendingPathComponent("templates")
        try FileManager.default.copyItem(at: repoTemplates, to: templates)
        let local = templates.appendingPathComponent("local/sakura.toml")
        let areas = """
            [areas]
            kita = { name = "北区", aliases = ["北区", "きた", "キタ", "Kita-ku"] }
            minami = { name = "南区", aliases = ["みなみ", "Minami-ku"] }

            """
        try (areas + (try String(contentsOf: local, encoding: .utf8))).write(to: local, atomically: true, encoding: .utf8)
        let run = try Kizuna.run(["init", dir.appendingPathComponent("inst").path, "--templates", templates.path], in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        return (dir, dir.appendingPathComponent("inst/kizuna.toml").path)
    }

    func testAddStoresTheAreaIDAndRefusesAnUnknownArea() throws {
        let (dir, config) = try instanceWithAreas()
        let unknown = try Kizuna.run(["subscribers", "add", "hana@example.jp", "--due", tokyoDate(adding: 100), "--area", "higashi",
                                      "--config", config], in: dir)
        XCTAssertEqual(unknown.status, 65, "\(unknown)")
        XCTAssertTrue(unknown.stderr.contains(#"--area: unknown area "higashi" in edition sakura; its areas are kita (北区), minami (南区)"#), unknown.stderr)
        XCTAssertEqual(try Kizuna.run(["subscribers", "list", "--config", config], in: dir).stdout, "", "nothing was added")

        // Half-width Katakana, folded to the alias キタ.
        let add = try Kizuna.run(["subscribers", "add", "hana@example.jp", "--due", tokyoDate(adding: 100), "--area", "ｷﾀ",
                                  "--config", config], in: dir)
        XCTAssertEqual(add.status, 0, "\(add)")
        let show = try Kizuna.run(["subscribers", "show", "hana@example.jp", "--config", config], in: dir)
        XCTAssertEqual(show.stdoutLines.first, "subscriber 1: hana@example.jp edition=sakura lang=ja status=active area=kita")
    }

    func testImportStoresTheAreaIDAndRefusesAnUnknownAreaRow() throws {
        let (dir, config) = try instanceWithAreas()
        let birth = tokyoDate(adding: -40)
        // Lines 2-5: an alias, an alias in another case, an unknown area, no area.
        let areas = [("one", "キタ"), ("two", "MINAMI-KU"), ("three", "higashi"), ("four", "")]
        let csv = (["email,due,birth,name,lang,edition,area"] + areas.map { "\($0.0)@example.jp,,\(birth),,,,\($0.1)" })
            .joined(separator: "\n") + "\n"
        let file = dir.appendingPathComponent("families.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let run = try Kizuna.run(["subscribers", "import", file.path, "--config", config], in: dir)
        XCTAssertEqual(run.status, 65, "\(run)")
        XCTAssertEqual(run.stdoutLines, ["import: 3 added, 0 already present, 1 refused"])
        XCTAssertTrue(run.stderr.contains("\(file.path): line 4, column area: unknown area \"higashi\" in edition sakura; its areas are kita (北区), minami (南区)"),
                      run.stderr)
        let list = try Kizuna.run(["subscribers", "list", "--config", config], in: dir)
        XCTAssertEqual(list.stdoutLines, ["1\tone@example.jp\tsakura\tja\tactive\tkita", "2\ttwo@example.jp\tsakura\tja\tactive\tminami",
                                          "3\tfour@example.jp\tsakura\tja\tactive"])
    }
}
