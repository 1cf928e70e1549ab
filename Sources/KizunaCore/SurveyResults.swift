import Foundation

/// A reader survey's results, aggregated: counts and shares per choice, how many families it
/// was sent to and how many answered, and the comments — never an address, a subscriber or a
/// time (a single answer is tied to an address only in the store).
public struct SurveyResults: Sendable, Hashable {
    public var surveyID: String
    /// The edition counted; nil for every edition.
    public var edition: String?
    /// The language the question and choices are given in.
    public var language: String
    public var question: String
    /// The choices' texts, numbered from 1.
    public var choices: [String]
    /// Answers per choice number.
    public var counts: [Int: Int]
    /// Families the survey was sent to.
    public var sent: Int
    /// The comments with the choice they came with, by choice then text (not in the order
    /// they came: that order could tie a comment to a family).
    public var comments: [SurveyComment]

    public init(surveyID: String, edition: String?, language: String, question: String, choices: [String],
                counts: [Int: Int], sent: Int, comments: [SurveyComment]) {
        self.surveyID = surveyID; self.edition = edition; self.language = language; self.question = question
        self.choices = choices; self.counts = counts; self.sent = sent
        self.comments = comments.sorted { ($0.choice, $0.text) < ($1.choice, $1.text) }
    }

    public var answered: Int { counts.values.reduce(0, +) }

    /// The choice numbers to show: every choice of the survey, and any number answered that the
    /// survey (since edited) no longer offers.
    public var choiceNumbers: [Int] {
        Array(Set(Array(1...max(1, choices.count))).union(counts.keys)).sorted()
    }

    public func text(forChoice n: Int) -> String {
        choices.indices.contains(n - 1) ? choices[n - 1] : "(no longer in the survey)"
    }

    /// The share of the answers, in percent; nil when nobody answered.
    public func share(ofChoice n: Int) -> Double? {
        answered == 0 ? nil : Double(counts[n] ?? 0) * 100 / Double(answered)
    }

    /// Answers per family sent to, in percent; nil when it was sent to nobody.
    public var responseRate: Double? { sent == 0 ? nil : Double(answered) * 100 / Double(sent) }

    /// A percentage with one decimal (`60.0`), or `-` when there is none.
    public static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.1f", $0) } ?? "-"
    }

    // MARK: - Text

    /// The results for a person to read.
    public func text() -> String {
        var out = ["survey \(surveyID) (\(edition.map { "edition \($0)" } ?? "every edition"), choices in \(language))",
                   question, ""]
        for n in choiceNumbers {
            out.append("  \(n). \(text(forChoice: n)): \(counts[n] ?? 0) (\(Self.percent(share(ofChoice: n))) %)")
        }
        out.append("")
        out.append("sent \(sent), answered \(answered), response rate \(Self.percent(responseRate)) %")
        out.append("")
        out.append("comments: \(comments.count)")
        for c in comments {
            out.append("  [\(c.choice)] " + c.text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n      "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: - CSV

    /// The CSV columns, in order (the header line).
    public static let csvColumns = ["survey", "edition", "row", "choice", "text", "count", "percent"]

    /// The results as CSV (RFC 4180: CRLF line ends, fields with a comma, a quote or a line
    /// break quoted, quotes doubled): a header line, then one `choice` row per choice (its text,
    /// its count, its share of the answers), one `sent` and one `answered` row (the count; the
    /// answered row's percent is the response rate), and one `comment` row per comment (the
    /// choice it came with and its text).
    public func csv() -> String {
        var rows = [Self.csvColumns]
        let edition = self.edition ?? "all"
        for n in choiceNumbers {
            rows.append([surveyID, edition, "choice", "\(n)", text(forChoice: n), "\(counts[n] ?? 0)", Self.percent(share(ofChoice: n))])
        }
        rows.append([surveyID, edition, "sent", "", "", "\(sent)", ""])
        rows.append([surveyID, edition, "answered", "", "", "\(answered)", Self.percent(responseRate)])
        for c in comments {
            rows.append([surveyID, edition, "comment", "\(c.choice)", c.text, "", ""])
        }
        return rows.map { $0.map(SubscriberCSV.quoted).joined(separator: ",") + "\r\n" }.joined()
    }
}

/// A comment that came with an answer, and the choice it came with.
public struct SurveyComment: Sendable, Hashable {
    public var choice: Int
    public var text: String
    public init(choice: Int, text: String) { self.choice = choice; self.text = text }
}

/// One line of the daily report while a survey is open: `survey ID: N sent, M answered (R %)`.
public struct SurveyReportLine: Sendable, Hashable {
    public var surveyID: String
    public var edition: String
    public var sent: Int
    public var answered: Int

    public init(surveyID: String, edition: String, sent: Int, answered: Int) {
        self.surveyID = surveyID; self.edition = edition; self.sent = sent; self.answered = answered
    }

    public var text: String {
        "survey \(surveyID): \(sent) sent, \(answered) answered (\(SurveyResults.percent(sent == 0 ? nil : Double(answered) * 100 / Double(sent))) %)"
    }
}
