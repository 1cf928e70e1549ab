import KizunaCore
import Mustache

/// Who reviewed a piece of content, in which field, when, and the hash of what they approved.
public typealias ReviewInfo = ReviewRecord

/// One daily message of the catalog in one language.
public struct CatalogMessage: Sendable {
    public let stage: Stage
    public let language: String
    /// The subject as written (it may hold Mustache variables).
    public let subject: String
    /// True for original sample text that no expert has checked.
    public let sample: Bool
    public let review: ReviewInfo
    /// Path relative to the templates directory.
    public let path: String
    /// The SHA-256 a review of this message is pinned to (`ReviewFingerprint`): stage, subject and body.
    public let fingerprint: String
    let subjectTemplate: MustacheTemplate
    let bodyTemplate: MustacheTemplate

    /// Track (pregnancy first), then date order.
    static func inCatalogOrder(_ a: CatalogMessage, _ b: CatalogMessage) -> Bool {
        a.stage.track != b.stage.track ? a.stage.track == .pregnancy : StageOrder.precedes(a.stage, b.stage)
    }
}

/// A message sent in reply to a parent's command (welcome, help, stop…), not on a schedule.
public struct SystemMessage: Sendable {
    public let name: String
    public let language: String
    public let subject: String
    public let sample: Bool
    public let review: ReviewInfo
    public let path: String
    /// The SHA-256 a review of this message is pinned to: subject and body.
    public let fingerprint: String
    /// The variables the subject and body use, which `renderSystem` must be given (all but `nickname`
    /// and `edition_name`, which have defaults).
    public let variables: Set<String>
    let subjectTemplate: MustacheTemplate
    let bodyTemplate: MustacheTemplate
}

/// The two layouts that wrap an email's sections in one language.
struct Layout: Sendable {
    let language: String
    let text: MustacheTemplate
    let html: MustacheTemplate
    /// Each layout's review (from `layouts/<lang>/review.toml`) and fingerprint, by kind (`text`, `html`).
    var reviews: [String: ReviewInfo] = [:]
    var fingerprints: [String: String] = [:]
    /// Where its files are: `layouts/<lang>`, or `editions/<id>/layouts/<lang>` in an overlay.
    var directory: String

    /// The file of a layout kind (`text`, `html`).
    func path(_ kind: String) -> String { "\(directory)/\(kind).mustache" }
    /// Where the records of its reviews are kept (the layouts have no front matter).
    var reviewPath: String { "\(directory)/review.toml" }
}

/// A notice from a town or clinic shown under the daily message during a range of stages, and
/// on the days its calendar windows allow.
public struct LocalInfo: Sendable {
    public let editionID: String
    public let language: String
    /// Areas it is for; nil means everyone in the edition.
    public let areas: [String]?
    public let track: Track
    /// The message keys as written; `from`/`until` are nil when they do not parse (lint reports it).
    public let fromKey: String
    public let untilKey: String
    public let from: Stage?
    public let until: Stage?
    /// `from_date`/`until_date`, `every_year` and `on`/`days_before`.
    public let dates: LocalDateWindows
    /// Higher first when more entries fit than the edition's `max_local_items`.
    public let priority: Int
    /// The Markdown as written.
    public let text: String
    public let path: String
    public let line: Int?
    /// Its place in the file (0-based), which names it in a review.
    public let index: Int
    /// True for invented sample notices (`sample = true`), never sent in production.
    public let sample: Bool
    public let review: ReviewInfo
    /// The SHA-256 a review of this entry is pinned to: every key but `review` and `sample`.
    public let fingerprint: String
    let template: MustacheTemplate

    /// True when this entry fits `stage` on `date` for a family in `area` (before the limit).
    public func applies(stage: Stage, language: String, area: String?, date: CivilDate) -> Bool {
        guard language == self.language, stage.track == track, let from, let until, dates.allows(date) else { return false }
        if let areas {
            guard let area, areas.contains(area) else { return false }
        }
        return StageOrder.contains(from: from, until: until, stage)
    }
}

/// The variables system messages may use.
enum SystemVariables {
    static let known: Set<String> = [
        "nickname", "edition_name", "first_message_subject", "token", "confirm_address",
        "status_lines", "support_contacts", "problem", "example", "command", "next_message_date",
        "resume_choices", "child",
        "due_date", "birth_date",
        "survey_question", "survey_choices", "survey_choice", "survey_closes_on",
    ]
    /// Fixed order, so each variable has a marker slot.
    static let ordered: [String] = known.sorted()
    /// Variables with a value even when the caller gives none.
    static let defaulted: Set<String> = ["nickname", "edition_name"]
}

/// The variables a layout may use.
enum LayoutVariables {
    static let known: Set<String> = [
        "sections", "subject", "body", "local", "edition_name", "mail_subject",
        "unsubscribe_address", "unsubscribe_mailto", "sample_notice",
    ]
}
