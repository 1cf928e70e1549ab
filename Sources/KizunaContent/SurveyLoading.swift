import Foundation
import KizunaCore
import TOMLKit

/// Where a survey came from and the SHA-256 its review is pinned to.
struct SurveySource: Sendable {
    let path: String
    let fingerprint: String
    /// The line of the key that says when it is open (`from_date` or `stage`), for overlap errors.
    let whenLine: Int?
}

extension ContentCatalog {
    /// The survey with this id (its file name without `.md`), if the catalog has it.
    public func survey(id: String) -> Survey? { surveys.first { $0.id == id } }

    /// The file a survey was loaded from (`surveys/<id>.md`).
    public func surveyPath(id: String) -> String? { surveySources[id]?.path }

    /// The survey, if any, that targets `audience` on `date`, with the days it is open for them.
    public func survey(for audience: SurveyAudience, on date: CivilDate) -> SurveyOpening? {
        Survey.targeting(surveys, audience: audience, on: date)
    }

    /// Checks that every survey names only editions of the configuration (`known`): a survey for
    /// an edition that does not exist would silently reach nobody. Throws every problem at once.
    public func checkSurveyEditions(_ known: [String]) throws(ContentError) {
        var errors: [ContentError] = []
        for survey in surveys {
            for edition in survey.editions ?? [] where !known.contains(edition) {
                let source = surveySources[survey.id]
                errors.append(ContentError(.badValue, path: source?.path ?? "surveys/\(survey.id).md", line: nil,
                                           "`editions` names unknown edition \"\(edition)\"; the configuration's editions are \(known.sorted().joined(separator: ", "))"))
            }
        }
        if var first = errors.first {
            first.additional = Array(errors.dropFirst())
            throw first
        }
    }
}

/// The keys of a survey file's front matter besides its language tables.
enum SurveyKeys {
    static let known: Set<String> = ["editions", "from_date", "until_date", "stage", "answer_days", "sample", "review"]
    static let language: Set<String> = ["question", "choices"]
}

