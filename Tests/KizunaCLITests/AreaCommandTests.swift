import Foundation
import XCTest

/// `subscribers add --area` and `subscribers import` when the edition declares its areas: any
/// spelling is stored as the area's id; an unknown area is refused with the edition's areas.
final class AreaCommandTests: XCTestCase {
    /// An instance on the shipped templates, whose `local/sakura.toml` declares kita (北区; 北区, きた,
    /// キタ, Kita-ku, north) and minami (南区; みなみ, Minami-ku, south).
    func instanceWithAreas() throws -> (dir: URL, config: String) {
        let dir = try scratchDirectory(self)
        return (dir, try initInstance(dir, samples: false))
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
