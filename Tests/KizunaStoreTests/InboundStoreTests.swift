import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

/// The inbound ledger (v2-inbound): a message is applied once, by place and by Message-ID.
@Suite struct InboundStoreTests {
    let day = CivilDate(iso: "2026-11-25")!
    let at = Date(timeIntervalSince1970: 1_795_000_000)
    let sender = try! EmailAddress(parsing: "parent@families.example")

    func apply(_ store: Store, uid: UInt32, messageID: String?, actions: [LifecycleAction]) throws -> InboundApplication {
        try store.applyInbound(place: InboundPlace(mailbox: "INBOX", uidValidity: 3, uid: uid), messageID: messageID, kind: .command,
                               sender: sender, edition: "sakura", decision: "{}", actions: actions, today: day, at: at,
                               welcomeItems: { _ in [] },
                               render: { r in SystemMailContent(mailFrom: "k@clinic.example", messageID: "m\(r.deliveryID)@clinic.example",
                                                                subject: "s", bytes: Array("mail".utf8)) })
    }

    let subscribe: [LifecycleAction] = [
        .createPending(PendingSubscription(track: .pregnancy, anchor: CivilDate(iso: "2027-05-01")!, language: .ja)),
        .sendConfirmationRequest(previousExpired: false),
    ]

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
            try store.applyInbound(place: InboundPlace(mailbox: "INBOX", uidValidity: 3, uid: 1), messageID: "b@x", kind: .command,
                                   sender: sender, edition: "sakura", decision: "{}", actions: subscribe, today: day, at: at,
                                   welcomeItems: { _ in [] }, render: { _ in throw Boom() })
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
            InboundCommand(place: InboundPlace(mailbox: "INBOX", uidValidity: 3, uid: UInt32(uid)), messageID: "m\(uid)@x", kind: .command,
                           sender: from, edition: "sakura", decision: "{}", decide: { state in
                               // The third message sees what the first one did.
                               state.detail == nil ? subscribe : [.recordEvent(LifecycleRecord(kind: .awaitingConfirmation, detail: "", messageID: nil))]
                           })
        }
        let results = try store.applyInbound(items, today: day, at: at, welcomeItems: { _ in [] }, render: { r in
            if r.subscriber.address == other { throw Boom() }
            return SystemMailContent(mailFrom: "k@clinic.example", messageID: "m\(r.deliveryID)@clinic.example", subject: "s", bytes: [1])
        })
        #expect(results.count == 3)
        #expect((try? results[0].get())?.applied == true)
        #expect((try? results[1].get()) == nil)
        #expect((try? results[2].get())?.mail.isEmpty == true)
        #expect(try store.inboundMessages().map(\.place.uid) == [1, 3])
        #expect(try store.senderState(address: other, edition: "sakura", today: day).detail == nil)
        #expect(try store.senderState(address: sender, edition: "sakura", today: day).detail?.events.contains { $0.kind == .awaitingConfirmation } == true)
        #expect(try store.lastUID(mailbox: "INBOX", uidValidity: 3) == 3)
    }

    @Test func theLedgerRefusesASecondRowForAPlaceOrAMessageID() throws {
        let store = try Store.inMemory()
        try store.recordInboundFetched(place: InboundPlace(mailbox: "INBOX", uidValidity: 3, uid: 1), messageID: "c@x", size: 10, at: at)
        for sql in ["INSERT INTO inbound_messages (mailbox, uidvalidity, uid, status, fetched_at, updated_at) VALUES ('INBOX', 3, 1, 'fetched', 't', 't')",
                    "INSERT INTO inbound_messages (mailbox, uidvalidity, uid, message_id, status, fetched_at, updated_at) VALUES ('INBOX', 3, 2, 'c@x', 'fetched', 't', 't')",
                    "INSERT INTO inbound_messages (mailbox, uidvalidity, uid, status, fetched_at, updated_at) VALUES ('INBOX', 3, 3, 'done', 't', 't')"] {
            #expect(throws: DatabaseError.self) { try store.writer.write { db in try db.execute(sql: sql) } }
        }
    }
}
