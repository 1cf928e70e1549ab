import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

@Suite struct CatalogLoadingTests {
    @Test func loadsTheFixtureCatalog() throws {
        let catalog = try Fixtures.validCatalog()
        #expect(catalog.languages == ["en", "ja"])
        #expect(catalog.stages(track: .pregnancy) == [.gestationalDay(140), .gestationalDay(141)])
        // Date order, not key order: day 100 falls between month 3 and year 1.
        #expect(catalog.stages(track: .child) == [.childMonth(3), .childDay(100), .childYear(1)])
        #expect(catalog.systemMessageNames == ["status", "welcome"])

        let message = try #require(catalog.message(stage: .childDay(100), language: "en"))
        #expect(message.path == "messages/en/child/d0100.md")
        #expect(message.subject == "{{nickname}} is {{age}}")
        #expect(message.sample == false)
        #expect(message.review == ReviewInfo(status: .reviewed, reviewer: "Dr. Example", field: .paediatrics, reviewedOn: CivilDate(year: 2026, month: 1, day: 15),
                                             sha256: "3068d66ecea5d62e7e6af0284f1b59d8328b2448754a3a113296f071a14e0b8d"))
        #expect(message.review.verdict(fingerprint: message.fingerprint, sample: message.sample) == .reviewed(.paediatrics))
        #expect(catalog.message(stage: .childDay(101), language: "en") == nil)
        #expect(catalog.message(stage: .gestationalDay(141), language: "en") == nil)

        let local = catalog.localInfo(editionID: "town")
        #expect(local.count == 4)
        #expect(local[1].areas == ["north"])
        #expect(local[3].from == nil)
    }

    @Test("each kind of error names the file and the line", arguments: [
        ("bad-toml.md", "messages/ja/pregnancy/d0150.md", ContentError.Code.badTOML, 4),
        ("unknown-key.md", "messages/ja/pregnancy/d0150.md", .unknownKey, 6),
        ("missing-key.md", "messages/ja/pregnancy/d0150.md", .missingKey, 1),
        ("day-and-month.md", "messages/ja/child/m01.md", .conflictingStage, 4),
        ("unknown-track.md", "messages/ja/child/x.md", .unknownTrack, 3),
        ("duplicate-stage.md", "messages/ja/pregnancy/x-duplicate.md", .duplicateStage, 3),
        ("mustache-syntax.md", "messages/ja/pregnancy/d0150.md", .mustacheSyntax, 11),
        ("unknown-variable.md", "messages/ja/pregnancy/d0150.md", .unknownVariable, 11),
        ("wrong-stage-variable.md", "messages/ja/child/m05.md", .unknownVariable, 9),
        ("no-front-matter.md", "messages/ja/pregnancy/d0150.md", .missingFrontMatter, 1),
        ("bad-review-status.md", "messages/ja/pregnancy/d0150.md", .badValue, 7),
        ("local-unknown-key.toml", "local/clinic.toml", .unknownKey, 11),
        ("local-bad-toml.toml", "local/clinic.toml", .badTOML, 3),
    ])
    func errorNamesFileAndLine(file: String, path: String, code: ContentError.Code, line: Int) throws {
        let error = try #require(try Fixtures.loadError(placing: file, at: path))
        #expect(error.code == code, "\(error)")
        #expect(error.path == path)
        #expect(error.line == line, "\(error)")
        #expect(error.description.hasPrefix("\(path):\(line): "), "\(error)")
        #expect(error.additional.isEmpty, "\(error)")
    }

    @Test func duplicateNamesTheOtherFile() throws {
        let error = try #require(try Fixtures.loadError(placing: "duplicate-stage.md", at: "messages/ja/pregnancy/x-duplicate.md"))
        #expect(error.message.contains("messages/ja/pregnancy/d0140.md"))
    }

    @Test func stageVariableMisuseSaysWhy() throws {
        let error = try #require(try Fixtures.loadError(placing: "wrong-stage-variable.md", at: "messages/ja/child/m05.md"))
        #expect(error.message.contains("{{week}}"))
        #expect(error.message.contains("pregnancy"))
    }

    @Test func missingLayoutIsReported() throws {
        let dir = try Fixtures.scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("layouts/en/html.mustache"))
        #expect {
            _ = try ContentCatalog.load(directory: dir)
        } throws: { error in
            let e = error as! ContentError
            return e.code == .missingLayout && e.path == "layouts/en/html.mustache"
        }
    }

    @Test func layoutWithoutBodyIsReported() throws {
        let dir = try Fixtures.scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "{{edition_name}}\n".write(to: dir.appendingPathComponent("layouts/ja/text.mustache"), atomically: true, encoding: .utf8)
        let error = try #require(throws: ContentError.self) { try ContentCatalog.load(directory: dir) }
        #expect(error.code == .missingLayout)
        #expect(error.path == "layouts/ja/text.mustache")
    }

    @Test func everyProblemIsCollected() throws {
        let dir = try Fixtures.scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (file, path) in [("unknown-key.md", "messages/en/pregnancy/a.md"), ("unknown-variable.md", "messages/en/pregnancy/b.md")] {
            try FileManager.default.copyItem(at: Fixtures.broken.appendingPathComponent(file), to: dir.appendingPathComponent(path))
        }
        let error = try #require(throws: ContentError.self) { try ContentCatalog.load(directory: dir) }
        #expect(error.all.map(\.path) == ["messages/en/pregnancy/a.md", "messages/en/pregnancy/b.md"])
        #expect(error.description.contains("2 problems"))
    }

    @Test func unsupportedLanguageIsReported() throws {
        let dir = try Fixtures.scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("messages/fr/pregnancy/d0140.md")
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.valid.appendingPathComponent("messages/en/pregnancy/d0140.md"), to: target)
        let error = try #require(throws: ContentError.self) { try ContentCatalog.load(directory: dir) }
        #expect(error.all.contains { $0.code == .unsupportedLanguage && $0.path == "messages/fr/pregnancy/d0140.md" })
    }

    @Test func tagScannerFindsNamesAndLines() {
        let tags = TemplateTags.scan("a {{x}}\n{{{y}}} {{& z}}\n{{#s}}{{/s}}{{! note }}{{^t}}{{/t}}")
        #expect(tags.map(\.name) == ["x", "y", "z", "s", "s", "note", "t", "t"])
        #expect(tags.map(\.line) == [1, 2, 2, 3, 3, 3, 3, 3])
        #expect(TemplateTags.check("{{> partial}}", allowed: []) != nil)
        #expect(TemplateTags.check("{{=<% %>=}}", allowed: []) != nil)
        #expect(TemplateTags.check("{{a}} {{#a}}{{.}}{{/a}}", allowed: ["a"]) == nil)
    }
}
