import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import XCTest

/// An edition's own mailbox (`[edition.imap]`): its mail acts on that edition alone, whatever
/// its To says; mail there written to another edition is set aside, but a stop or a loss report
/// is honoured for the edition it was written to; the binding survives a crash
/// between the fetch and the processing; a mailbox that cannot be read does not stop the others.
final class EditionMailboxPollTests: XCTestCase {
    let day = CivilDate(iso: "2026-11-25")!

    /// A `FakeMailbox` kept under another name in the store and `spool/inbound`.
    final class NamedMailbox: InboundMailbox {
        let name: String
        let box = FakeMailbox()
        init(name: String) { self.name = name }
        func uidValidity() throws -> UInt32 { try box.uidValidity() }
        func search(uidFrom: UInt32) throws -> [UInt32] { try box.search(uidFrom: uidFrom) }
        func fetch(uid: UInt32) throws -> [UInt8] { try box.fetch(uid: uid) }
        func file(uids: [UInt32], handled: Bool) throws { try box.file(uids: uids, handled: handled) }
    }

    let config = maildirConfig() + """

        [[edition]]
        id = "town"
        name = "Town"
        address = "kizuna@town.example"
        languages = ["ja", "en"]

        [edition.imap]
        url = "imap://127.0.0.1:1143"
        username = "kizuna@town.example"
        password_env = "KIZUNA_TEST_IMAP_PASSWORD"
        """

