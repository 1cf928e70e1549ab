import KizunaCore
import TOMLKit

/// A language's short texts (`templates/system/<lang>/phrases.toml`): named phrases with
/// `{{variables}}`, reviewed together as one text.
public struct PhraseFile: Sendable {
    public let language: String
    public let path: String
    /// Phrase text by key.
    public let texts: [String: String]
    public let sample: Bool
    public let review: ReviewInfo
    /// The SHA-256 a review of the file is pinned to: every phrase, by key.
    public let fingerprint: String

    /// Where a language's phrases are kept.
    public static func path(language: String) -> String { "system/\(language)/phrases.toml" }
}

extension ContentCatalog {
    /// `phrase` in `language`, its variables filled in (plain text, no escaping: the result is a
    /// variable of a system mail, escaped there). A key the language lacks (an error in
    /// `content lint`) falls back to another language, then to the key itself, never a crash.
    public func text(_ phrase: Phrase, language: String) -> String {
        let key = phrase.key.rawValue
        let template = phrases[language]?.texts[key]
            ?? phrases.keys.sorted().lazy.compactMap { self.phrases[$0]?.texts[key] }.first
            ?? "[\(key)]"
        var values: [String: String] = [:]
        for (name, value) in phrase.variables {
            switch value {
            case .text(let s): values[name] = s
            case .phrase(let p): values[name] = text(p, language: language)
            }
        }
        return Self.fill(template, values)
    }

    /// `{{name}}` replaced by its value (an unknown name by nothing), in one pass: a value is
    /// never read for tags.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { rest = rest[open.lowerBound...]; break }
            out += values[rest[open.upperBound..<close.lowerBound].trimmingSpaces] ?? ""
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// Languages with system messages but no phrases file, and phrase keys the code uses that a
    /// phrases file lacks: errors (a reply would go out without its words).
    func phraseFindings() -> [LintFinding] {
        var findings: [LintFinding] = []
        for language in Set(systemMessages.keys).union(phrases.keys).sorted() {
            guard let file = phrases[language] else {
                findings.append(LintFinding(severity: .error, path: PhraseFile.path(language: language),
                                            message: "missing: the \(language) replies need their phrases (date errors and other short texts)"))
                continue
            }
            let missing = PhraseKey.allCases.map(\.rawValue).filter { file.texts[$0] == nil }
            if !missing.isEmpty {
                findings.append(LintFinding(severity: .error, path: file.path, message: "phrase missing: \(missing.joined(separator: ", "))"))
            }
            let known = Set(PhraseKey.allCases.map(\.rawValue))
            let unknown = file.texts.keys.filter { !known.contains($0) }.sorted()
            if !unknown.isEmpty {
                findings.append(LintFinding(severity: .warning, path: file.path, message: "phrase never used: \(unknown.joined(separator: ", "))"))
            }
        }
        return findings
    }
}

extension CatalogLoader {
    /// A whole file parsed as TOML; bad TOML is a load error at its line.
    static func tomlTable(_ text: String, path: String) throws(ContentError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ContentError(.badTOML, path: path, line: error.source.begin.line, "bad TOML: \(error.description)")
        } catch {
            throw ContentError(.badTOML, path: path, line: 1, "bad TOML: \(error)")
        }
    }

    /// Reads `system/<lang>/phrases.toml`: `sample`, `review = { … }` and a `[phrases]` table of strings.
    mutating func loadPhrases(_ path: String) throws(ContentError) {
        let parts = parts(path)
        guard parts.count == 3, Self.isLanguageCode(parts[1]) else {
            throw ContentError(.misplacedFile, path: path, "phrases belong at system/<language>/phrases.toml")
        }
        let language = String(parts[1])
        let text = try read(path)
        let table = try Self.tomlTable(text, path: path)
        let top = TOMLFields(table: table, path: path, section: nil, lineOf: { TOMLLines.line(ofKey: $0, in: nil, text: text) }, headerLine: 1)
        try top.check(allowed: ["sample", "review", "phrases"])
        let sample = try top.bool("sample")
        guard let reviewTable = table["review"]?.table else {
            throw top.error(.missingKey, key: "review", "`review` must be an inline table: review = { status = \"unreviewed\" }")
        }
        let review: ReviewInfo
        do { review = try ReviewTOML.read(reviewTable) } catch { throw top.error(.badValue, key: "review", error.message) }
        guard let phraseTable = table["phrases"]?.table else {
            throw top.error(.missingKey, key: "phrases", "a [phrases] table of named texts is needed")
        }
        var texts: [String: String] = [:]
        for key in phraseTable.keys.sorted() {
            guard let value = phraseTable[key]?.string else {
                throw ContentError(.wrongType, path: path, line: TOMLLines.line(ofKey: key, in: "phrases", text: text), "phrase `\(key)` must be a string")
            }
            texts[key] = value
        }
        let fingerprint = ReviewFingerprint.of(texts.keys.sorted().map { ($0, texts[$0]!) })
        phrases[language] = PhraseFile(language: language, path: path, texts: texts, sample: sample, review: review, fingerprint: fingerprint)
        if languageWitness[language] == nil { languageWitness[language] = path }
    }
}
