import Foundation
import KizunaCore
import KizunaStore

/// One parent's message to apply: where it is, who sent it, and how to decide its actions from
/// the sender's state (read inside the applying transaction).
struct InboundCommand {
    var place: InboundPlace
    var messageID: String?
    var kind: InboundKind
    var sender: EmailAddress
    var edition: String
    /// The reader's decision (JSON), kept in the inbound ledger.
    var decision: String
    var decide: (SenderState) -> [LifecycleAction]
}

/// A system mail planned while carrying out a message's actions, to be rendered from the
/// subscriber as the actions left it.
public struct SystemMailRequest: Sendable {
    public var deliveryID: Int64
    /// The action that asked for it: `.sendConfirmationRequest`, `.sendWelcome` or `.reply`.
    public var action: LifecycleAction
    public var subscriber: SubscriberRecord
    public var subscriptions: [SubscriptionRecord]
    /// The ledger items a welcome carries (today's message), already recorded as included.
    public var items: [ItemPlan]
}

/// The outcome of applying one inbound message.
struct InboundApplication: Sendable {
    /// False when the ledger already had the message as handled: nothing was done again.
    var applied: Bool
    var subscriberID: Int64?
    var mail: [PendingSystemMail]
}

/// What applying parents' commands drives in the store, inside one write transaction: the
/// store's `LedgerTransaction`, or a double in tests.
protocol CommandLedger {
    func inSavepoint<T>(_ body: () throws -> T) throws -> Result<T, Error>
    func inbound(place: InboundPlace, messageID: String?) throws -> InboundRecord?
    func recordFetched(place: InboundPlace, messageID: String?, at: Date) throws -> Int64
    func senderState(address: EmailAddress, edition: String, today: CivilDate) throws -> SenderState
    func subscriberID(address: EmailAddress, edition: String) throws -> Int64?
    func carryOut(_ action: LifecycleAction, for sender: inout CommandSender, today: CivilDate, at: Date) throws
    func activeSubscriptions(subscriberID: Int64) throws -> [SubscriptionRecord]
    func addContact(_ sender: inout CommandSender, language: String, at: Date) throws
    func subscriber(id: Int64) throws -> (SubscriberRecord, [SubscriptionRecord])
    func planSystemMail(subscriberID: Int64, recipient: String, items: [ItemPlan], today: CivilDate, at: Date) throws -> Int64
    func storeSystemMail(deliveryID: Int64, inboundID: Int64?, purpose: String, content: SystemMailContent) throws
    func countAutomaticMails(to address: EmailAddress, today: CivilDate, count: Int) throws
    func markApplied(inboundID: Int64, kind: InboundKind, sender: EmailAddress, subscriberID: Int64?, decision: String, at: Date) throws
    func advancePosition(past place: InboundPlace, at: Date) throws
}

extension LedgerTransaction: CommandLedger {}

/// Carries out parents' commands. Each message's lifecycle actions (decided from its sender's
/// state as the messages before it left it), the system mail they ask for (rendered from the
/// subscriber as the actions left it), the count of automatic mails, the ledger's `applied` and
/// the IMAP position are written in ONE transaction — a savepoint each within a chunk — so a
/// crash never applies a message twice nor half, and a reply is committed with the command
/// that caused it. A message the ledger already has as handled (by place or Message-ID)
/// changes nothing.
struct CommandApplier {
    var today: CivilDate
    var at: Date
    /// The ledger items a welcome carries (the message of `today`, the last argument) for the
    /// active subscriptions, on the schedule of the subscriber's edition (the second argument).
    var welcomeItems: ([SubscriptionRecord], _ edition: String, CivilDate) -> [ItemPlan]
    /// Turns a planned system mail into MIME (inside the transaction; it must not call the store).
    var render: (SystemMailRequest) throws -> SystemMailContent
    /// The local date of a message to an edition (the edition's `time_zone`); nil: `today` for all.
    var todayOf: ((_ edition: String) -> CivilDate)? = nil

    /// Applies a chunk in ONE transaction (one commit for all: the ledger's group commit), each
    /// message in a savepoint of its own: one that fails leaves nothing behind and the others
    /// stand. Returns one result per message.
    func apply(_ commands: [InboundCommand], in store: Store) throws -> [Result<InboundApplication, Error>] {
        guard !commands.isEmpty else { return [] }
        return try store.inTransaction { tx in try apply(commands, in: tx) }
    }

    func apply(_ commands: [InboundCommand], in ledger: some CommandLedger) throws -> [Result<InboundApplication, Error>] {
        try commands.map { command in try ledger.inSavepoint { try apply(command, in: ledger) } }
    }

