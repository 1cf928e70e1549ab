import Foundation
import GRDB
import KizunaCore

/// The survey open for a subscriber on a day, as the poll reads it with the sender's state.
public struct OpenSurveySend: Sendable, Hashable {
    public var surveyID: String
    public var closesOn: CivilDate
    /// The choice the subscriber gave earlier, if any.
    public var previousChoice: Int?

    public init(surveyID: String, closesOn: CivilDate, previousChoice: Int?) {
        self.surveyID = surveyID; self.closesOn = closesOn; self.previousChoice = previousChoice
    }
}

/// A survey's answers in the store, counted: the only place a single answer is tied to an
/// address is the `survey_answers` row itself; what leaves the store is aggregated.
public struct SurveyAnswerCounts: Sendable, Hashable {
    public var sent: Int
    /// Answers per choice number.
    public var counts: [Int: Int]
    public var comments: [SurveyComment]

    public init(sent: Int, counts: [Int: Int], comments: [SurveyComment]) {
        self.sent = sent; self.counts = counts; self.comments = comments
    }
}

extension Store {
    /// The survey sent to the subscriber in `edition` and open on `date` (sent on or before it,
    /// closing on or after it), with the subscriber's earlier answer; the latest sent when, against
    /// the catalog's rule, more than one is. None after the parent reported a loss: the survey was
    /// sent before it, and a number they write now is read as any other mail, never thanked for.
    static func openSurveySend(_ db: Database, subscriberID: Int64, edition: String, on date: CivilDate) throws -> OpenSurveySend? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT s.survey_id, s.closes_on, a.choice FROM survey_sends s
            LEFT JOIN survey_answers a ON a.survey_id = s.survey_id AND a.subscriber_id = s.subscriber_id
            WHERE s.subscriber_id = ? AND s.edition = ? AND s.sent_on <= ? AND s.closes_on >= ?
              AND NOT EXISTS (SELECT 1 FROM subscriptions l WHERE l.subscriber_id = s.subscriber_id AND l.end_reason IN (?, ?))
            ORDER BY s.sent_on DESC, s.survey_id LIMIT 1
            """, arguments: [subscriberID, edition, date.iso, date.iso,
                             SubscriptionEndReason.loss.rawValue, SubscriptionEndReason.lossUnattributed.rawValue]) else { return nil }
        guard let closes = CivilDate(iso: row["closes_on"] as String) else {
            throw StoreError.invalidValue(field: "survey_sends.closes_on", value: row["closes_on"] as String)
        }
        return OpenSurveySend(surveyID: row["survey_id"], closesOn: closes, previousChoice: row["choice"])
    }

    /// Keeps a subscriber's answer: one per survey and subscriber, a later one replacing the
    /// choice, the comment and the time.
    static func recordSurveyAnswer(_ db: Database, _ answer: SurveyAnswerRecord, subscriberID: Int64, edition: String, at: Date) throws {
        try db.execute(sql: """
            INSERT INTO survey_answers (survey_id, subscriber_id, edition, choice, comment, answered_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (survey_id, subscriber_id) DO UPDATE SET edition = excluded.edition, choice = excluded.choice,
                comment = excluded.comment, answered_at = excluded.answered_at
            """, arguments: [answer.surveyID, subscriberID, edition, answer.choice, answer.comment, Timestamp.string(from: at)])
    }

    /// A survey's sends and answers, counted, in one edition or (nil) every edition.
    public func surveyAnswerCounts(surveyID: String, edition: String?) throws -> SurveyAnswerCounts {
        try writer.read { db in
            let filter = edition == nil ? "" : " AND edition = ?"
            var arguments: StatementArguments = [surveyID]
            if let edition { arguments += [edition] }
            let sent = try Int.fetchOne(db, sql: "SELECT count(*) FROM survey_sends WHERE survey_id = ?\(filter)", arguments: arguments) ?? 0
            var counts: [Int: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT choice, count(*) AS n FROM survey_answers WHERE survey_id = ?\(filter) GROUP BY choice",
                                        arguments: arguments) {
                counts[row["choice"]] = row["n"]
            }
            let comments = try Row.fetchAll(db, sql: """
                SELECT choice, comment FROM survey_answers WHERE survey_id = ?\(filter) AND comment IS NOT NULL ORDER BY choice, comment
                """, arguments: arguments).map { SurveyComment(choice: $0["choice"], text: $0["comment"]) }
            return SurveyAnswerCounts(sent: sent, counts: counts, comments: comments)
        }
    }

    /// The daily report's survey lines: each survey (per edition) still open for some family on
    /// `date`, with how many it was sent to and how many answered.
    public func openSurveyLines(on date: CivilDate) throws -> [SurveyReportLine] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.survey_id, s.edition, count(*) AS sent, count(a.choice) AS answered FROM survey_sends s
                LEFT JOIN survey_answers a ON a.survey_id = s.survey_id AND a.subscriber_id = s.subscriber_id
                WHERE EXISTS (SELECT 1 FROM survey_sends o WHERE o.survey_id = s.survey_id AND o.edition = s.edition
                              AND o.sent_on <= ? AND o.closes_on >= ?)
                GROUP BY s.survey_id, s.edition ORDER BY s.survey_id, s.edition
                """, arguments: [date.iso, date.iso]).map {
                SurveyReportLine(surveyID: $0["survey_id"], edition: $0["edition"], sent: $0["sent"], answered: $0["answered"])
            }
        }
    }
}