    func testAnEditionsOwnMailboxActsOnItAloneAndSetsAsideMailWrittenToAnother() throws {
        let night = try NightInstance(config: config)
        let store = try night.store
        func status(_ email: String, _ edition: String) throws -> SubscriberStatus? {
            try store.subscriber(address: try EmailAddress(parsing: email), edition: edition)?.subscriber.status
        }
        let due = day.adding(days: 140)
        for edition in ["sakura", "town"] { try night.add("both@families.example", track: .pregnancy, anchor: due, edition: edition, today: day) }
        try night.add("sakura@families.example", track: .pregnancy, anchor: due, edition: "sakura", today: day)
        try night.add("sakura-stop@families.example", track: .pregnancy, anchor: due, edition: "sakura", today: day)
        try night.add("sakura-loss@families.example", track: .pregnancy, anchor: due, edition: "sakura", today: day)

        let shared = FakeMailbox()
        let town = NamedMailbox(name: Instance.ledgerName(mailbox: "INBOX", edition: "town"))
        XCTAssertEqual(town.name, "edition:town:INBOX")
        // Fetched into spool/inbound under the town's mailbox before a crash: still the town's
        // after it (with no edition's address in To, a shared mailbox would take the first edition's).
        let stop = parentMail(from: "both@families.example", to: "undisclosed-recipients:;", subject: "stop", body: "", messageID: "crash@families.example")
        let uid = town.box.deliver(stop)
        let inbound = try InboundSpool(root: night.spoolRoot)
        try inbound.write(stop, name: InboundSpool.name(mailbox: town.name, uidValidity: 7, uid: uid))
        try store.recordInboundFetched(place: InboundPlace(mailbox: town.name, uidValidity: 7, uid: uid), messageID: "crash@families.example",
                                       size: stop.count, at: noonInTokyo(day))
        shared.deliver(parentMail(from: "p-shared@families.example", to: "kizuna@clinic.example", subject: "subscribe", body: "due \(due.iso)"))
        town.box.deliver(parentMail(from: "p-town@families.example", to: "kizuna@town.example", subject: "subscribe", body: "due \(due.iso)"))
        // Bcc'd: no edition's address in To, and still the town's.
        town.box.deliver(parentMail(from: "p-bcc@families.example", to: "friends@families.example", subject: "subscribe", body: "due \(due.iso)"))
        // Written to sakura's address, found in the town's mailbox: set aside, sakura's family untouched.
        let aside = town.box.deliver(parentMail(from: "sakura@families.example", to: "kizuna@clinic.example", subject: "status", body: "",
                                                messageID: "aside@families.example"))
        // But a stop written there is honoured for sakura (a stop is honoured wherever a parent asked for it).
        let stopAside = town.box.deliver(parentMail(from: "sakura-stop@families.example", to: "kizuna@clinic.example", subject: "stop", body: "",
                                                    messageID: "stop-aside@families.example"))
        let lossAside = town.box.deliver(parentMail(from: "sakura-loss@families.example", to: "kizuna@clinic.example", subject: "", body: "流産しました。",
                                                    messageID: "loss-aside@families.example"))

        let dead = PolledMailbox(edition: "sakura", label: "edition dead") {
            throw JobError("cannot read the IMAP mailbox: connection refused", exitCode: ExitStatus.unavailable)
        }
        night.instance.testClock.set(noonInTokyo(day))
        XCTAssertThrowsError(try PollJob(instance: night.instance).run(mailboxes: [
            PolledMailbox(edition: nil, label: "[imap]") { shared },
            dead,
            PolledMailbox(edition: "town", label: "edition town") { town },
        ])) { error in
            let e = error as? JobError
            XCTAssertEqual(e?.exitCode, ExitStatus.unavailable)
            XCTAssertTrue(e?.message.hasPrefix("edition dead: cannot read the IMAP mailbox") ?? false, e?.message ?? "\(error)")
            XCTAssertTrue(e?.message.contains("1 set aside") ?? false, e?.message ?? "")
        }
        // The mailboxes before and after the dead one were read all the same.
        XCTAssertEqual(try status("p-shared@families.example", "sakura"), .pending)
        XCTAssertNil(try status("p-shared@families.example", "town"))
        XCTAssertEqual(try status("p-town@families.example", "town"), .pending)
        XCTAssertEqual(try status("p-bcc@families.example", "town"), .pending)
        XCTAssertNil(try status("p-bcc@families.example", "sakura"))
        XCTAssertEqual(try status("sakura@families.example", "sakura"), .active, "mail set aside acts on nobody")
        XCTAssertEqual(town.box.filed[aside], false, "filed with what could not be handled")
        // Its Message-ID is only in the decision: a copy in sakura's own mailbox would still be read.
        XCTAssertEqual(try store.inboundMessages().first { $0.decision?.contains("\"aside@families.example\"") ?? false }?.status, .ignored)
        XCTAssertNil(try store.inbound(place: InboundPlace(mailbox: "other", uidValidity: 1, uid: 1), messageID: "aside@families.example"))
        XCTAssertEqual(try status("sakura-stop@families.example", "sakura"), .stopped, "a stop is never set aside")
        XCTAssertNil(try status("sakura-stop@families.example", "town"))
        XCTAssertEqual(town.box.filed[stopAside], true)
        let lost = try XCTUnwrap(try store.subscriber(address: try EmailAddress(parsing: "sakura-loss@families.example"), edition: "sakura"))
        XCTAssertEqual(lost.subscriptions.map(\.endReason), [.loss], "a loss report is never set aside")
        XCTAssertEqual(town.box.filed[lossAside], true)
        XCTAssertEqual(try status("both@families.example", "town"), .stopped, "the crashed message kept its mailbox's edition")
        XCTAssertEqual(try status("both@families.example", "sakura"), .active)
        XCTAssertTrue(inbound.waiting().isEmpty)
        XCTAssertEqual(try store.lastUID(mailbox: "edition:town:INBOX", uidValidity: 7), lossAside)
        XCTAssertEqual(try store.lastUID(mailbox: "INBOX", uidValidity: 7), 1)
    }

