import Foundation
import KizunaContent
import KizunaCore
@testable import KizunaJobs
import Testing

/// A held command is described to the parent in the parent's language, in the catalog's words.
@Suite struct HeldCommandWordsTests {
    @Test func aHeldAreaCommandIsDescribedInTheParentsLanguage() throws {
        let catalog = try ContentCatalog.load(directory: repoTemplates)
        let held = MessageComposer.describe(.area("北区"))
        #expect(catalog.text(held, language: "ja") == "お住まいの地域を「北区」に変更する")
        #expect(catalog.text(held, language: "en") == "change your area to 北区")
    }
}
