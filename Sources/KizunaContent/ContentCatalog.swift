import Foundation
import KizunaCore
import Mustache
import TOMLKit

/// Everything in `templates/`, loaded and checked: messages, system messages, layouts and local info.
/// Loading finds every content error; rendering from a loaded catalog does not fail on content.
public struct ContentCatalog: Sendable {
    /// The templates directory it was loaded from.
    public let directory: URL
    var messages: [String: [Stage: CatalogMessage]]
    var systemMessages: [String: [String: SystemMessage]]
    var layouts: [String: Layout]
    /// Local info by edition id.
    var local: [String: [LocalInfo]]
    /// `max_local_items` by edition id, where its file sets it.
    var localLimits: [String: Int] = [:]
    /// Each language's phrases (`system/<lang>/phrases.toml`).
    var phrases: [String: PhraseFile] = [:]
    /// Areas declared per edition (`[areas]` of its local info file).
    var areas: [String: EditionAreas] = [:]
    /// Each edition's own messages, system messages, phrases and layouts (`editions/<id>/`), by
    /// edition id; `view(editionID:)` lays them over the shared ones.
    var overlays: [String: CatalogOverlay] = [:]
    /// Reader surveys (`surveys/<id>.md`), by id; no two can target one family on one day.
    public internal(set) var surveys: [Survey] = []
    var surveySources: [String: SurveySource] = [:]

    /// Every language with content or a layout, sorted.
    public var languages: [String] {
        Array(Set(messages.keys).union(systemMessages.keys).union(layouts.keys)).sorted()
    }

    /// The stages of `track` that have a message in any language, in date order.
    public func stages(track: Track) -> [Stage] {
        var all = Set<Stage>()
        for byStage in messages.values { for stage in byStage.keys where stage.track == track { all.insert(stage) } }
        return all.sorted(by: StageOrder.precedes)
    }

    /// The schedule of every stage that has a message in any language (a missing language falls
    /// back to another when the mail is rendered).
    public func schedule(catchUpDays: Int) -> Schedule {
        Schedule(stages: stages(track: .pregnancy) + stages(track: .child), catchUpDays: catchUpDays)
    }

    public func message(stage: Stage, language: String) -> CatalogMessage? {
        messages[language]?[stage]
    }

    /// Every message in `language`, in track then date order.
    public func messages(language: String) -> [CatalogMessage] {
        (messages[language] ?? [:]).values.sorted(by: CatalogMessage.inCatalogOrder)
    }

    /// The names of system messages present in any language, sorted.
    public var systemMessageNames: [String] {
        Array(Set(systemMessages.values.flatMap(\.keys))).sorted()
    }

    public func systemMessage(name: String, language: String) -> SystemMessage? {
        systemMessages[language]?[name]
    }

    /// The local info entries of an edition, in file order.
    public func localInfo(editionID: String) -> [LocalInfo] { local[editionID] ?? [] }

    /// How many local info entries one mail of the edition shows at most (`max_local_items`).
    public func maxLocalItems(editionID: String) -> Int { localLimits[editionID] ?? LocalSelection.defaultLimit }

    /// The entries a section at `stage` on `date` shows: those that fit, best first, at most `maxLocalItems`.
    public func localInfo(editionID: String, stage: Stage, language: String, area: String?, date: CivilDate) -> [LocalInfo] {
        let area = areaID(area, editionID: editionID)
        let fitting = localInfo(editionID: editionID).filter { $0.applies(stage: stage, language: language, area: area, date: date) }
        return LocalSelection.ranked(fitting, limit: maxLocalItems(editionID: editionID))
    }