    /// A stop held because its authentication failed, confirmed by a reply that lands in another
    /// edition's mailbox: the confirmation is that stop, honoured for its edition (a loss held
    /// before losses were carried out at once, too). A confirmation of any other held command,
    /// or with another subscriber's token, is set aside like other mail read there.
    func testAConfirmationOfAHeldStopOrLossReadOutsideItsEditionsMailboxIsHonoured() throws {
        let withTrust = config.replacingOccurrences(of: "plus_addressing = true\n", with: "plus_addressing = true\ntrusted_authserv_id = \"mx.clinic.example\"\n")
        XCTAssertNotEqual(withTrust, config)
        let night = try NightInstance(config: withTrust)
        let store = try night.store
        let due = day.adding(days: 140)
        func subscriber(_ email: String) throws -> SubscriberDetail {
            try XCTUnwrap(try store.subscriber(address: try EmailAddress(parsing: email), edition: "sakura"))
        }
        for p in ["held-stop", "held-loss", "held-pause", "wrong-token"] {
            try night.add("\(p)@families.example", track: .pregnancy, anchor: due, edition: "sakura", today: day)
        }
        let failing = ["Authentication-Results: mx.clinic.example; spf=pass smtp.mailfrom=x; dmarc=fail header.from=families.example"]
        let shared = FakeMailbox()
        shared.deliver(parentMail(from: "held-stop@families.example", subject: "stop", body: "", extra: failing))
        shared.deliver(parentMail(from: "held-pause@families.example", subject: "pause", body: "", extra: failing))
        shared.deliver(parentMail(from: "wrong-token@families.example", subject: "stop", body: "", extra: failing))
        night.instance.testClock.set(noonInTokyo(day))
        _ = try PollJob(instance: night.instance).run(mailboxes: [PolledMailbox(edition: nil, label: "[imap]") { shared }])
        // A loss held by an earlier version (losses are carried out at once now).
        let lossID = try XCTUnwrap(try subscriber("held-loss@families.example").subscriber.id)
        try store.writer.write { db in
            try db.execute(sql: "INSERT INTO held_commands (subscriber_id, command, held_on, message_id, created_at) VALUES (?, 'loss kind=pregnancy', ?, NULL, ?)",
                           arguments: [lossID, day.iso, noonInTokyo(day)])
        }
        for p in ["held-stop", "held-loss", "held-pause", "wrong-token"] {
            XCTAssertNotNil(try store.senderState(address: EmailAddress(parsing: "\(p)@families.example"), edition: "sakura", today: day).held, p)
        }

        let tokens = try night.instance.tokens()
        func token(_ email: String) throws -> String {
            OwnAddress.confirmation(subscriberID: try XCTUnwrap(try subscriber(email).subscriber.id), issued: day).detail(signedWith: tokens)
        }
        // The replies, written to sakura's plus-address, found in the town's mailbox.
        let town = NamedMailbox(name: Instance.ledgerName(mailbox: "INBOX", edition: "town"))
        func reply(_ from: String, token t: String) -> UInt32 {
            town.box.deliver(parentMail(from: from, to: "kizuna+\(t)@clinic.example", subject: "Re: Please confirm your request [\(t)]", body: ""))
        }
        let stop = reply("held-stop@families.example", token: try token("held-stop@families.example"))
        let loss = reply("held-loss@families.example", token: try token("held-loss@families.example"))
        let pause = reply("held-pause@families.example", token: try token("held-pause@families.example"))
        let wrong = reply("wrong-token@families.example", token: try token("held-pause@families.example"))
        let s = try PollJob(instance: night.instance).run(mailboxes: [PolledMailbox(edition: "town", label: "edition town") { town }])
        XCTAssertEqual(s.setAside, 2, s.line)

        XCTAssertEqual(try subscriber("held-stop@families.example").subscriber.status, .stopped, "the confirmed stop is honoured")
        XCTAssertTrue(try subscriber("held-stop@families.example").events.contains { $0.kind == .heldCommandConfirmed })
        XCTAssertEqual(town.box.filed[stop], true)
        XCTAssertEqual(try subscriber("held-loss@families.example").subscriptions.map(\.endReason), [.loss])
        XCTAssertEqual(town.box.filed[loss], true)
        // A held pause would change mail: its confirmation there is set aside, the pause still held.
        XCTAssertEqual(try subscriber("held-pause@families.example").subscriber.status, .active)
        XCTAssertNotNil(try store.senderState(address: EmailAddress(parsing: "held-pause@families.example"), edition: "sakura", today: day).held)
        XCTAssertEqual(town.box.filed[pause], false)
        // Another subscriber's token confirms nothing of this sender's held stop.
        XCTAssertEqual(try subscriber("wrong-token@families.example").subscriber.status, .active)
        XCTAssertEqual(town.box.filed[wrong], false)
        XCTAssertNil(try store.subscriber(address: try EmailAddress(parsing: "held-stop@families.example"), edition: "town"))
    }

    func testTheConfiguredMailboxesAreTheInstancesThenEachEditionsOwn() throws {
        let night = try NightInstance(config: config)
        XCTAssertEqual(try night.instance.polledMailboxes().map(\.label), ["edition town"])
        XCTAssertEqual(try night.instance.polledMailboxes().map(\.edition), ["town"])
    }
}
