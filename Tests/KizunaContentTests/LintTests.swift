import Testing
@testable import KizunaContent

@Suite struct LintTests {
    @Test func findingsInDevelopmentMode() throws {
        let catalog = try Fixtures.validCatalog()
        let findings = catalog.lint(production: false)
        func has(_ severity: LintSeverity, _ path: String, _ fragment: String) -> Bool {
            findings.contains { $0.severity == severity && $0.path == path && $0.message.contains(fragment) }
        }
        #expect(has(.warning, "messages/ja/pregnancy/d0140.md", "sample"))
        #expect(has(.warning, "messages/ja/pregnancy/d0140.md", "not reviewed"))
        #expect(!findings.contains { $0.path == "messages/en/child/d0100.md" && $0.message.contains("review") })
        #expect(has(.warning, "messages/ja/pregnancy/d0141.md", "pregnancy/d0141 has no message in en"))
        #expect(has(.warning, "messages/en/child/y01.md", "child/y01 has no message in ja"))
        #expect(has(.warning, "messages/en/child/y01.md", "over 60"))
        #expect(has(.warning, "messages/ja/pregnancy", "weeks 4–19"))
        #expect(has(.warning, "messages/ja/pregnancy", "weeks 21–41"))
        #expect(has(.error, "local/town.toml", "child/x99"))
        #expect(has(.error, "system/en/status.md", "missing in ja"))
        #expect(!findings.contains { $0.severity == .error && $0.message.contains("sample") })
    }

    @Test func productionModeMakesReviewAnError() throws {
        let findings = try Fixtures.validCatalog().lint(production: true)
        #expect(findings.contains { $0.severity == .error && $0.path == "messages/ja/child/m03.md" && $0.message.contains("not reviewed") })
        #expect(findings.contains { $0.severity == .error && $0.path == "system/ja/welcome.md" && $0.message.contains("sample") })
    }
}
