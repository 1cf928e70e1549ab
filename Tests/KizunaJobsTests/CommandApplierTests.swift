import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaStore
import Testing

/// Applying parents' commands with the real store (in memory): a message is applied once, by
/// place and by Message-ID; a failing one leaves nothing behind. (Moved from KizunaStoreTests'
/// InboundStoreTests when the composition moved from the store to `CommandApplier`.)
@Suite struct CommandApplierTests {
    let day = CivilDate(iso: "2026-11-25")!
    let at = Date(timeIntervalSince1970: 1_795_000_000)
    let sender = try! EmailAddress(parsing: "parent@families.example")

    let subscribe: [LifecycleAction] = [
        .createPending(PendingSubscription(track: .pregnancy, anchor: CivilDate(iso: "2027-05-01")!, language: .ja)),
        .sendConfirmationRequest(previousExpired: false),
    ]

    func applier(render: @escaping (SystemMailRequest) throws -> SystemMailContent = { r in
        SystemMailContent(mailFrom: "k@clinic.example", messageID: "m\(r.deliveryID)@clinic.example", subject: "s", bytes: Array("mail".utf8))
    }) -> CommandApplier {
        CommandApplier(today: day, at: at, welcomeItems: { _, _, _ in [] }, render: render)
    }

    func command(uid: UInt32, messageID: String?, from: EmailAddress? = nil,
                 decide: @escaping (SenderState) -> [LifecycleAction]) -> InboundCommand {
        InboundCommand(place: InboundPlace(mailbox: "INBOX", uidValidity: 3, uid: uid), messageID: messageID, kind: .command,
                       sender: from ?? sender, edition: "sakura", decision: "{}", decide: decide)
    }

    func apply(_ store: Store, uid: UInt32, messageID: String?, actions: [LifecycleAction]) throws -> InboundApplication {
        try #require(try applier().apply([command(uid: uid, messageID: messageID) { _ in actions }], in: store).first).get()
    }

    @Test func aMessageIsAppliedOnceByPlaceAndByMessageID() throws {
        let store = try Store.inMemory()
        let first = try apply(store, uid: 5, messageID: "a@x", actions: subscribe)
        #expect(first.applied)
        #expect(first.mail.count == 1)
        #expect(try apply(store, uid: 5, messageID: "a@x", actions: subscribe).applied == false)
        #expect(try apply(store, uid: 9, messageID: "a@x", actions: subscribe).applied == false)
        #expect(try store.inboundMessages().map(\.status) == [.applied])
        #expect(try store.lastUID(mailbox: "INBOX", uidValidity: 3) == 9)
        let state = try store.senderState(address: sender, edition: "sakura", today: day)
        #expect(state.detail?.subscriber.status == .pending)
        #expect(state.autoRepliesToday == 1)
        #expect(state.lastConfirmationRequest == day)
        #expect(try store.pendingSystemMail().count == 1)
        try store.markSystemMailQueued(first.mail, at: at)
        #expect(try store.pendingSystemMail().isEmpty)
    }

    @Test func aFailingRenderLeavesNothingBehind() throws {
        struct Boom: Error {}
        let store = try Store.inMemory()
        #expect(throws: Boom.self) {
            try applier(render: { _ in throw Boom() }).apply([command(uid: 1, messageID: "b@x") { _ in subscribe }], in: store)[0].get()
        }
        #expect(try store.inboundMessages().isEmpty)
        #expect(try store.senderState(address: sender, edition: "sakura", today: day).detail == nil)
        #expect(try store.lastUID(mailbox: "INBOX", uidValidity: 3) == 0)
    }

    @Test func aChunkCommitsOnceAndAFailingMessageLeavesTheOthersStanding() throws {
        struct Boom: Error {}
        let store = try Store.inMemory()
        let other = try EmailAddress(parsing: "other@families.example")
        let items = [(1, sender), (2, other), (3, sender)].map { uid, from in
            command(uid: UInt32(uid), messageID: "m\(uid)@x", from: from) { state in
                // The third message sees what the first one did.
                state.detail == nil ? subscribe : [.recordEvent(LifecycleRecord(kind: .awaitingConfirmation, detail: "", messageID: nil))]
            }
        }
        let results = try applier(render: { r in
            if r.subscriber.address == other { throw Boom() }
            return SystemMailContent(mailFrom: "k@clinic.example", messageID: "m\(r.deliveryID)@clinic.example", subject: "s", bytes: [1])
        }).apply(items, in: store)
        #expect(results.count == 3)
        #expect((try? results[0].get())?.applied == true)
        #expect((try? results[1].get()) == nil)
        #expect((try? results[2].get())?.mail.isEmpty == true)
        #expect(try store.inboundMessages().map(\.place.uid) == [1, 3])
        #expect(try store.senderState(address: other, edition: "sakura", today: day).detail == nil)
        #expect(try store.senderState(address: sender, edition: "sakura", today: day).detail?.events.contains { $0.kind == .awaitingConfirmation } == true)
        #expect(try store.lastUID(mailbox: "INBOX", uidValidity: 3) == 3)
    }
}

/// `CommandApplier`'s composition against a double of the ledger: the order of the writes,
/// without SQLite.
@Suite struct CommandApplierOrderTests {
    /// Records each call; answers like an empty ledger.
    final class RecordingLedger: CommandLedger {
        var calls: [String] = []
        var handled: InboundRecord?
        var nextID: Int64 = 100