extension CatalogLoader {
    mutating func loadSurvey(_ path: String) throws(ContentError) {
        let parts = path.split(separator: "/")
        guard parts.count == 2, path.hasSuffix(".md") else {
            throw ContentError(.misplacedFile, path: path, "surveys belong at surveys/<id>.md")
        }
        let id = String(parts[1].dropLast(3))
        guard !id.isEmpty, id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw ContentError(.misplacedFile, path: path, "a survey's id is its file name: lower-case ASCII letters, digits, `-` and `_` only")
        }
        let fm = try FrontMatterFile(path: path, text: try read(path))
        let fields = TOMLFields(table: fm.table, path: path, section: nil, lineOf: { fm.line(ofKey: $0) }, headerLine: 1)
        for key in fm.table.keys.sorted() where !SurveyKeys.known.contains(key) && !Self.isLanguageCode(key) {
            throw fields.error(.unknownKey, key: key, "unknown key `\(key)`; allowed: \(SurveyKeys.known.sorted().joined(separator: ", ")), and a table per language ([ja], [en])")
        }
        if !fm.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ContentError(.badValue, path: path, line: fm.bodyFirstLine, "a survey has no body: write its question and choices in a table per language ([ja], [en]) in the front matter")
        }
        let editions = try fields.optionalStrings("editions")
        if let editions, editions.isEmpty {
            throw fields.error(.badValue, key: "editions", "`editions` is empty, so the survey reaches nobody; leave it out for every edition")
        }
        let (when, whenPins) = try Self.surveyWindow(fields, fm: fm)
        var texts: [String: SurveyText] = [:]
        var textPins: [(String, String)] = []
        for language in fm.table.keys.sorted() where Self.isLanguageCode(language) {
            texts[language] = try Self.surveyText(fm, language: language)
            textPins += [("\(language).question", texts[language]!.question), ("\(language).choices", texts[language]!.choices.joined(separator: "\n"))]
        }
        if texts.isEmpty {
            throw ContentError(.missingKey, path: path, line: 1, "the survey has no language: add a table per language, like [ja] with `question` and `choices`")
        }
        let sample = fields.has("sample") ? try fields.bool("sample") : false
        let review = try Self.review(fm)
        let headers = ReviewWriter.tableHeaders(fm.tomlText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        if let last = headers.last, last.name != "review" {
            throw ContentError(.badValue, path: path, line: last.index + 2, "put the [review] table last in the front matter (`kizuna content review` rewrites it to the closing `+++`)")
        }
        let fingerprint = ReviewFingerprint.of([("editions", editions?.joined(separator: "\n") ?? "(all)")] + whenPins + textPins)
        surveys.append(Survey(id: id, texts: texts, editions: editions, when: when, sample: sample, review: review))
        surveySources[id] = SurveySource(path: path, fingerprint: fingerprint, whenLine: fm.line(ofKey: fields.has("stage") ? "stage" : "from_date"))
    }

    /// When the survey is open: `from_date` and `until_date`, or `stage` with `answer_days`.
    static func surveyWindow(_ fields: TOMLFields, fm: FrontMatterFile) throws(ContentError) -> (SurveyWindow, [(String, String)]) {
        let dated = fields.has("from_date") || fields.has("until_date")
        if fields.has("stage") {
            if dated {
                throw fields.error(.conflictingStage, key: "stage", "a survey is open either by date (`from_date`, `until_date`) or from a `stage`, not both")
            }
            let key = try fields.string("stage")
            guard let stage = Stage(messageKey: key), stage.messageKey == key else {
                throw fields.error(.badValue, key: "stage", "unknown stage \"\(key)\"; write a message key like pregnancy/d0140, child/d0100, child/m06 or child/y01")
            }
            var days = Survey.defaultAnswerDays
            if fields.has("answer_days") {
                days = try fields.int("answer_days")
                guard (1...366).contains(days) else { throw fields.error(.badValue, key: "answer_days", "`answer_days` must be 1 to 366, not \(days)") }
            }
            return (.stage(stage, answerDays: days), [("stage", key), ("answer_days", String(days))])
        }
        if fields.has("answer_days") {
            throw fields.error(.badValue, key: "answer_days", "`answer_days` goes with `stage`; a survey by date is open from `from_date` to `until_date`")
        }
        guard dated else {
            throw ContentError(.missingKey, path: fm.path, line: 1, "the survey never opens: give `from_date` and `until_date`, or a `stage` (like child/m06)")
        }
        let from = try surveyDate(fields, "from_date"), until = try surveyDate(fields, "until_date")
        if until < from {
            throw fields.error(.badValue, key: "until_date", "`until_date` \(until.iso) comes before `from_date` \(from.iso)")
        }
        return (.dates(from: from, until: until), [("from_date", from.iso), ("until_date", until.iso)])
    }

    /// A TOML local date (2027-01-15) or a string holding one.
    static func surveyDate(_ fields: TOMLFields, _ key: String) throws(ContentError) -> CivilDate {
        guard let value = fields.table[key] else {
            throw ContentError(.missingKey, path: fields.path, line: 1, "missing key `\(key)`: a survey by date needs both `from_date` and `until_date`")
        }
        let text = value.date.map { String(format: "%04d-%02d-%02d", $0.year, $0.month, $0.day) } ?? value.string
        guard let text, let date = CivilDate(iso: text) else {
            throw fields.error(.badValue, key: key, "`\(key)` must be a date like 2027-01-15")
        }
        return date
    }

    /// A language table: `question` and 2 to 9 `choices`.
    static func surveyText(_ fm: FrontMatterFile, language: String) throws(ContentError) -> SurveyText {
        let header = fm.tomlText.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex(where: { $0.trimmingSpaces == "[\(language)]" }).map { $0 + 2 }
        guard let table = fm.table[language]?.table else {
            throw ContentError(.wrongType, path: fm.path, line: fm.line(ofKey: language) ?? header, "`\(language)` must be a table ([\(language)]) with `question` and `choices`")
        }
        let fields = TOMLFields(table: table, path: fm.path, section: language, lineOf: { fm.line(ofKey: $0, in: language) }, headerLine: header)
        try fields.check(allowed: SurveyKeys.language)
        let question = try fields.string("question").trimmingCharacters(in: .whitespacesAndNewlines)
        if question.isEmpty { throw fields.error(.badValue, key: "question", "[\(language)] `question` is empty") }
        guard let choices = try fields.optionalStrings("choices") else {
            throw ContentError(.missingKey, path: fm.path, line: header, "missing key `choices` in [\(language)]: a survey needs 2 to \(Survey.maxChoices) choices")
        }
        guard choices.count >= 2 else {
            throw fields.error(.badValue, key: "choices", "[\(language)] `choices` has \(choices.count == 0 ? "no choice" : "one choice"); a survey needs 2 to \(Survey.maxChoices)")
        }
        guard choices.count <= Survey.maxChoices else {
            throw fields.error(.badValue, key: "choices", "[\(language)] `choices` has \(choices.count) choices; at most \(Survey.maxChoices) (an answer is one digit)")
        }
        if let blank = choices.firstIndex(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw fields.error(.badValue, key: "choices", "[\(language)] choice \(blank + 1) is empty")
        }
        if let multi = choices.firstIndex(where: { $0.contains(where: \.isNewline) }) {
            throw fields.error(.badValue, key: "choices", "[\(language)] choice \(multi + 1) must be one line")
        }
        return SurveyText(question: question, choices: choices.map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// Two surveys that could both target one family on one day are an error: a number reply
    /// could not say which it answers. Reported on the later file, naming the earlier.
    mutating func checkSurveyOverlaps() {
        let sorted = surveys.sorted { $0.id < $1.id }
        for (i, b) in sorted.enumerated() {
            guard let a = sorted[..<i].first(where: { $0.mayOverlap(b) }) else { continue }
            let source = surveySources[b.id]
            errors.append(ContentError(.badValue, path: source?.path ?? "surveys/\(b.id).md", line: source?.whenLine,
                                       "survey \"\(b.id)\" may be open for one family on the same day as \"\(a.id)\" (\(surveySources[a.id]?.path ?? a.id)): "
                                       + "they share an edition and a language, and their windows can meet (a stage survey meets any other); "
                                       + "give them different `editions`, or date windows that do not meet"))
        }
    }
}
