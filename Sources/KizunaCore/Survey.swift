/// A reader survey (`templates/surveys/<id>.md`): one question with numbered choices per
/// language, sent once to each family it targets, who answer by replying with a number.
public struct Survey: Sendable, Hashable {
    /// The most choices a survey may offer: an answer is one digit, 1 to 9.
    public static let maxChoices = 9
    /// How many days a stage survey stays open for a family when the file does not say.
    public static let defaultAnswerDays = 14

    /// The file name without `.md`: what the store records it as.
    public let id: String
    /// Question and choices by language code.
    public let texts: [String: SurveyText]
    /// The editions it is for; nil means every edition.
    public let editions: [String]?
    public let when: SurveyWindow
    /// True for invented sample text (`sample = true`), never sent in production.
    public let sample: Bool
    public let review: ReviewRecord

    public init(id: String, texts: [String: SurveyText], editions: [String]?, when: SurveyWindow, sample: Bool, review: ReviewRecord) {
        self.id = id; self.texts = texts; self.editions = editions; self.when = when; self.sample = sample; self.review = review
    }

    /// The languages it is written in, sorted.
    public var languages: [String] { texts.keys.sorted() }

    /// True when it is for families of `edition`.
    public func isFor(edition: String) -> Bool { editions?.contains(edition) ?? true }

    /// Whether it targets `audience` on `date`, and from when until when it is open for them.
    public func opening(for audience: SurveyAudience, on date: CivilDate) -> SurveyOpening? {
        guard isFor(edition: audience.edition), texts[audience.language] != nil else { return nil }
        switch when {
        case .dates(let from, let until):
            return from <= date && date <= until ? SurveyOpening(survey: self, opensOn: from, closesOn: until) : nil
        case .stage(let stage, let answerDays):
            // Of the family's subscriptions on the stage's track, the earliest window holding the date.
            let windows = audience.subscriptions.filter { $0.track == stage.track }.map { s -> (CivilDate, CivilDate) in
                let start = stage.date(anchor: s.anchor)
                return (start, start.adding(days: answerDays - 1))
            }
            guard let hit = windows.filter({ $0.0 <= date && date <= $0.1 }).min(by: { $0.0 < $1.0 }) else { return nil }
            return SurveyOpening(survey: self, opensOn: hit.0, closesOn: hit.1)
        }
    }

    /// True when some family could be targeted by both on one day: they share an edition and a
    /// language, and their windows can meet. Conservative: a stage survey can fall on any day of
    /// the calendar, and a family may follow two children, so a stage survey meets every other
    /// survey of its editions and languages; only two date windows that do not meet are apart.
    public func mayOverlap(_ other: Survey) -> Bool {
        let editionsMeet = switch (editions, other.editions) {
        case (let a?, let b?): !Set(a).isDisjoint(with: b)
        default: true
        }
        guard editionsMeet, !Set(texts.keys).isDisjoint(with: other.texts.keys) else { return false }
        if case .dates(let aFrom, let aUntil) = when, case .dates(let bFrom, let bUntil) = other.when {
            return aFrom <= bUntil && bFrom <= aUntil
        }
        return true
    }

    /// The one survey of `surveys` that targets `audience` on `date`, if any. The catalog refuses
    /// surveys that could both target one family on one day, so the first found is the only one.
    public static func targeting(_ surveys: [Survey], audience: SurveyAudience, on date: CivilDate) -> SurveyOpening? {
        for survey in surveys {
            if let opening = survey.opening(for: audience, on: date) { return opening }
        }
        return nil
    }
}

/// A survey's question and its choices (numbered from 1 in this order) in one language.
public struct SurveyText: Sendable, Hashable {
    public let question: String
    public let choices: [String]
    public init(question: String, choices: [String]) { self.question = question; self.choices = choices }
}

/// When a survey is sent and answered.
public enum SurveyWindow: Sendable, Hashable {
    /// Every targeted family from `from` to `until` (both inclusive, the edition's local dates).
    case dates(from: CivilDate, until: CivilDate)
    /// A family on the day a subscription reaches `stage`, open for `answerDays` days from that day.
    case stage(Stage, answerDays: Int)
}

/// Who a survey might target: a subscriber's edition, language and followed tracks.
public struct SurveyAudience: Sendable {
    public var edition: String
    public var language: String
    /// Each followed pregnancy (due date) or child (birth date).
    public var subscriptions: [(track: Track, anchor: CivilDate)]

    public init(edition: String, language: String, subscriptions: [(track: Track, anchor: CivilDate)]) {
        self.edition = edition; self.language = language; self.subscriptions = subscriptions
    }
}

/// A survey open for one family: the first and last day (inclusive) they may answer.
public struct SurveyOpening: Sendable, Hashable {
    public let survey: Survey
    public let opensOn: CivilDate
    public let closesOn: CivilDate
    public init(survey: Survey, opensOn: CivilDate, closesOn: CivilDate) {
        self.survey = survey; self.opensOn = opensOn; self.closesOn = closesOn
    }
}
