import Foundation
import KizunaContent
import KizunaCore

/// The shipped catalog, whose phrases (`templates/system/<lang>/phrases.toml`) hold the words
/// of the replies these tests pin: KizunaCore gives only the phrase keys and variables.
enum ShippedPhrases {
    static let catalog: ContentCatalog = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        do { return try ContentCatalog.load(directory: root.appendingPathComponent("templates")) } catch { fatalError("shipped templates: \(error)") }
    }()

    static func text(_ phrase: Phrase, _ language: ReplyLanguage) -> String { catalog.text(phrase, language: language.rawValue) }
}

extension DateParseProblem {
    /// The reply text in the shipped words.
    func description(language: ReplyLanguage) -> String { ShippedPhrases.text(phrase(language: language), language) }
    /// The line to send back, in the shipped words.
    func replyExample(language: ReplyLanguage) -> String { ShippedPhrases.text(examplePhrase(language: language), language) }
}
