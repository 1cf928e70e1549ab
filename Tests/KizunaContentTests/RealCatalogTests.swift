import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

/// Loads the repository's own `templates/` and renders every message it holds.
@Suite struct RealCatalogTests {
    @Test func everyMessageRenders() throws {
        let start = ContinuousClock.now
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let loadTime = ContinuousClock.now - start
        let count = catalog.languages.reduce(0) { $0 + catalog.messages(language: $1).count }
        print("KizunaContent: loaded \(count) messages in \(catalog.languages) from templates/ in \(loadTime)")
        #expect(catalog.languages.contains("ja") && catalog.languages.contains("en"))

        let renderer = Renderer(catalog: catalog)
        let edition = EditionInfo(id: "sakura", name: "さくらクリニック（サンプル）")
        for language in catalog.languages {
            for message in catalog.messages(language: language) {
                let section = try renderer.prepareSection(stage: message.stage, language: language, edition: edition, area: "kita", date: undatedDay)
                let mail = renderer.compose(sections: [(section, nickname: "<b>x</b>")], language: language, edition: edition,
                                            unsubscribeAddress: "kizuna@clinic.example")
                #expect(!mail.subject.isEmpty, "\(message.path)")
                #expect(!mail.subject.contains("{{") && !mail.text.contains("{{") && !mail.html.contains("{{"), "\(message.path)")
                #expect(!mail.html.contains("<b>x</b>"), "\(message.path)")
                #expect(mail.html.contains("lang=\"\(language)\""), "\(message.path)")
                #expect(mail.text.unicodeScalars.allSatisfy { !Splice.isMarker($0) }, "\(message.path)")
                #expect(PlainTextTests.leftovers(mail.text).isEmpty, "\(message.path): \(PlainTextTests.leftovers(mail.text))")
            }
        }
    }

    @Test func shippedSystemMessagesRender() throws {
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let renderer = Renderer(catalog: catalog)
        let edition = EditionInfo(id: "sakura", name: "さくらクリニック（サンプル）")
        let names = ["welcome", "confirm", "help", "status", "stopped", "paused", "resumed", "loss", "date_error", "farewell", "not_covered",
                     "resume_which", "after_loss", "survey_thanks"]
        let values = [
            "nickname": "はな", "first_message_subject": "20週0日", "token": "K7Q2-9XZ", "confirm_address": "kizuna+c-K7Q2@clinic.example",
            "status_lines": "予定日: 2027-04-28\n状態: 配信中", "support_contacts": "さくら保健センター 000-0000-0000",
            "problem": "2027-13-01", "example": "予定日 2027-04-28", "next_message_date": "2027年5月1日（土）",
            "resume_choices": "・ハナ（2026-03-01生まれ）：再開 ハナ", "child": "ハナ（2026-03-01生まれ）",
            "survey_choice": "3（時間があるときにまとめて読む）", "survey_closes_on": "2027年3月21日（日）",
        ]
        for language in ["ja", "en"] {
            for name in names {
                let message = try #require(catalog.systemMessage(name: name, language: language), "\(name) \(language)")
                let mail = try renderer.renderSystem(name: name, language: language, edition: edition, variables: values,
                                                     unsubscribeAddress: "kizuna@clinic.example")
                #expect(!mail.subject.isEmpty && mail.sample, "\(message.path)")
                #expect(PlainTextTests.leftovers(mail.text).isEmpty, "\(message.path)")
            }
        }
        let confirm = try renderer.renderSystem(name: "confirm", language: "en", edition: edition, variables: values)
        #expect(confirm.subject.contains("K7Q2-9XZ"))
        let loss = try renderer.renderSystem(name: "loss", language: "ja", edition: edition, variables: values)
        #expect(loss.text.contains("さくら保健センター 000-0000-0000"))
    }

    @Test func shippedLocalInfoSample() throws {
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let entries = catalog.localInfo(editionID: "sakura")
        #expect(Set(entries.map(\.language)) == ["ja", "en"])
        #expect(entries.allSatisfy { $0.from != nil && $0.until != nil })
        #expect(!catalog.lint(production: false).contains { $0.path == "local/sakura.toml" && $0.severity == .error })
    }
}

/// Writes a sample of rendered mail to $KIZUNA_CONTENT_DUMP for a person to read; does nothing otherwise.
@Suite struct RenderedSampleDump {
    @Test func dumpWhenAsked() throws {
        guard let dir = ProcessInfo.processInfo.environment["KIZUNA_CONTENT_DUMP"] else { return }
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let renderer = Renderer(catalog: catalog)
        let edition = EditionInfo(id: "sakura", name: "さくらクリニック")
        for language in catalog.languages {
            let stages = catalog.messages(language: language).map(\.stage)
            let picks = [stages.first, stages.first(where: { $0.track == .child }), stages.last].compactMap { $0 }
            let sections = try picks.map { (try renderer.prepareSection(stage: $0, language: language, edition: edition, area: "kita", date: undatedDay), nickname: Optional("はな")) }
            let mail = renderer.compose(sections: sections, language: language, edition: edition, unsubscribeAddress: "kizuna@clinic.example")
            try (mail.subject + "\n\n" + mail.text).write(toFile: "\(dir)/\(language).txt", atomically: true, encoding: .utf8)
            try mail.html.write(toFile: "\(dir)/\(language).html", atomically: true, encoding: .utf8)
        }
    }
}
