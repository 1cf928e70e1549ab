import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

/// The short texts code builds replies from (`system/<lang>/phrases.toml`): every key the code
/// uses is in every shipped language, a missing one is a lint error (not a crash), and the file
/// is reviewed like any other text.
@Suite struct PhraseTests {
    @Test func everyPhraseKeyTheCodeUsesExistsInEveryShippedLanguage() throws {
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        #expect(catalog.languages == ["en", "ja"])
        for language in catalog.languages {
            let file = try #require(catalog.phrases[language], "no phrases in \(language)")
            for key in PhraseKey.allCases {
                #expect(file.texts[key.rawValue] != nil, "\(language) lacks phrase \(key.rawValue)")
            }
        }
        #expect(!catalog.lint(production: false).contains { $0.path.hasSuffix("phrases.toml") && $0.severity == .error })
        #expect(catalog.reviewableTexts.contains { $0.kind == .phrases && $0.path == "system/ja/phrases.toml" })
    }

    @Test func aMissingPhraseIsALintErrorAndRendersAsItsKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-phrases-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Fixtures.repoTemplates, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("system/en/phrases.toml")
        let text = try String(contentsOf: path, encoding: .utf8)
        try text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("date_missing ") }
            .joined(separator: "\n").write(to: path, atomically: true, encoding: .utf8)
        let catalog = try ContentCatalog.load(directory: dir)
        let findings = catalog.lint(production: false)
        #expect(findings.contains { $0.severity == .error && $0.path == "system/en/phrases.toml" && $0.message == "phrase missing: date_missing" })
        // Rendering still works: the other language's words, rather than nothing or a crash.
        #expect(catalog.text(Phrase(.dateMissing, ["label": .text("x"), "hint": .text("")]), language: "en") == "xが見つかりませんでした。")

        try FileManager.default.removeItem(at: path)
        let without = try ContentCatalog.load(directory: dir)
        #expect(without.lint(production: false).contains { $0.severity == .error && $0.path == "system/en/phrases.toml" && $0.message.hasPrefix("missing") })
        #expect(without.text(Phrase(.dateLabelDue), language: "en") == "出産予定日")
    }

    @Test func editingAPhraseUnpinsTheReview() throws {
        let catalog = try ContentCatalog.load(directory: Fixtures.repoTemplates)
        let file = try #require(catalog.phrases["en"])
        let text = try String(contentsOf: Fixtures.repoTemplates.appendingPathComponent(file.path), encoding: .utf8)
        let edited = try ContentCatalog.load(directory: Fixtures.repoTemplates, replacing: [
            file.path: text.replacingOccurrences(of: "could not be read as a date", with: "is not a date"),
        ])
        #expect(edited.phrases["en"]?.fingerprint != file.fingerprint)
        let recorded = ReviewWriter.phrases(text, record: ReviewRecord(status: .reviewed, reviewer: "R", reviewedOn: CivilDate(year: 2027, month: 1, day: 2), sha256: file.fingerprint))
        #expect(recorded.contains("review = { status = \"reviewed\""))
        let reviewed = try ContentCatalog.load(directory: Fixtures.repoTemplates, replacing: [file.path: recorded])
        #expect(reviewed.phrases["en"]?.fingerprint == file.fingerprint)
    }

    @Test func variablesAreFilledOnceAndPhrasesNest() {
        #expect(ContentCatalog.fill("a {{x}} b {{ y }} {{unknown}}.", ["x": "{{y}}", "y": "2"]) == "a {{y}} b 2 .")
        #expect(ContentCatalog.fill("open {{x", ["x": "1"]) == "open {{x")
    }
}