    func apply(_ command: InboundCommand, in ledger: some CommandLedger) throws -> InboundApplication {
        // A message is read on its edition's day: a pause "until" or a birth date is judged by it.
        if let todayOf, case let day = todayOf(command.edition), day != today {
            var onItsDay = self
            onItsDay.today = day
            onItsDay.todayOf = nil
            return try onItsDay.apply(command, in: ledger)
        }
        guard let inboundID = try admit(command, ledger) else {
            return InboundApplication(applied: false, subscriberID: nil, mail: [])
        }
        let actions = command.decide(try ledger.senderState(address: command.sender, edition: command.edition, today: today))
        var sender = CommandSender(address: command.sender, edition: command.edition,
                                   subscriberID: try ledger.subscriberID(address: command.sender, edition: command.edition),
                                   messageID: command.messageID)
        let mail = try carryOut(actions, for: &sender, ledger)
        let pending = try plan(mail, for: &sender, inboundID: inboundID, ledger)
        try ledger.markApplied(inboundID: inboundID, kind: command.kind, sender: command.sender, subscriberID: sender.subscriberID,
                               decision: command.decision, at: at)
        try ledger.advancePosition(past: command.place, at: at)
        return InboundApplication(applied: true, subscriberID: sender.subscriberID, mail: pending)
    }

    /// Carries out actions no message caused (the batch's end of a track): the ledger's
    /// writes, then the mail they ask for, planned, rendered and stored. Returns that mail.
    func apply(_ actions: [LifecycleAction], for sender: inout CommandSender, in ledger: some CommandLedger) throws -> [PendingSystemMail] {
        let mail = try carryOut(actions, for: &sender, ledger)
        return try plan(mail, for: &sender, inboundID: nil, ledger)
    }

    /// The message's inbound ledger row, recorded as fetched when it is new; nil when the
    /// message was already handled (the position still moves past this place).
    private func admit(_ command: InboundCommand, _ ledger: some CommandLedger) throws -> Int64? {
        guard let row = try ledger.inbound(place: command.place, messageID: command.messageID) else {
            return try ledger.recordFetched(place: command.place, messageID: command.messageID, at: at)
        }
        guard row.status == .fetched else {
            try ledger.advancePosition(past: command.place, at: at)
            return nil
        }
        return row.id
    }

    /// A mail an action asks for, and the ledger items it carries.
    private typealias MailPlan = (action: LifecycleAction, items: [ItemPlan])

    /// Writes the actions in order; returns the mail they ask for.
    private func carryOut(_ actions: [LifecycleAction], for sender: inout CommandSender,
                          _ ledger: some CommandLedger) throws -> [MailPlan] {
        var mail: [MailPlan] = []
        // A loss from an address with no subscriber is kept with a contact row (as a reply's
        // address is), so that the daily report can name it for a person to follow up.
        if sender.subscriberID == nil, actions.contains(where: Self.recordsALoss) {
            try ledger.addContact(&sender, language: "ja", at: at)
        }
        for action in actions {
            switch action {
            case .sendConfirmationRequest, .sendCommandConfirmationRequest, .reply, .sendFarewell:
                mail.append((action, []))
            case .sendWelcome:
                // The welcome carries today's message of the subscriptions active at this point.
                guard let id = sender.subscriberID else { continue }
                mail.append((action, welcomeItems(try ledger.activeSubscriptions(subscriberID: id), sender.edition, today)))
            default:
                try ledger.carryOut(action, for: &sender, today: today, at: at)
            }
        }
        return mail
    }

    /// Plans, renders and stores each mail (a sender without a subscriber gets a contact row
    /// to address it to) and counts them as automatic mails.
    private func plan(_ mail: [MailPlan], for sender: inout CommandSender, inboundID: Int64?,
                      _ ledger: some CommandLedger) throws -> [PendingSystemMail] {
        guard !mail.isEmpty else { return [] }
        if sender.subscriberID == nil { try ledger.addContact(&sender, language: "ja", at: at) }
        let id = sender.subscriberID!
        let (subscriber, subscriptions) = try ledger.subscriber(id: id)
        let recipient = subscriber.address.smtpPath
        var pending: [PendingSystemMail] = []
        for (action, items) in mail {
            let deliveryID = try ledger.planSystemMail(subscriberID: id, recipient: recipient, items: items, today: today, at: at)
            let content = try render(SystemMailRequest(deliveryID: deliveryID, action: action, subscriber: subscriber,
                                                       subscriptions: subscriptions, items: items))
            try ledger.storeSystemMail(deliveryID: deliveryID, inboundID: inboundID, purpose: Self.purpose(action), content: content)
            pending.append(PendingSystemMail(deliveryID: deliveryID, recipient: recipient, content: content, edition: subscriber.edition))
        }
        try ledger.countAutomaticMails(to: sender.address, today: today, count: mail.count)
        return pending
    }

    static func recordsALoss(_ action: LifecycleAction) -> Bool {
        guard case .recordEvent(let r) = action else { return false }
        return r.kind == .loss || r.kind == .lossReported
    }

    /// The purpose a system mail is stored under (`confirm` counts for the confirmation limit).
    static func purpose(_ action: LifecycleAction) -> String {
        switch action {
        case .sendConfirmationRequest: return "confirm"
        case .sendCommandConfirmationRequest: return "confirm command"
        case .sendWelcome: return "welcome"
        case .sendFarewell: return "farewell"
        case .reply(let kind, _): return "reply \(String(describing: kind).prefix(60))"
        default: return "other"
        }
    }
}
