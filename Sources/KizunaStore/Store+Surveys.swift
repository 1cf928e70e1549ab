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

    init(row: Row) throws {
        guard let sent = CivilDate(iso: row["sent_on"] as String), let closes = CivilDate(iso: row["closes_on"] as String) else {
            throw StoreError.invalidValue(field: "survey_sends dates", value: "\(row["sent_on"] as String) \(row["closes_on"] as String)")
        }
        self.init(surveyID: row["survey_id"], subscriberID: row["subscriber_id"], edition: row["edition"], sentOn: sent, closesOn: closes)
    }
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

    /// The survey open for a subscriber on `date` (sent on or before it, closing on or after it);
    /// the latest sent when, against the catalog's rule, more than one is.
    public func openSurveySend(subscriberID: Int64, on date: CivilDate) throws -> SurveySend? {
        try writer.read { db in
            try Row.fetchOne(db, sql: """
                SELECT * FROM survey_sends WHERE subscriber_id = ? AND sent_on <= ? AND closes_on >= ?
                ORDER BY sent_on DESC, survey_id LIMIT 1
                """, arguments: [subscriberID, date.iso, date.iso]).map(SurveySend.init(row:))
        }
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
