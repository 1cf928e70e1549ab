import Testing
@testable import KizunaCore

/// The per-address score: weights, once a day, the threshold, the stale period and what clears it.
/// Days are given explicitly: the machine has no clock of its own.
@Suite struct BounceScoreTests {
    let d0 = CivilDate(iso: "2027-05-01")!
    func day(_ n: Int) -> CivilDate { d0.adding(days: n) }

    /// Applies events in order, returning the final state and every action.
    func run(_ events: [BounceScoreEvent], from start: BounceScore = .clean, policy: BounceScorePolicy = .standard)
        -> (BounceScore, [BounceScoreAction]) {
        var state = start, actions: [BounceScoreAction] = []
        for e in events {
            let t = state.applying(e, policy: policy)
            state = t.state
            actions += t.actions
        }
        return (state, actions)
    }

    @Test func hardCountsOneAndSoftHalf() {
        let hard = BounceScore.clean.applying(.bounce(hard: true, on: d0))
        #expect(hard.counted)
        #expect(hard.state.score == 1.0)
        #expect(hard.state.lastBounceDate == d0)
        #expect(hard.state.bounceCount == 1)
        #expect(hard.state.fromReports)
        let soft = BounceScore.clean.applying(.bounce(hard: false, on: d0))
        #expect(soft.state.score == 0.5)
        #expect(!soft.actions.contains(.setBouncing))
    }

    @Test func atMostOneBounceCountsADay() {
        let (state, actions) = run([.bounce(hard: true, on: d0), .bounce(hard: true, on: d0), .smtpRejected(code: 550, hard: true, on: d0)])
        #expect(state.score == 1.0)
        #expect(state.bounceCount == 1)
        #expect(actions.contains { if case .recordEvent(let t) = $0 { return t.contains("not counted") } else { return false } })
        // A bounce dated before the last counted one (a late report) does not count either.
        let late = state.applying(.bounce(hard: true, on: day(-1)))
        #expect(!late.counted)
        #expect(late.state == state)
    }

    @Test func fiveHardBouncesOnFiveDaysReachTheThreshold() {
        var state = BounceScore.clean
        for n in 0..<4 {
            let t = state.applying(.bounce(hard: true, on: day(n)))
            #expect(t.counted)
            #expect(!t.actions.contains(.setBouncing), "day \(n): score \(t.state.score)")
            state = t.state
        }
        let fifth = state.applying(.bounce(hard: true, on: day(4)))
        #expect(fifth.state.score == 5.0)
        #expect(fifth.actions.contains(.setBouncing))
    }

    @Test func softBouncesNeedTenDays() {
        let events = (0..<9).map { BounceScoreEvent.bounce(hard: false, on: day($0)) }
        let (nine, actions) = run(events)
        #expect(nine.score == 4.5)
        #expect(!actions.contains(.setBouncing))
        #expect(nine.applying(.bounce(hard: false, on: day(9))).actions.contains(.setBouncing))
    }

    @Test func aQuietWeekMakesTheScoreStale() {
        let (state, _) = run([.bounce(hard: true, on: d0), .bounce(hard: true, on: day(1)), .bounce(hard: true, on: day(2))])
        #expect(state.current(on: day(9), policy: .standard) == 3.0, "7 days after the last bounce it still stands")
        #expect(state.current(on: day(10), policy: .standard) == 0)
        let after = state.applying(.bounce(hard: false, on: day(10)))
        #expect(after.counted)
        #expect(after.state.score == 0.5, "starts again from zero")
        #expect(after.state.bounceCount == 1)
        let within = state.applying(.bounce(hard: false, on: day(9)))
        #expect(within.state.score == 3.5)
    }

    @Test func thePolicyIsConfigurable() {
        let strict = BounceScorePolicy(hardWeight: 2, softWeight: 1, threshold: 3, staleAfterDays: 2)
        let (state, actions) = run([.bounce(hard: true, on: d0), .bounce(hard: false, on: day(1))], policy: strict)
        #expect(state.score == 3)
        #expect(actions.contains(.setBouncing))
        #expect(state.isStale(on: day(4), policy: strict))
        #expect(!state.isStale(on: day(3), policy: strict))
    }

    @Test func smtpRejectionsCountOnlyWhenPermanent() {
        let refused = BounceScore.clean.applying(.smtpRejected(code: 550, hard: true, on: d0))
        #expect(refused.counted)
        #expect(refused.state.score == 1)
        #expect(!refused.state.fromReports)
        let temporary = BounceScore.clean.applying(.smtpRejected(code: 451, hard: false, on: d0))
        #expect(!temporary.counted)
        #expect(temporary.state == .clean)
    }