    /// The entries each section of one mail shows on `date`: the best `maxLocalItems` of all that
    /// fit any section, each under the first section it fits, so a mail with two children's
    /// messages shows an entry once and no more entries in all than the limit.
    public func localInfo(editionID: String, sections: [(stage: Stage, language: String)], area: String?, date: CivilDate) -> [[LocalInfo]] {
        let entries = localInfo(editionID: editionID)
        let area = areaID(area, editionID: editionID)
        let fits = sections.map { s in Set(entries.filter { $0.applies(stage: s.stage, language: s.language, area: area, date: date) }.map(\.index)) }
        let fitting = entries.filter { e in fits.contains { $0.contains(e.index) } }
        var chosen = LocalSelection.ranked(fitting, limit: maxLocalItems(editionID: editionID))
        return fits.map { fit in
            let here = chosen.filter { fit.contains($0.index) }
            chosen.removeAll { fit.contains($0.index) }
            return here
        }
    }

    /// Entries name area ids; a subscriber stored before the edition declared its areas may hold another spelling.
    func areaID(_ area: String?, editionID: String) -> String? {
        area.flatMap { areas(editionID: editionID)?.area(matching: $0)?.id } ?? area
    }

    /// The edition ids that have a local info file.
    public var localEditionIDs: [String] { local.keys.sorted() }

    /// Loads and checks `directory` (the `templates/` folder). Throws the first `ContentError`,
    /// carrying every other problem found in `additional`.
    ///
    /// `replacing` gives the text of some files (paths relative to `directory`) in place of
    /// what is on disk, so that a rewrite can be checked before it is written.
    public static func load(directory: URL, replacing: [String: String] = [:]) throws(ContentError) -> ContentCatalog {
        var loader = CatalogLoader(root: directory.standardizedFileURL)
        loader.replacing = replacing
        loader.run()
        if var first = loader.errors.first {
            first.additional = Array(loader.errors.dropFirst())
            throw first
        }
        return ContentCatalog(directory: directory, messages: loader.messages, systemMessages: loader.system,
                              layouts: loader.layouts, local: loader.local, localLimits: loader.localLimits, phrases: loader.phrases,
                              areas: loader.areas, overlays: loader.overlays,
                              surveys: loader.surveys.sorted { $0.id < $1.id }, surveySources: loader.surveySources)
    }
}

/// Reads the templates directory, collecting every problem rather than stopping at the first.
struct CatalogLoader {
    let root: URL
    var errors: [ContentError] = []
    var messages: [String: [Stage: CatalogMessage]] = [:]
    var system: [String: [String: SystemMessage]] = [:]
    var layouts: [String: Layout] = [:]
    var local: [String: [LocalInfo]] = [:]
    var localLimits: [String: Int] = [:]
    var phrases: [String: PhraseFile] = [:]
    var areas: [String: EditionAreas] = [:]
    var overlays: [String: CatalogOverlay] = [:]
    /// Where this loader reads: "" for the shared catalog, `editions/<id>/` for an edition's overlay.
    var prefix = ""
    var surveys: [Survey] = []
    var surveySources: [String: SurveySource] = [:]
    /// A file of each language, to name in errors about the language as a whole.
    var languageWitness: [String: String] = [:]
    /// Texts read in place of the files on disk (see `ContentCatalog.load`).
    var replacing: [String: String] = [:]

    init(root: URL) { self.root = root }

    mutating func run() {
        loadTexts()
        for path in files(under: "local") { attempt { (l: inout Self) throws(ContentError) in try l.loadLocal(path) } }
        for path in files(under: "surveys") { attempt { (l: inout Self) throws(ContentError) in try l.loadSurvey(path) } }
        checkSurveyOverlaps()
        loadOverlays()
    }

    /// Messages, system messages, phrases and layouts under `prefix`.
    mutating func loadTexts() {
        for path in files(under: prefix + "messages") { attempt { (l: inout Self) throws(ContentError) in try l.loadMessage(path) } }
        for path in files(under: prefix + "system") { attempt { (l: inout Self) throws(ContentError) in try path.hasSuffix("/phrases.toml") ? l.loadPhrases(path) : l.loadSystem(path) } }
        loadLayouts()
    }

    /// `path`'s parts below `prefix` (`messages/ja/child/m03.md` for `editions/a/messages/ja/child/m03.md`).
    func parts(_ path: String) -> [Substring] { path.dropFirst(prefix.count).split(separator: "/") }