        func inSavepoint<T>(_ body: () throws -> T) throws -> Result<T, Error> {
            calls.append("savepoint")
            return Result { try body() }
        }
        func inbound(place: InboundPlace, messageID: String?) throws -> InboundRecord? { handled }
        func recordFetched(place: InboundPlace, messageID: String?, at: Date) throws -> Int64 { calls.append("fetched \(place.uid)"); return 7 }
        func senderState(address: EmailAddress, edition: String, today: CivilDate) throws -> SenderState {
            calls.append("state")
            return SenderState(detail: nil, autoRepliesToday: 0, lastConfirmationRequest: nil)
        }
        func subscriberID(address: EmailAddress, edition: String) throws -> Int64? { nil }
        func carryOut(_ action: LifecycleAction, for sender: inout CommandSender, today: CivilDate, at: Date) throws {
            if case .createPending = action { sender.subscriberID = 1 }
            calls.append("carry out " + "\(action)".prefix { $0 != "(" })
        }
        func activeSubscriptions(subscriberID: Int64) throws -> [SubscriptionRecord] { [] }
        func addContact(_ sender: inout CommandSender, language: String, at: Date) throws {
            sender.subscriberID = 2
            calls.append("contact \(language)")
        }
        func subscriber(id: Int64) throws -> (SubscriberRecord, [SubscriptionRecord]) {
            calls.append("read subscriber \(id)")
            return (SubscriberRecord(id: id, address: try EmailAddress(parsing: "parent@families.example"), edition: "sakura",
                                     language: "ja", area: nil, status: .pending, createdAt: .distantPast, updatedAt: .distantPast), [])
        }
        func planSystemMail(subscriberID: Int64, recipient: String, items: [ItemPlan], today: CivilDate, at: Date) throws -> Int64 {
            nextID += 1
            calls.append("plan \(nextID) to \(subscriberID)")
            return nextID
        }
        func storeSystemMail(deliveryID: Int64, inboundID: Int64?, purpose: String, content: SystemMailContent) throws {
            calls.append("store \(deliveryID) \(purpose) from inbound \(inboundID ?? 0)")
        }
        func countAutomaticMails(to address: EmailAddress, today: CivilDate, count: Int) throws { calls.append("count \(count)") }
        func markApplied(inboundID: Int64, kind: InboundKind, sender: EmailAddress, subscriberID: Int64?, decision: String, at: Date) throws {
            calls.append("applied \(inboundID) subscriber \(subscriberID ?? 0)")
        }
        func advancePosition(past place: InboundPlace, at: Date) throws { calls.append("position \(place.uid)") }
    }

    let applier = CommandApplier(today: CivilDate(iso: "2026-11-25")!, at: Date(timeIntervalSince1970: 1_795_000_000), welcomeItems: { _, _, _ in [] },
                                 render: { r in SystemMailContent(mailFrom: "k@x", messageID: "m\(r.deliveryID)@x", subject: "s", bytes: []) })

    func command(_ actions: [LifecycleAction]) throws -> InboundCommand {
        InboundCommand(place: InboundPlace(mailbox: "INBOX", uidValidity: 3, uid: 4), messageID: "a@x", kind: .command,
                       sender: try EmailAddress(parsing: "parent@families.example"), edition: "sakura", decision: "{}", decide: { _ in actions })
    }

    @Test func theActionsComeFirstThenTheMailThenTheLedgerAndThePosition() throws {
        let ledger = RecordingLedger()
        let actions: [LifecycleAction] = [
            .createPending(PendingSubscription(track: .pregnancy, anchor: CivilDate(iso: "2027-05-01")!, language: .ja)),
            .sendConfirmationRequest(previousExpired: false),
            .recordEvent(LifecycleRecord(kind: .subscribeRequested, detail: "", messageID: "a@x")),
        ]
        let result = try applier.apply([try command(actions)], in: ledger)
        #expect(try result[0].get().mail.map(\.deliveryID) == [101])
        #expect(ledger.calls == [
            "savepoint", "fetched 4", "state", "carry out createPending", "carry out recordEvent",
            "read subscriber 1", "plan 101 to 1", "store 101 confirm from inbound 7", "count 1", "applied 7 subscriber 1", "position 4",
        ])
    }

    @Test func aStrangerWhoGetsAReplyBecomesAContactFirst() throws {
        let ledger = RecordingLedger()
        _ = try applier.apply([try command([.reply(.help, language: .en)])], in: ledger)
        #expect(ledger.calls.drop(while: { $0 != "contact ja" }).prefix(3) == ["contact ja", "read subscriber 2", "plan 101 to 2"])
    }

    @Test func aMessageAlreadyHandledOnlyMovesThePosition() throws {
        let ledger = RecordingLedger()
        ledger.handled = InboundRecord(id: 3, place: InboundPlace(mailbox: "INBOX", uidValidity: 3, uid: 2), messageID: "a@x",
                                       status: .applied, kind: .command, decision: "{}")
        let result = try applier.apply([try command([.resume])], in: ledger)
        #expect(try result[0].get().applied == false)
        #expect(ledger.calls == ["savepoint", "position 4"])
    }
}
