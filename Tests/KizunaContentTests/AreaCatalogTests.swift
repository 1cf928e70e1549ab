import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

/// `[areas]` in a local info file: declared ids with names and aliases, checked when the catalog loads.
@Suite struct AreaCatalogTests {
    static let areas = """
        [areas]
        kita = { name = "北区", aliases = ["北区", "きた", "キタ", "Kita-ku"] }
        minami = { name = "南区" }

        """
    static func entry(_ areas: String) -> String {
        """
        [[info]]
        language = "ja"
        track = "child"
        from = "child/d0100"
        until = "child/m04"
        text = "北区の子育てひろばは月曜に開いています。"

        [[info]]
        language = "ja"
        areas = \(areas)
        track = "child"
        from = "child/d0100"
        until = "child/m04"
        text = "北区の保健センターは火曜です。"

        """
    }

    static func load(_ local: String) throws(ContentError) -> ContentCatalog {
        try ContentCatalog.load(directory: Fixtures.valid, replacing: ["local/town.toml": local])
    }

    static func error(_ local: String) -> ContentError? {
        do { _ = try load(local); return nil } catch { return error }
    }

    @Test func entryAreasAreStoredAsIDs() throws {
        let catalog = try Self.load(Self.areas + Self.entry(#"["ｷﾀ", "KITA-KU", "minami"]"#))
        #expect(catalog.localInfo(editionID: "town")[1].areas == ["kita", "minami"])
        #expect(catalog.areas(editionID: "town")?.areas.map(\.id) == ["kita", "minami"])
        #expect(catalog.areas(editionID: "town")?.area(matching: "きた")?.name == "北区")
    }

    @Test func aFileWithoutAreasWorksAsBefore() throws {
        let catalog = try Self.load(Self.entry(#"["anything"]"#))
        #expect(catalog.localInfo(editionID: "town")[1].areas == ["anything"])
        #expect(catalog.areas(editionID: "town") == nil)
    }

    @Test func anUnknownAreaNamesFileEntryAndArea() throws {
        let error = try #require(Self.error(Self.areas + Self.entry(#"["kita", "higashi"]"#)))
        #expect(error.code == .badValue)
        #expect(error.path == "local/town.toml")
        #expect(error.line == 13, "\(error)")
        #expect(error.message.contains("[info] #2"), "\(error)")
        #expect(error.message.contains("unknown area \"higashi\""), "\(error)")
        #expect(error.message.contains("kita (北区), minami (南区)"), "\(error)")
    }

    @Test func twoAreasClaimingOneFoldedAliasIsALoadError() throws {
        let local = """
            [areas]
            kita = { name = "北区", aliases = ["Kita-ku"] }
            north = { name = "北", aliases = ["ＫＩＴＡ－ＫＵ"] }

            """ + Self.entry(#"["kita"]"#)
        let error = try #require(Self.error(local))
        #expect(error.path == "local/town.toml")
        #expect(error.line == 3, "\(error)")
        #expect(error.message.contains("areas `kita` and `north` both claim"), "\(error)")
    }

    @Test("a malformed [areas] is a load error", arguments: [
        ("[areas]\nkita = \"北区\"\n", "must be a table"),
        ("[areas]\nKita = { name = \"北区\" }\n", "lower-case ASCII"),
        ("[areas]\nkita = { aliases = [\"きた\"] }\n", "missing key `name`"),
        ("[areas]\nkita = { name = \"北区\", alias = [\"きた\"] }\n", "unknown key `alias`"),
        ("[areas]\nkita = { name = \"北区\", aliases = [\" \"] }\n", "empty name or alias"),
    ])
    func malformed(areas: String, says: String) throws {
        let error = try #require(Self.error(areas + "\n" + Self.entry(#"["kita"]"#)))
        #expect(error.path == "local/town.toml")
        #expect(error.description.contains(says), "\(error)")
    }

    @Test func theAliasRegisteredFamilyGetsItsAreaAndAnotherAreaDoesNot() throws {
        let catalog = try Self.load(Self.areas + Self.entry(#"["キタ"]"#))
        let renderer = Renderer(catalog: catalog)
        func text(_ area: String?) throws -> String {
            let section = try renderer.prepareSection(stage: .childDay(100), language: "ja", edition: town, area: area, date: undatedDay)
            return renderer.compose(sections: [(section, nickname: nil)], language: "ja", edition: town,
                                    unsubscribeAddress: "kizuna@town.example").text
        }
        #expect(try text("kita").contains("北区の保健センターは火曜です。"))
        // A subscriber stored with another spelling (before the areas were declared) still matches.
        #expect(try text("Ｋｉｔａ-ku").contains("北区の保健センターは火曜です。"))
        #expect(!(try text("minami").contains("保健センター")))
        #expect(!(try text(nil).contains("保健センター")))
        // The edition-wide entry reaches everyone.
        #expect(try text("minami").contains("北区の子育てひろば"))
    }
}