    @Test func anExpiryAfter4xxDeferralsIsASoftBounceOnceADay() {
        let busy = BounceScore.clean.applying(.expired(lastCode: 421, byRecipient: false, on: d0))
        #expect(busy.state == .clean && !busy.counted)
        #expect(busy.actions.contains(.recordEvent("expired after SMTP 421 from the relay itself: not counted against the address")))
        let expired = BounceScore.clean.applying(.expired(lastCode: 451, on: d0))
        #expect(expired.counted)
        #expect(expired.state.score == 0.5)
        #expect(expired.state.lastBounceDate == d0)
        #expect(!expired.state.fromReports, "the send step's own evidence: a later 250 clears it")
        // Another expiry, or another bounce, the same day: evidence, not counted again.
        let (sameDay, _) = run([.expired(lastCode: 451, on: d0), .expired(lastCode: 450, on: d0), .bounce(hard: false, on: d0)])
        #expect(sameDay.score == 0.5)
        #expect(sameDay.bounceCount == 1)
        // Ten days of expiries reach the threshold like ten soft bounces.
        let (tenDays, actions) = run((0..<10).map { BounceScoreEvent.expired(lastCode: 452, on: day($0)) })
        #expect(tenDays.score == 5)
        #expect(actions.contains(.setBouncing))
        let accepted = tenDays.applying(.delivered(on: day(10)))
        #expect(accepted.state == .clean)
    }

    @Test func anExpiryWithoutA4xxReplyIsNotCounted() {
        // No server reply at all (the relay was unreachable) or a relay's 5xx greeting that was
        // deferred: nothing about the address.
        for code in [nil, 530, 554] as [Int?] {
            let r = BounceScore.clean.applying(.expired(lastCode: code, on: d0))
            #expect(!r.counted, "\(String(describing: code))")
            #expect(r.state == .clean)
            #expect(r.actions.count == 1)
        }
    }

    @Test func theReplyTextDecidesHardOrSoft() {
        #expect(BounceScoreEvent.smtpRejected(code: 550, reply: "550 5.1.1 <x@y.example>: Recipient address rejected: User unknown", on: d0)
                == .smtpRejected(code: 550, hard: true, on: d0))
        #expect(BounceScoreEvent.smtpRejected(code: 552, reply: "552 5.2.2 Mailbox full", on: d0)
                == .smtpRejected(code: 552, hard: false, on: d0))
        #expect(BounceScoreEvent.smtpRejected(code: 554, reply: "554 5.7.1 Client host blocked using zen.spamhaus.org", on: d0)
                == .smtpRejected(code: 554, hard: false, on: d0))
    }

    @Test func aLaterAcceptanceClearsSMTPRefusals() {
        let (state, _) = run([.smtpRejected(code: 552, hard: false, on: d0), .smtpRejected(code: 552, hard: false, on: day(1))])
        #expect(state.score == 1)
        let accepted = state.applying(.delivered(on: day(2)))
        #expect(accepted.state == .clean)
        #expect(accepted.actions.first == .clear)
    }

    @Test func aRelaysAcceptanceDoesNotClearBounceReports() {
        // Through a relay every message gets a 250 and the report comes later: a 250 the next
        // morning says nothing about the address.
        let (state, _) = run([.bounce(hard: true, on: d0), .bounce(hard: true, on: day(1))])
        let accepted = state.applying(.delivered(on: day(2)))
        #expect(accepted.state == state)
        #expect(accepted.actions.isEmpty)
        // Unless the score is stale by then.
        let muchLater = state.applying(.delivered(on: day(20)))
        #expect(muchLater.state == .clean)
        #expect(muchLater.actions.contains(.clear))
    }

    @Test func aReplyFromTheParentClearsAnyScore() {
        let (state, _) = run([.bounce(hard: true, on: d0), .smtpRejected(code: 550, hard: true, on: day(1))])
        let replied = state.applying(.replied(on: day(1)))
        #expect(replied.state == .clean)
        #expect(replied.actions.contains(.clear))
        #expect(!replied.counted)
    }

    @Test func nothingToClearDoesNothing() {
        #expect(BounceScore.clean.applying(.delivered(on: d0)).actions.isEmpty)
        #expect(BounceScore.clean.applying(.replied(on: d0)).actions.isEmpty)
    }

    @Test func scoresPrintPlainly() {
        #expect(BounceScore.text(5) == "5")
        #expect(BounceScore.text(2.5) == "2.5")
    }
}
