import Foundation
import KizunaCore
import KizunaStore

/// `kizuna born|loss|pause|resume EMAIL …`: what a parent may say by mail, said for them by an
/// administrator (the clinic was told by telephone, or by signed mail). The lifecycle decides
/// exactly as for the parent's own mail; its ledger writes are carried out, but no mail goes to
/// the parent (the administrator speaks with the family), and a decision that changes nothing
/// (`resume` when not paused, a birth date refused) is an error saying why.
public struct ParentLifecycleAdmin {
    let instance: Instance
    public init(instance: Instance) { self.instance = instance }

    /// A change to a parent's subscriptions, in the CLI's words.
    public enum Change: Sendable, Equatable {
        case born(CivilDate)
        case loss
        case pause(until: CivilDate?)
        case resume

        /// The command line that says it.
        func words(_ address: EmailAddress) -> String {
            switch self {
            case .born(let d): return "born \(address) \(d.iso)"
            case .loss: return "loss \(address)"
            case .pause(let until): return "pause \(address)\(until.map { " --until \($0.iso)" } ?? "")"
            case .resume: return "resume \(address)"
            }
        }

        /// The parent's command that says the same.
        var mailCommand: MailCommand {
            switch self {
            case .born(let d): return .born(.success(d))
            // The administrator's words do not say which child: every pregnancy and child subscription ends.
            case .loss: return .loss(.unspecified)
            case .pause(let until): return .pause(until: until.map { .success($0) })
            case .resume: return .resume(nil)
            }
        }
    }

    /// Carries out `change` for the address (in `edition`, or the address's first edition when
    /// nil) in a transaction of its own; returns the summary line.
    public func apply(_ change: Change, email: String, edition: String?) throws -> String {
        let detail = try AdminInput.subscriber(email, edition: edition) { try instance.store().subscriber(address: $0, edition: edition) }
        return try instance.store().inTransaction { tx in
            let said = try apply(change, to: detail.subscriber.address, edition: detail.subscriber.edition, in: tx)
            // The lifecycle's events read as a parent's; this one says the administrator spoke.
            try tx.recordEvent(.adminCommand, subscriberID: detail.subscriber.id, detail: "cli: \(change.words(detail.subscriber.address))",
                               messageID: nil, at: instance.clock.now())
            return said
        }
    }

    /// Carries out `change` for the address's subscriber in `edition` inside `tx`; returns the
    /// summary line, or throws (65) when there is no such subscriber or nothing would change.
    public func apply(_ change: Change, to address: EmailAddress, edition: String, in tx: LedgerTransaction) throws -> String {
        let now = instance.clock.now()
        let today = instance.today(edition: edition, at: now)
        // A parent's pause end is checked where their mail is read (a later day, within a year): the same rule here.
        if case .pause(let until?) = change, case .failure(let p) = JapaneseDateParser.parseDate(until.iso, today: today, kind: .pauseEnd) {
            throw JobError("--until: \(Self.explain(p.code)); nothing changed", exitCode: ExitStatus.dataError)
        }
        let state = try tx.senderState(address: address, edition: edition, today: today)
        guard let detail = state.detail else {
            throw JobError("no subscriber \(address) in edition \(edition)", exitCode: ExitStatus.dataError)
        }
        let language = ReplyLanguage(code: detail.subscriber.language)
        let lifecycleState = LifecycleState(subscriber: PollJob.Worker.lifecycleSubscriber(detail, state), autoRepliesToday: 0)
        let (_, actions) = Lifecycle.handle(.command(change.mailCommand, language: language, from: address, messageID: nil),
                                            state: lifecycleState, today: today,
                                            limits: LifecycleLimits(autoRepliesPerDay: .max, defaultLanguage: language))
        let records = actions.compactMap { if case .recordEvent(let r) = $0 { return r } else { return nil } }
        let said = records.map { "\($0.kind.rawValue)\($0.detail.isEmpty ? "" : " (\($0.detail))")" }.joined(separator: "; ")
        let writes = actions.filter(Self.writesTheLedger)
        guard writes.allSatisfy(Self.isAllowed) else {
            throw JobError("\(address) is \(detail.subscriber.status.rawValue): \(said); nothing changed", exitCode: ExitStatus.dataError)
        }
        guard writes.contains(where: { if case .recordEvent = $0 { return false } else { return true } }) else {
            let dateProblem = actions.lazy.compactMap { if case .reply(.dateError(let p), _) = $0 { return p } else { return nil } }.first
            let why = dateProblem.map { Self.explain($0.code) } ?? (said.isEmpty ? "nothing to do" : said)
            throw JobError("\(address): \(why); nothing changed", exitCode: ExitStatus.dataError)
        }
        var sender = CommandSender(address: address, edition: edition, subscriberID: detail.subscriber.id, messageID: nil)
        for action in writes { try tx.carryOut(action, for: &sender, today: today, at: now) }
        return "\(address): \(said)"
    }

    /// What is wrong with a date, in the administrator's words (the parent's are the catalog's phrases).
    static func explain(_ code: DateParseProblem.Code) -> String {
        switch code {
        case .outOfRange(let problem): return "\(problem)"
        case .birthLongBeforeDue(let birth, let due):
            return "the birth date \(birth.iso) is more than \(Lifecycle.birthMaxWeeksBeforeDue) weeks before the due date \(due.iso)"
        case .pauseEndNotAhead(let d): return "the pause would end on \(d.iso), which is not after today"
        case .pauseEndTooFar(let d): return "the pause would end on \(d.iso), more than a year ahead"
        default: return "\(code)"
        }
    }

    /// Everything but the mail the lifecycle would send the parent.
    static func writesTheLedger(_ action: LifecycleAction) -> Bool {
        switch action {
        case .sendConfirmationRequest, .sendCommandConfirmationRequest, .sendWelcome, .sendFarewell, .reply: return false
        default: return true
        }
    }

    /// The writes an administrator's word may cause; a subscriber who has not confirmed (whose
    /// `born` would start a new pending subscription) is not changed this way.
    static func isAllowed(_ action: LifecycleAction) -> Bool {
        switch action {
        case .createPending, .holdCommand, .activate, .addSubscription: return false
        default: return true
        }
    }
}