    mutating func attempt(_ body: (inout Self) throws(ContentError) -> Void) {
        do { try body(&self) } catch { errors.append(error) }
    }

    /// Relative paths of the regular files under `folder`, sorted; hidden files, README.md and
    /// detached signatures (`FILE.asc`, a reviewer's signature beside the text it approves) skipped.
    func files(under folder: String) -> [String] {
        let base = root.appendingPathComponent(folder).path
        guard let subpaths = try? FileManager.default.subpathsOfDirectory(atPath: base) else { return [] }
        var result: [String] = []
        for sub in subpaths {
            let name = (sub as NSString).lastPathComponent
            if name.hasPrefix(".") || name == "README.md" || name.hasSuffix(".asc") || sub.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base + "/" + sub, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            result.append(folder + "/" + sub)
        }
        return result.sorted()
    }

    func exists(_ path: String) -> Bool {
        replacing[path] != nil || FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path)
    }

    func read(_ path: String) throws(ContentError) -> String {
        if var text = replacing[path] {
            if text.contains("\r") { text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n") }
            return text
        }
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(path).path) else {
            throw ContentError(.unreadable, path: path, "cannot read the file")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw ContentError(.unreadable, path: path, "the file is not valid UTF-8")
        }
        if text.contains("\r") {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        if let bad = text.unicodeScalars.firstIndex(where: { Splice.isMarker($0) }) {
            let line = text.unicodeScalars[..<bad].filter { $0 == "\n" }.count + 1
            throw ContentError(.badValue, path: path, line: line, "the file holds a character from Unicode plane 15 or 16, which Kizuna reserves")
        }
        return text
    }

    static func isLanguageCode(_ s: some StringProtocol) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return false }
        return parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    // MARK: review metadata

    static func review(_ fm: FrontMatterFile) throws(ContentError) -> ReviewInfo {
        let top = TOMLFields(table: fm.table, path: fm.path, section: nil, lineOf: { fm.line(ofKey: $0) }, headerLine: 1)
        let table = try top.subtable("review")
        do {
            return try ReviewTOML.read(table)
        } catch {
            let headerLine = fm.tomlText.split(separator: "\n", omittingEmptySubsequences: false)
                .firstIndex(where: { $0.trimmingSpaces == "[review]" }).map { $0 + 2 }
            let code: ContentError.Code = switch error.kind {
            case .unknownKey: .unknownKey
            case .missingKey: .missingKey
            case .wrongType: .wrongType
            case .badValue: .badValue
            }
            throw ContentError(code, path: fm.path, line: fm.line(ofKey: error.key, in: "review") ?? headerLine, error.message)
        }
    }

    // MARK: templates

    /// Parses `text` as Mustache and checks its tags; `firstLine` is the file line of the text's first line.
    static func template(_ text: String, path: String, firstLine: Int, allowed: Set<String>,
                         notHere: [String: String] = [:]) throws(ContentError) -> MustacheTemplate {
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: text)
        } catch let error as MustacheTemplate.ParserError {
            // An unclosed or mismatched section is reported where it opens, not at the end of the text.
            if let open = TemplateTags.unbalancedSection(text) {
                throw ContentError(.mustacheSyntax, path: path, line: firstLine + open.line - 1,
                                   "Mustache section {{#\(open.name)}} is not closed by {{/\(open.name)}}")
            }
            throw ContentError(.mustacheSyntax, path: path, line: firstLine + error.context.lineNumber - 1,
                               "Mustache syntax error (\(error.error)) at column \(error.context.columnNumber): \(error.context.line)")
        } catch {
            throw ContentError(.mustacheSyntax, path: path, line: firstLine, "Mustache syntax error: \(error)")
        }
        if let problem = TemplateTags.check(text, allowed: allowed, notHere: notHere) {
            throw ContentError(.unknownVariable, path: path, line: firstLine + problem.line - 1, problem.message)
        }
        return template
    }

    static func subjectTemplate(_ fm: FrontMatterFile, allowed: Set<String>, notHere: [String: String] = [:]) throws(ContentError) -> (String, MustacheTemplate) {
        let fields = TOMLFields(table: fm.table, path: fm.path, section: nil, lineOf: { fm.line(ofKey: $0) }, headerLine: 1)
        let subject = try fields.string("subject")
        let line = fm.line(ofKey: "subject") ?? 1
        if subject.trimmingSpaces.isEmpty { throw ContentError(.badValue, path: fm.path, line: line, "the subject is empty") }
        if subject.contains(where: { $0.isNewline }) { throw ContentError(.badValue, path: fm.path, line: line, "the subject must be one line") }
        return (subject, try template(subject, path: fm.path, firstLine: line, allowed: allowed, notHere: notHere))
    }

    // MARK: messages

    mutating func loadMessage(_ path: String) throws(ContentError) {
        let parts = parts(path)
        guard parts.count >= 4, path.hasSuffix(".md") else {
            throw ContentError(.misplacedFile, path: path, "messages belong at messages/<language>/<track>/<name>.md")
        }
        let language = String(parts[1])
        guard Self.isLanguageCode(language) else {
            throw ContentError(.misplacedFile, path: path, "`\(language)` is not a language code (like ja or en)")
        }
        let fm = try FrontMatterFile(path: path, text: try read(path))
        let fields = TOMLFields(table: fm.table, path: path, section: nil, lineOf: { fm.line(ofKey: $0) }, headerLine: 1)
        try fields.check(allowed: ["track", "day", "month", "year", "subject", "sample", "review"])
        let trackName = try fields.string("track")
        guard let track = Track(rawValue: trackName) else {
            throw fields.error(.unknownTrack, key: "track", "unknown track \"\(trackName)\"; use \"pregnancy\" or \"child\"")
        }
        if parts[2] != trackName {
            throw fields.error(.misplacedFile, key: "track", "track = \"\(trackName)\" but the file is under \(parts[2])/")
        }
        let stageKeys = ["day", "month", "year"].filter(fields.has)
        let stage: Stage
        switch track {
        case .pregnancy:
            if let other = stageKeys.first(where: { $0 != "day" }) {
                throw fields.error(.conflictingStage, key: other, "pregnancy messages are keyed by `day` (gestational day, due date = 280), not `\(other)`")
            }
            let day = try fields.int("day")
            guard (0...310).contains(day) else { throw fields.error(.badValue, key: "day", "gestational day \(day) is outside 0…310") }
            stage = .gestationalDay(day)
        case .child:
            if stageKeys.count > 1 {
                throw fields.error(.conflictingStage, key: stageKeys[1], "both `\(stageKeys[0])` and `\(stageKeys[1])` are set; a child message has exactly one of day, month, year")
            }
            guard let key = stageKeys.first else {
                throw ContentError(.missingKey, path: path, line: 1, "missing key: a child message needs one of `day`, `month`, `year`")
            }
            let n = try fields.int(key)
            let limit = key == "day" ? 7000 : key == "month" ? 216 : 18
            guard (0...limit).contains(n) else { throw fields.error(.badValue, key: key, "\(key) = \(n) is outside 0…\(limit)") }
            stage = key == "day" ? .childDay(n) : key == "month" ? .childMonth(n) : .childYear(n)
        }
        let allowed = StageVariables.allowed(for: stage)
        let notHere = StageVariables.notAllowedReasons(for: stage)
        let (subject, subjectTemplate) = try Self.subjectTemplate(fm, allowed: allowed, notHere: notHere)
        let sample = try fields.bool("sample")
        let review = try Self.review(fm)
        let body = try Self.template(fm.body, path: path, firstLine: fm.bodyFirstLine, allowed: allowed, notHere: notHere)
        if let existing = messages[language]?[stage] {
            throw ContentError(.duplicateStage, path: path, line: fm.line(ofKey: stageKeys.first ?? "day"),
                               "\(stage.messageKey) in \(language) is already defined by \(existing.path)")
        }
        let fingerprint = ReviewFingerprint.of([("stage", stage.messageKey), ("subject", subject), ("body", fm.body)])
        messages[language, default: [:]][stage] = CatalogMessage(
            stage: stage, language: language, subject: subject, sample: sample, review: review, path: path,
            fingerprint: fingerprint, subjectTemplate: subjectTemplate, bodyTemplate: body)
        if languageWitness[language] == nil { languageWitness[language] = path }
    }

    // MARK: system messages

    mutating func loadSystem(_ path: String) throws(ContentError) {
        let parts = parts(path)
        guard parts.count == 3, path.hasSuffix(".md"), Self.isLanguageCode(parts[1]) else {
            throw ContentError(.misplacedFile, path: path, "system messages belong at system/<language>/<name>.md")
        }
        let language = String(parts[1])
        let name = String(parts[2].dropLast(3))
        let fm = try FrontMatterFile(path: path, text: try read(path))
        let fields = TOMLFields(table: fm.table, path: path, section: nil, lineOf: { fm.line(ofKey: $0) }, headerLine: 1)
        try fields.check(allowed: ["subject", "sample", "review"])
        let (subject, subjectTemplate) = try Self.subjectTemplate(fm, allowed: SystemVariables.known)
        let sample = try fields.bool("sample")
        let review = try Self.review(fm)
        let body = try Self.template(fm.body, path: path, firstLine: fm.bodyFirstLine, allowed: SystemVariables.known)
        var used = Set<String>()
        for tag in TemplateTags.scan(subject) + TemplateTags.scan(fm.body) where SystemVariables.known.contains(tag.name) {
            used.insert(tag.name)
        }
        system[language, default: [:]][name] = SystemMessage(
            name: name, language: language, subject: subject, sample: sample, review: review, path: path,
            fingerprint: ReviewFingerprint.of([("subject", subject), ("body", fm.body)]), variables: used.subtracting(SystemVariables.defaulted), subjectTemplate: subjectTemplate, bodyTemplate: body)
        if languageWitness[language] == nil { languageWitness[language] = path }
    }

    // MARK: layouts

    mutating func loadLayouts() {
        // An overlay replaces only the layouts it has; the shared catalog needs every language's.
        var languages = prefix.isEmpty ? Set(languageWitness.keys) : []
        if let dirs = try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(prefix + "layouts").path) {
            for dir in dirs where !dir.hasPrefix(".") && Self.isLanguageCode(dir) { languages.insert(dir) }
        }
        for language in languages.sorted() {
            guard LanguageForms(code: language) != nil else {
                errors.append(ContentError(.unsupportedLanguage, path: languageWitness[language] ?? "\(prefix)layouts/\(language)",
                                           "language `\(language)` has no built-in forms for ages and weeks (supported: \(LanguageForms.supported.joined(separator: ", ")))"))
                continue
            }
            var parsed: [String: MustacheTemplate] = [:]
            var fingerprints: [String: String] = [:]
            let reviews = layoutReviews(language: language)
            for kind in ["text", "html"] {
                let path = "\(prefix)layouts/\(language)/\(kind).mustache"
                guard exists(path) else {
                    errors.append(ContentError(.missingLayout, path: path, "layout missing: every language needs \(prefix)layouts/\(language)/text.mustache and html.mustache"))
                    continue
                }
                do throws(ContentError) {
                    let text = try read(path)
                    let template = try Self.template(text, path: path, firstLine: 1, allowed: LayoutVariables.known)
                    let names = Set(TemplateTags.scan(text).map(\.name))
                    if !names.contains("sections") || !names.contains("body") {
                        throw ContentError(.missingLayout, path: path, line: 1, "the layout never shows the messages: it needs {{#sections}} … {{{body}}} … {{/sections}}")
                    }
                    parsed[kind] = template
                    fingerprints[kind] = ReviewFingerprint.of([("layout", text)])
                } catch {
                    errors.append(error)
                }
            }
            if let text = parsed["text"], let html = parsed["html"] {
                layouts[language] = Layout(language: language, text: text, html: html, reviews: reviews, fingerprints: fingerprints,
                                           directory: "\(prefix)layouts/\(language)")
            }
        }
    }
}
