import Testing
@testable import KizunaCore

private let today = CivilDate(iso: "2027-03-10")!
private let parent = try! EmailAddress(parsing: "hanako..mama.@docomo.ne.jp")
private let limits = LifecycleLimits(autoRepliesPerDay: 3, defaultLanguage: .ja)
private let child = LifecycleSubscription(id: 70, track: .child, anchor: CivilDate(iso: "2026-09-10")!, nickname: "まめ")
private let survey = OpenSurvey(id: "reading", choices: 4, closesOn: CivilDate(iso: "2027-03-23")!)
private let ours = ReplyToOurMail(messageID: "kizuna.4h.20270310.2k9f1x@clinic.example", header: .inReplyTo)

private func state(_ status: SubscriberStatus = .active, survey: OpenSurvey? = survey, repliesToday: Int = 0) -> LifecycleState {
    LifecycleState(subscriber: LifecycleSubscriber(id: 7, status: status, language: .ja, subscriptions: [child]),
                   autoRepliesToday: repliesToday, openSurvey: survey)
}
private func answer(_ choice: Int, _ comment: String? = nil, otherwise: MailCommand = .unknown(.replyToDailyMessage)) -> LifecycleEvent {
    .surveyAnswer(SurveyReply(choice: choice, comment: comment), otherwise: otherwise, language: .ja, from: parent, messageID: "<a1@phone>")
}
private func records(_ actions: [LifecycleAction]) -> [LifecycleRecord] {
    actions.compactMap { if case .recordEvent(let r) = $0 { return r } else { return nil } }
}
private func withoutRecords(_ actions: [LifecycleAction]) -> [LifecycleAction] {
    actions.filter { if case .recordEvent = $0 { return false } else { return true } }
}

/// An answer to the survey open for the parent: kept once per survey (a later one replaces it),
/// logged without the comment, thanked for within the daily limit; anything else is read as before.
@Suite struct LifecycleSurveyTests {
    @Test func anAnswerIsRecordedLoggedAndThanked() {
        let (after, actions) = Lifecycle.handle(answer(3, "毎日読んでいます"), state: state(), today: today, limits: limits)
        #expect(withoutRecords(actions) == [
            .recordSurveyAnswer(SurveyAnswerRecord(surveyID: "reading", choice: 3, comment: "毎日読んでいます")),
            .reply(.surveyThanks(surveyID: "reading", choice: 3, closesOn: survey.closesOn), language: .ja),
        ])
        let record = try! #require(records(actions).first)
        #expect(record == LifecycleRecord(kind: .surveyAnswered, detail: "survey reading: choice 3 with a comment", messageID: "<a1@phone>"))
        #expect(!record.detail.contains("毎日"))
        #expect(after.autoRepliesToday == 1)
        #expect(after.openSurvey?.previousChoice == 3)
    }

    @Test func aLaterAnswerReplacesTheEarlierOne() {
        var open = survey
        open.previousChoice = 2
        let (_, actions) = Lifecycle.handle(answer(4), state: state(survey: open), today: today, limits: limits)
        #expect(records(actions).map(\.detail) == ["survey reading: choice 4, replacing choice 2"])
        #expect(withoutRecords(actions).first == .recordSurveyAnswer(SurveyAnswerRecord(surveyID: "reading", choice: 4, comment: nil)))
    }

    @Test func theThanksCountsTowardTheDailyLimitButTheAnswerIsKept() {
        let (_, actions) = Lifecycle.handle(answer(1), state: state(repliesToday: 3), today: today, limits: limits)
        #expect(withoutRecords(actions) == [.recordSurveyAnswer(SurveyAnswerRecord(surveyID: "reading", choice: 1, comment: nil))])
        #expect(records(actions).map(\.kind) == [.surveyAnswered, .replySuppressed])
    }

    @Test func pausedAndBouncingParentsAnswerToo() {
        for status in [SubscriberStatus.paused, .bouncing] {
            let (_, actions) = Lifecycle.handle(answer(2), state: state(status), today: today, limits: limits)
            #expect(records(actions).first?.kind == .surveyAnswered, "\(status)")
        }
    }

    /// No survey open, a stopped or pending parent, or a number the survey does not offer: the
    /// message is what it reads as without a survey — chatter, or the help reply.
    @Test func otherwiseTheMessageIsReadAsBefore() {
        let cases: [(LifecycleState, LifecycleEvent)] = [
            (state(survey: nil), answer(3)),
            (state(.stopped), answer(3)),
            (state(.pending), answer(3)),
            (state(), answer(5)),
        ]
        for (s, event) in cases {
            let (_, actions) = Lifecycle.handle(event, state: s, today: today, limits: limits)
            guard case .surveyAnswer(_, let otherwise, _, _, _) = event else { continue }
            let (_, before) = Lifecycle.handle(.command(otherwise, language: .ja, from: parent, messageID: "<a1@phone>"),
                                               state: s, today: today, limits: limits)
            #expect(actions == before)
            #expect(!actions.contains { if case .recordSurveyAnswer = $0 { return true } else { return false } })
        }
        let (_, help) = Lifecycle.handle(answer(9, otherwise: .unknown(.noCommand)), state: state(), today: today, limits: limits)
        #expect(withoutRecords(help) == [.reply(.help, language: .ja)])
    }

    /// Today's behaviour for a number when no survey is open, pinned: a reply to our mail is
    /// chatter (recorded, not answered); a new mail holding only a number gets the help reply.
    @Test func aNumberWithoutASurveyIsChatterOrHelp() {
        for body in ["3", "３です", "I'd say 4", "4 - we read it every day"] {
            let reply = CommandParser.parse(subject: "Re: 生後6か月", body: body, replyTo: ours, today: today)
            #expect(reply.command == .unknown(.replyToDailyMessage), "\(body)")
            let fresh = CommandParser.parse(subject: "", body: body, today: today)
            #expect(fresh.command == .unknown(.noCommand), "\(body)")
            let event = LifecycleEvent(reply, from: parent, messageID: "<n@phone>", tokens: AddressTokens(secret: [1]), today: today)
            let (_, actions) = Lifecycle.handle(event, state: state(survey: nil), today: today, limits: limits)
            #expect(withoutRecords(actions).isEmpty, "\(body)")
        }
    }
}
