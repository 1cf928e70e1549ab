import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

/// `survey_sends`: one row per survey and subscriber, and the survey open for a parent on a day.
@Suite struct SurveySendStoreTests {
    @Test func aSurveyIsRecordedOncePerSubscriber() throws {
        let store = try Store.inMemory()
        let (taro, _) = try store.addSubscriber(family("taro@example.jp"), today: today, at: noon, source: "t")
        let (hana, _) = try store.addSubscriber(family("hana@example.jp"), today: today, at: noon, source: "t")
        let send = SurveySend(surveyID: "reading", subscriberID: taro, edition: "tokyo", sentOn: today, closesOn: today.adding(days: 13))
        #expect(try store.inTransaction { try $0.recordSurveySend(send) })
        var later = send
        later.sentOn = today.adding(days: 1)
        #expect(try !store.inTransaction { try $0.recordSurveySend(later) })
        #expect(try store.surveysSent(subscriberIDs: [taro, hana]) == [taro: ["reading"]])
        #expect(try store.surveySendCounts() == ["reading": 1])
        #expect(try store.surveySendCounts(edition: "other") == [:])
        let open = OpenSurveySend(surveyID: "reading", closesOn: send.closesOn, previousChoice: nil)
        #expect(try store.openSurveySend(subscriberID: taro, edition: "tokyo", on: today.adding(days: 13)) == open)
        #expect(try store.openSurveySend(subscriberID: taro, edition: "tokyo", on: today.adding(days: 14)) == nil)
        #expect(try store.openSurveySend(subscriberID: taro, edition: "tokyo", on: today.adding(days: -1)) == nil)
        #expect(try store.openSurveySend(subscriberID: taro, edition: "other", on: today) == nil)
        #expect(try store.openSurveySend(subscriberID: hana, edition: "tokyo", on: today) == nil)
    }

    @Test func theTablesRefuseBadRows() throws {
        let store = try Store.inMemory()
        let (taro, _) = try store.addSubscriber(family("taro@example.jp"), today: today, at: noon, source: "t")
        let closesBeforeSent = SurveySend(surveyID: "reading", subscriberID: taro, edition: "tokyo", sentOn: today, closesOn: today.adding(days: -1))
        #expect(throws: DatabaseError.self) { try store.inTransaction { try $0.recordSurveySend(closesBeforeSent) } }
        let noSuchSubscriber = SurveySend(surveyID: "reading", subscriberID: 999, edition: "tokyo", sentOn: today, closesOn: today)
        #expect(throws: DatabaseError.self) { try store.inTransaction { try $0.recordSurveySend(noSuchSubscriber) } }
        for (choice, at) in [(0, "2026-05-01T12:00:00.000Z"), (1, "yesterday")] {
            #expect(throws: DatabaseError.self) {
                try store.writer.write { db in
                    try db.execute(sql: "INSERT INTO survey_answers (survey_id, subscriber_id, edition, choice, comment, answered_at) VALUES ('reading', ?, 'tokyo', ?, NULL, ?)",
                                   arguments: [taro, choice, at])
                }
            }
        }
        try store.writer.write { db in
            try db.execute(sql: "INSERT INTO survey_answers (survey_id, subscriber_id, edition, choice, comment, answered_at) VALUES ('reading', ?, 'tokyo', 3, 'いつも', '2026-05-01T12:00:00.000Z')",
                           arguments: [taro])
        }
    }
}
