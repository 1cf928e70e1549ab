import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

/// Writing review records into content files, read back by the loader.
@Suite struct ReviewWriterTests {
    let record = ReviewRecord(status: .reviewed, reviewer: "Dr. \"Q\" Mori", field: .midwifery,
                              reviewedOn: CivilDate(year: 2027, month: 1, day: 2), sha256: String(repeating: "a", count: 64))

    @Test func aFrontMatterGetsOnlyItsReviewTableReplaced() throws {
        let text = "+++\ntrack = \"pregnancy\"\nday = 140\nsubject = \"S\"\nsample = false\n[review]\nstatus = \"unreviewed\"   # comment\nreviewer = \"\"\n+++\nBody [review]\n+++\n"
        let out = try ReviewWriter.frontMatter(text, record: record, path: "m.md")
        let fm = try FrontMatterFile(path: "m.md", text: out)
        #expect(fm.body == "Body [review]\n+++\n")
        #expect(out.hasPrefix("+++\ntrack = \"pregnancy\"\nday = 140\nsubject = \"S\"\nsample = false\n[review]\n"))
        #expect(try CatalogLoader.review(fm) == record)
        #expect(throws: ContentError.self) { try ReviewWriter.frontMatter("no front matter", record: self.record, path: "m.md") }
        let commented = try ReviewWriter.frontMatter(text.replacingOccurrences(of: "[review]\n", with: "[review]   # by the clinic\n"), record: record, path: "m.md")
        #expect(try CatalogLoader.review(FrontMatterFile(path: "m.md", text: commented)) == record)
    }

    @Test func localInfoEntriesGetAReviewLineUnderTheirHeader() throws {
        let text = """
            # notices
            [[info]]
            language = "en"
            track = "child"
            from = "child/d0014"
            until = "child/m12"
            text = \"\"\"
            [The town's site](https://town.example) has the times.
            \"\"\"

            [[info]]
            review = { status = "unreviewed" }
            language = "en"
            track = "child"
            from = "child/d0100"
            until = "child/m04"
            text = "Checkup."

            """
        let out = try ReviewWriter.localInfo(text, records: [0: record, 1: record], path: "local/town.toml")
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[2].hasPrefix("review = { status = \"reviewed\", reviewer = \"Dr. \\\"Q\\\" Mori\", field = \"midwifery\""))
        #expect(lines.filter { $0.hasPrefix("review = ") }.count == 2)
        #expect(out.replacingOccurrences(of: lines[2] + "\n", with: "", options: [], range: nil).contains("[The town's site](https://town.example) has the times."))
        let dir = try Fixtures.scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try ContentCatalog.load(directory: dir, replacing: ["local/town.toml": out])
        #expect(catalog.localInfo(editionID: "town").map(\.review) == [record, record])
    }

    @Test func layoutReviewsLiveBesideTheLayouts() throws {
        let first = ReviewWriter.layoutReviews(nil, records: ["text": record])
        let both = ReviewWriter.layoutReviews(first, records: ["html": record, "text": record])
        #expect(both.split(separator: "\n").filter { $0.hasPrefix("text = ") }.count == 1)
        #expect(both.split(separator: "\n").filter { $0.hasPrefix("html = ") }.count == 1)
        let dir = try Fixtures.scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let catalog = try ContentCatalog.load(directory: dir, replacing: ["layouts/en/review.toml": both])
        let layouts = catalog.reviewableTexts.filter { $0.kind == .layout && $0.path.hasPrefix("layouts/en/") }
        #expect(layouts.map(\.review) == [record, record])
        // A hash that is not the layout's: changed since review.
        #expect(layouts.allSatisfy { if case .changed = $0.verdict { true } else { false } })
        #expect(throws: ContentError.self) {
            try ContentCatalog.load(directory: dir, replacing: ["layouts/en/review.toml": "txt = { status = \"reviewed\" }\n"])
        }
    }

    @Test func anUnknownFieldInARecordIsALoadErrorNamingTheKnownOnes() throws {
        let dir = try Fixtures.scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = "messages/en/child/d0100.md"
        let text = try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
        do {
            _ = try ContentCatalog.load(directory: dir, replacing: [path: text.replacingOccurrences(of: "paediatrics", with: "astrology")])
            Issue.record("loaded")
        } catch {
            #expect(error.path == path && error.message.contains("unknown review field \"astrology\"; known: obstetrics"))
        }
    }
}
