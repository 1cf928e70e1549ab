import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

/// A scratch copy of the valid fixture catalog with `files` (paths relative to it) written.
private func catalogDir(_ files: [String: String]) throws -> URL {
    let dir = try Fixtures.scratchCopy()
    for (path, text) in files {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    return dir
}

private func load(_ files: [String: String]) throws -> ContentCatalog {
    let dir = try catalogDir(files)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try ContentCatalog.load(directory: dir)
}

/// Every problem loading `files` finds.
private func problems(_ files: [String: String]) throws -> [ContentError] {
    do {
        _ = try load(files)
        return []
    } catch let error as ContentError {
        return error.all
    }
}

private func message(track: String = "child", stage: String = "month = 3", subject: String, body: String) -> String {
    "+++\ntrack = \"\(track)\"\n\(stage)\nsubject = \"\(subject)\"\nsample = true\n[review]\nstatus = \"unreviewed\"\n+++\n\(body)\n"
}

/// Edition "a" replaces the English 3-month message and the English welcome; edition "b" has none.
let overlayA: [String: String] = [
    "editions/a/messages/en/child/m03.md": message(subject: "A clinic: {{age}}", body: "From the A clinic: {{nickname}} is {{age}} today."),
    "editions/a/system/en/welcome.md": "+++\nsubject = \"Welcome to A, {{nickname}}\"\nsample = true\n[review]\nstatus = \"unreviewed\"\n+++\nA's welcome. First: {{first_message_subject}}.\n",
]

@Suite struct CatalogOverlayTests {
    @Test func anEditionsViewHasItsOwnTextsAndNoOtherEditionGetsThem() throws {
        let catalog = try load(overlayA)
        #expect(catalog.overlayEditionIDs == ["a"])
        let a = catalog.view(editionID: "a"), b = catalog.view(editionID: "b")
        #expect(a.message(stage: .childMonth(3), language: "en")?.subject == "A clinic: {{age}}")
        #expect(a.message(stage: .childMonth(3), language: "en")?.path == "editions/a/messages/en/child/m03.md")
        #expect(a.systemMessage(name: "welcome", language: "en")?.subject == "Welcome to A, {{nickname}}")
        // What the overlay does not replace stays shared; the shared catalog and B are untouched.
        #expect(a.message(stage: .childDay(100), language: "en")?.path == "messages/en/child/d0100.md")
        #expect(a.message(stage: .childMonth(3), language: "ja")?.path == "messages/ja/child/m03.md")
        for other in [catalog, b] {
            #expect(other.message(stage: .childMonth(3), language: "en")?.path == "messages/en/child/m03.md")
            #expect(other.systemMessage(name: "welcome", language: "en")?.path == "system/en/welcome.md")
        }
        // An overlay that only replaces adds no stage: A's families follow the shared schedule.
        #expect(a.stages(track: .child) == catalog.stages(track: .child))
        #expect(catalog.addedStages(editionID: "a").isEmpty && catalog.schedules(catchUpDays: 0).own.isEmpty)
    }

    @Test func aRenderOfEditionAShowsItsOverlayAndEditionBTheSharedText() throws {
        let catalog = try load(overlayA)
        func render(_ edition: String) throws -> RenderedMail {
            let renderer = Renderer(catalog: catalog.view(editionID: edition))
            let info = EditionInfo(id: edition, name: "Clinic \(edition.uppercased())")
            let section = try renderer.prepareSection(stage: .childMonth(3), language: "en", edition: info, area: nil, date: undatedDay)
            return renderer.compose(sections: [(section, nickname: "Kai")], language: "en", edition: info, unsubscribeAddress: "kizuna@\(edition).example")
        }
        let a = try render("a"), b = try render("b")
        #expect(a.subject == "A clinic: 3 months old")
        #expect(!b.text.contains("A clinic") && !b.html.contains("A clinic"))
        let golden = Fixtures.content.appendingPathComponent("golden/overlay-a-m03.txt")
        if ProcessInfo.processInfo.environment["KIZUNA_UPDATE_GOLDEN"] != nil {
            try a.text.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(a.text == (try String(contentsOf: golden, encoding: .utf8)))
    }

    @Test func anOverlayMayAddALanguageAtASharedStage() throws {
        let catalog = try load(["editions/a/messages/en/pregnancy/d0141.md": message(track: "pregnancy", stage: "day = 141", subject: "A: day 141", body: "Only in A.")])
        #expect(catalog.message(stage: .gestationalDay(141), language: "en") == nil)
        #expect(catalog.view(editionID: "a").message(stage: .gestationalDay(141), language: "en")?.subject == "A: day 141")
    }

    /// Edition "a" adds child/m07 (English) and child/m40 (Japanese only), stages the shared catalog has in no language.
    static let addedStages: [String: String] = [
        "editions/a/messages/en/child/m07.md": message(stage: "month = 7", subject: "A: 7 months", body: "Only A's families: {{nickname}} is {{age}}."),
        "editions/a/messages/ja/child/m40.md": message(stage: "month = 40", subject: "A: 40か月", body: "Aだけ: {{age}}"),
    ]

    @Test func anOverlayMayAddAStageThatOnlyItsEditionsScheduleHas() throws {
        let catalog = try load(Self.addedStages)
        #expect(catalog.addedStages(editionID: "a") == [.childMonth(7), .childMonth(40)])
        #expect(catalog.addedStages(editionID: "b").isEmpty)
        let a = catalog.view(editionID: "a")
        #expect(a.stages(track: .child).contains(.childMonth(7)) && a.stages(track: .child).contains(.childMonth(40)))
        #expect(!catalog.stages(track: .child).contains(.childMonth(7)) && !catalog.view(editionID: "b").stages(track: .child).contains(.childMonth(7)))
        // A's schedule sends child/m07 on the 7-month day; the shared one (every other edition's) does not.
        let birth = CivilDate(iso: "2026-01-10")!, day = CivilDate(iso: "2026-08-10")!
        let child = ScheduledSubscription(id: 1, track: .child, anchor: birth, startDate: birth)
        let schedules = catalog.schedules(catchUpDays: 0)
        #expect(schedules.own.keys.sorted() == ["a"])
        #expect(schedules.schedule(editionID: "a").decide(child, on: day, recorded: []).send?.messageKey == "child/m07")
        #expect(schedules.schedule(editionID: "b").decide(child, on: day, recorded: []).send == nil)
        #expect(schedules.schedule(editionID: "b") == catalog.schedule(catchUpDays: 0))
        #expect(catalog.message(stage: .childMonth(7), language: "en") == nil)
        // Only in Japanese: an English reader of A falls back as for a shared stage (rendering picks another language).
        #expect(a.message(stage: .childMonth(40), language: "en") == nil && a.message(stage: .childMonth(40), language: "ja") != nil)
        // `content coverage --edition a` counts the added message; the shared coverage does not.
        let childEn = { (c: ContentCatalog) in c.coverage(language: "en").first { $0.track == .child }!.messages }
        #expect(childEn(a) == childEn(catalog) + 1)
    }

    @Test func anAddedStageRendersForItsEditionOnly() throws {
        let catalog = try load(Self.addedStages)
        let info = EditionInfo(id: "a", name: "Clinic A")
        let renderer = Renderer(catalog: catalog.view(editionID: "a"))
        let section = try renderer.prepareSection(stage: .childMonth(7), language: "en", edition: info, area: nil, date: undatedDay)
        let a = renderer.compose(sections: [(section, nickname: "Kai")], language: "en", edition: info, unsubscribeAddress: "kizuna@a.example")
        #expect(a.subject == "A: 7 months")
        let golden = Fixtures.content.appendingPathComponent("golden/overlay-a-added-m07.txt")
        if ProcessInfo.processInfo.environment["KIZUNA_UPDATE_GOLDEN"] != nil {
            try a.text.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(a.text == (try String(contentsOf: golden, encoding: .utf8)))
        // Another edition's renderer has no message at that stage.
        #expect(throws: (any Error).self) {
            _ = try Renderer(catalog: catalog.view(editionID: "b")).prepareSection(stage: .childMonth(7), language: "en",
                                                                                    edition: EditionInfo(id: "b", name: "B"), area: nil, date: undatedDay)
        }
    }

    @Test func anAddedStageIsReviewedAndLintedLikeASharedOne() throws {
        let catalog = try load(Self.addedStages)
        #expect(catalog.reviewableTexts.contains { $0.path == "editions/a/messages/en/child/m07.md" && $0.kind == .message })
        let production = catalog.lint(production: true)
        #expect(production.contains { $0.severity == .error && $0.path == "editions/a/messages/en/child/m07.md" && $0.message.contains("sample") })
        // A stage in one language only: a warning for that edition, as for a shared stage.
        let findings = catalog.lint(production: false)
        #expect(findings.contains { $0.severity == .warning && $0.path == "editions/a/messages/ja/child/m40.md" && $0.message == "edition a: child/m40 has no message in en" },
                "\(findings)")
        #expect(findings.contains { $0.path == "editions/a/messages/en/child/m07.md" && $0.message == "edition a: child/m07 has no message in ja" })
    }

    @Test("a broken overlay file is a load error naming the file and the problem", arguments: [
        ("editions/a/messages/en/child/m03.md", message(subject: "x", body: "{{nicknam}}"), ContentError.Code.unknownVariable, "nicknam"),
        ("editions/a/messages/en/child/m03.md", message(track: "pregnancy", stage: "day = 140", subject: "x", body: "y"), .misplacedFile, "under child/"),
        ("editions/a/messages/en/child/m03.md", "no front matter\n", .missingFrontMatter, "+++"),
        ("editions/a/messages/en/child/m03.md", message(subject: "{{weeks_days}}", body: "y"), .unknownVariable, "weeks_days"),
        ("editions/a/system/en/welcom.md", "+++\nsubject = \"x\"\nsample = true\n[review]\nstatus = \"unreviewed\"\n+++\nx\n", .notShared, "no system message `welcom`"),
        ("editions/a/local/a.toml", "[[info]]\n", .misplacedFile, "local/a.toml"),
        ("editions/a/messages/fr/child/m03.md", message(subject: "x", body: "y"), .missingLayout, "language `fr` has no layouts"),
    ])
    func brokenOverlay(path: String, text: String, code: ContentError.Code, fragment: String) throws {
        let found = try problems([path: text])
        let error = try #require(found.first { $0.path == path }, "\(found)")
        #expect(error.code == code, "\(error)")
        #expect(error.message.contains(fragment), "\(error)")
    }

    @Test func overlayTextsAreReviewedAndLintedLikeSharedOnes() throws {
        let catalog = try load(overlayA)
        let paths = catalog.reviewableTexts.map(\.path)
        #expect(paths.contains("editions/a/messages/en/child/m03.md"))
        #expect(paths.contains("editions/a/system/en/welcome.md"))
        // Sample overlay text is refused in production, by file.
        let errors = catalog.lint(production: true).filter { $0.severity == .error }
        #expect(errors.contains { $0.path == "editions/a/messages/en/child/m03.md" && $0.message.contains("sample") })
        // The shared catalog's own findings are not repeated for the edition's view.
        #expect(!catalog.lint(production: false).contains { $0.message.hasPrefix("edition a:") })
    }

    @Test func anOverlaysLayoutsReplaceTheSharedOnesAndAreReviewedBesideThem() throws {
        let text = try String(contentsOf: Fixtures.valid.appendingPathComponent("layouts/en/text.mustache"), encoding: .utf8)
        let html = try String(contentsOf: Fixtures.valid.appendingPathComponent("layouts/en/html.mustache"), encoding: .utf8)
        let catalog = try load(["editions/a/layouts/en/text.mustache": "A CLINIC\n" + text, "editions/a/layouts/en/html.mustache": html])
        let renderer = Renderer(catalog: catalog.view(editionID: "a"))
        let info = EditionInfo(id: "a", name: "A")
        let section = try renderer.prepareSection(stage: .childMonth(3), language: "en", edition: info, area: nil, date: undatedDay)
        #expect(renderer.compose(sections: [(section, nickname: nil)], language: "en", edition: info, unsubscribeAddress: "a@a.example").text.hasPrefix("A CLINIC"))
        #expect(catalog.reviewableTexts.contains { $0.path == "editions/a/layouts/en/text.mustache" && $0.kind == .layout })
        // Missing one of the two is a load error.
        let found = try problems(["editions/a/layouts/en/text.mustache": text])
        #expect(found.contains { $0.path == "editions/a/layouts/en/html.mustache" && $0.code == .missingLayout }, "\(found)")
    }
}
