import Foundation
import GRDB
import KizunaCore

extension Schema {
    /// Reader surveys: who was sent which survey and until when it is open for them
    /// (`survey_sends`, at most one per survey and subscriber), and their answers
    /// (`survey_answers`, one per survey and subscriber: a later answer replaces it).
    static func v10Surveys(_ db: Database) throws {
        func isDate(_ column: String) -> String { "\(column) GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'" }
        try db.execute(sql: """
            CREATE TABLE survey_sends (
                survey_id TEXT NOT NULL CHECK (survey_id <> ''),
                subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                edition TEXT NOT NULL CHECK (edition <> ''),
                sent_on TEXT NOT NULL CHECK (\(isDate("sent_on"))),
                closes_on TEXT NOT NULL CHECK (\(isDate("closes_on"))),
                CHECK (closes_on >= sent_on),
                PRIMARY KEY (survey_id, subscriber_id)
            ) STRICT;
            -- "Which survey is open for this parent today?", asked for every reply holding a number.
            CREATE INDEX survey_sends_subscriber ON survey_sends(subscriber_id, closes_on);

            CREATE TABLE survey_answers (
                survey_id TEXT NOT NULL CHECK (survey_id <> ''),
                subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
                edition TEXT NOT NULL CHECK (edition <> ''),
                choice INTEGER NOT NULL CHECK (choice >= 1),
                comment TEXT CHECK (comment IS NULL OR comment <> ''),
                answered_at TEXT NOT NULL CHECK (answered_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*Z'),
                PRIMARY KEY (survey_id, subscriber_id)
            ) STRICT;
            CREATE INDEX survey_answers_subscriber ON survey_answers(subscriber_id);
            """)
    }
}

/// A survey sent to one subscriber: the day it went out and the last day (inclusive) they may answer.
public struct SurveySend: Sendable, Hashable {
    public var surveyID: String
    public var subscriberID: Int64
    public var edition: String
    public var sentOn: CivilDate
    public var closesOn: CivilDate

    public init(surveyID: String, subscriberID: Int64, edition: String, sentOn: CivilDate, closesOn: CivilDate) {
        self.surveyID = surveyID; self.subscriberID = subscriberID; self.edition = edition; self.sentOn = sentOn; self.closesOn = closesOn
    }

    /// The ledger item of the delivery that carries a survey: `survey/<id>`.
    public static func itemKey(_ surveyID: String) -> String { "survey/\(surveyID)" }
}

extension Store {
    /// The ids of the surveys each of these subscribers has been sent, by subscriber.
    public func surveysSent(subscriberIDs ids: [Int64]) throws -> [Int64: Set<String>] {
        try writer.read { db in
            var result: [Int64: Set<String>] = [:]
            for row in try Store.chunked(ids, { chunk, marks in
                try Row.fetchAll(db, sql: "SELECT subscriber_id, survey_id FROM survey_sends WHERE subscriber_id IN (\(marks))",
                                 arguments: StatementArguments(chunk))
            }) {
                result[row["subscriber_id"], default: []].insert(row["survey_id"])
            }
            return result
        }
    }

    /// Which of these subscribers reported a loss (a subscription ended by one, even while
    /// another child is still followed): a survey is never sent to them.
    public func subscribersWithLoss(among ids: [Int64]) throws -> Set<Int64> {
        try writer.read { db in
            Set(try Store.chunked(ids) { chunk, marks in
                try Int64.fetchAll(db, sql: """
                    SELECT DISTINCT subscriber_id FROM subscriptions WHERE subscriber_id IN (\(marks)) AND end_reason IN (?, ?)
                    """, arguments: StatementArguments(chunk) + [SubscriptionEndReason.loss.rawValue, SubscriptionEndReason.lossUnattributed.rawValue])
            })
        }
    }

    /// The survey open for a subscriber of `edition` on `date`, by the poll's rule (`openSurveySend(_:…)`).
    public func openSurveySend(subscriberID: Int64, edition: String, on date: CivilDate) throws -> OpenSurveySend? {
        try writer.read { db in try Store.openSurveySend(db, subscriberID: subscriberID, edition: edition, on: date) }
    }

    /// How many subscribers each survey has been sent to, by survey id (optionally in one edition).
    public func surveySendCounts(edition: String? = nil) throws -> [String: Int] {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT survey_id, COUNT(*) AS n FROM survey_sends WHERE ?1 IS NULL OR edition = ?1 GROUP BY survey_id
                """, arguments: [edition])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["survey_id"] as String, $0["n"] as Int) })
        }
    }
}

extension Store {
    /// The survey a planned delivery carries, in the transaction that plans it: a survey already
    /// recorded for the subscriber fails the whole plan (it goes to a subscriber once).
    static func insertSurveySend(_ db: Database, _ send: SurveySend) throws {
        do {
            try db.execute(sql: "INSERT INTO survey_sends (survey_id, subscriber_id, edition, sent_on, closes_on) VALUES (?, ?, ?, ?, ?)",
                           arguments: [send.surveyID, send.subscriberID, send.edition, send.sentOn.iso, send.closesOn.iso])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            throw StoreError.invalidValue(field: "survey send (a survey goes to a subscriber once)",
                                          value: "survey \(send.surveyID) to subscriber \(send.subscriberID)")
        }
    }

    /// Unrecords the surveys of planned deliveries about to be deleted (their file never reached
    /// the spool, or they could not be rendered), so that the next batch plans them again.
    /// The same conditions as the deletion that follows.
    static func deleteSurveySends(_ db: Database, deliveryIDs: [Int64], marks: String) throws {
        try db.execute(sql: """
            DELETE FROM survey_sends WHERE EXISTS (
                SELECT 1 FROM deliveries d JOIN delivery_items i ON i.delivery_id = d.id
                WHERE d.id IN (\(marks)) AND d.status = 'planned'
                  AND NOT EXISTS (SELECT 1 FROM system_mail m WHERE m.delivery_id = d.id AND length(m.body) > 0)
                  AND d.subscriber_id = survey_sends.subscriber_id AND i.message_key = 'survey/' || survey_sends.survey_id)
            """, arguments: StatementArguments(deliveryIDs))
    }
}

extension LedgerTransaction {
    /// Records that `send.subscriberID` gets `send.surveyID`, in the transaction that plans the
    /// mail carrying it. False (and nothing changed) when it was recorded before: a survey goes
    /// to a subscriber once.
    @discardableResult
    public func recordSurveySend(_ send: SurveySend) throws -> Bool {
        try db.execute(sql: """
            INSERT INTO survey_sends (survey_id, subscriber_id, edition, sent_on, closes_on) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (survey_id, subscriber_id) DO NOTHING
            """, arguments: [send.surveyID, send.subscriberID, send.edition, send.sentOn.iso, send.closesOn.iso])
        return db.changesCount > 0
    }
}
