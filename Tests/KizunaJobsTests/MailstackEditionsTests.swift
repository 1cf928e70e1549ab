import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Two editions as tenants through the real Postfix and Dovecot (`TwoEditionStack`): each
/// edition sends through its own relay and reads its own mailbox. The instance's `[smtp]` points
/// at a closed port, so any mail that arrives went through an edition's own relay; when A's relay
/// is dead, B's mail still goes out and A's waits, so neither edition's mail can have used the
/// other's relay.
final class MailstackEditionsTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    func testTwoEditionsEachWithItsOwnRelayAndMailboxStayApartAndADeadRelayHoldsOnlyItsOwnMail() throws {
        let stack = try TwoEditionStack()
        let (a, b, marker) = (stack.a.id, stack.b.id, stack.marker)
        let store = try stack.store
        let familyA = try stack.family("parent1@families.test", box: "parent1@families.test", of: stack.a)
        let familyB = try stack.family("parent2@families.test", box: "parent2@families.test", of: stack.b)
        let (parentA, parentB) = (familyA.address, familyB.address)

        // 1. Each family subscribes by mail to its own edition's address and confirms (pregnancy
        //    day 139 today, so tomorrow, day 140, has a daily message in the shipped catalog).
        _ = try stack.subscribeAndConfirm([familyA, familyB], due: stack.today.adding(days: 141))

        // 2. The night of day 140: each family gets its own edition's daily mail, and nothing of the other's.
        let day140 = stack.today.adding(days: 1)
        let night1 = try stack.run(["nightly", "--date", day140.iso])
        XCTAssertEqual(night1.status, 0, night1.output)
        func checkDaily(_ mail: DeliveredMail, own: TwoEditionStack.Marks, other: TwoEditionStack.Marks) {
            let text = mail.part("text/plain") ?? ""
            XCTAssertTrue(mail.header("From")?.contains(own.address) ?? false, mail.header("From") ?? "no From")
            XCTAssertTrue(mail.header("List-Id")?.contains("\(own.id).kizuna.") ?? false, mail.header("List-Id") ?? "no List-Id")
            XCTAssertTrue(text.contains(own.local), text)
            XCTAssertTrue(text.contains(own.name) || decodeEncodedWords(mail.header("From") ?? "").contains(own.name) || (mail.part("text/html") ?? "").contains(own.name),
                          "the edition's name: \(text)")
            for leak in other.all {
                XCTAssertFalse(mail.text.contains(leak) || text.contains(leak) || (mail.part("text/html") ?? "").contains(leak), "\(leak) leaked into \(own.id)'s mail")
            }
        }
        checkDaily(try stack.lastMail(to: familyA, kind: .daily), own: stack.a, other: stack.b)
        checkDaily(try stack.lastMail(to: familyB, kind: .daily), own: stack.b, other: stack.a)
        XCTAssertEqual(try stack.night.deliveries().filter { $0.kind == .daily }.count, 2, "one daily mail each, nothing to the other edition's family")

        // 3. A's relay is dead: B's mail still goes out, A's waits in the spool; the status and the line say which.
        try stack.writeConfig(relayA: TwoEditionStack.deadRelay)
        let day147 = stack.today.adding(days: 8)
        let night2 = try stack.run(["nightly", "--date", day147.iso])
        XCTAssertEqual(night2.status, 69, night2.output)
        XCTAssertTrue(night2.output.contains("relay failed: edition \(a)"), night2.output)
        XCTAssertFalse(night2.output.contains("edition \(b)"), night2.output)
        let waitingA = try stack.lastDelivery(to: parentA, kind: .daily), secondB = try stack.lastDelivery(to: parentB, kind: .daily)
        XCTAssertEqual(waitingA.status, .deferred)
        XCTAssertEqual(secondB.status, .sent)
        _ = try stack.arrived(try XCTUnwrap(secondB.messageID), for: familyB)
        XCTAssertEqual(try stack.night.envelope(try XCTUnwrap(waitingA.id))["edition"], a, "the spool file names its edition")

        // Fixed, the next run sends A's waiting mail through A's relay.
        try stack.writeConfig(relayA: "smtp://127.0.0.1:2525")
        sleep(2)  // past the 1-second backoff
        let resend = try stack.run(["send"])
        XCTAssertEqual(resend.status, 0, resend.output)
        XCTAssertEqual(try stack.lastDelivery(to: parentA, kind: .daily).status, .sent)
        _ = try stack.arrived(try XCTUnwrap(waitingA.messageID), for: familyA)

        // 4. A stop sent to A's address acts only on A: B's family, who wrote it to A, stays B's;
        //    mail in A's mailbox written to B's address is set aside; A's family stops.
        try stack.submit(from: parentB.description, rcpt: "kizuna@clinic.test", subject: "停止", messageID: "\(marker).b3@families.test")
        try stack.submit(from: parentB.description, rcpt: "kizuna@clinic.test", to: "kizuna@town.test", subject: "ヘルプ",
                         messageID: "\(marker).b4@families.test")
        try stack.submit(from: parentA.description, rcpt: "kizuna@clinic.test", subject: "停止", messageID: "\(marker).a3@families.test")
        /// The ledger row of mail set aside: its Message-ID is only in the decision (a copy in the right mailbox is still read).
        func setAside(_ id: String) throws -> InboundRecord? {
            try store.inboundMessages(status: .ignored).first { $0.decision?.contains("\(marker).\(id)@families.test") ?? false }
        }
        try eventually("A's stop applied and the others read", step: { try stack.poll() }, done: {
            let handled = try store.inboundMessages(status: .applied) + store.inboundMessages(status: .ignored)
            return try stack.status(parentA, a) == .stopped && handled.contains { $0.messageID == "\(marker).b3@families.test" } && setAside("b4") != nil
        })
        XCTAssertEqual(try stack.status(parentB, b), .active, "a stop to A's address never stops B's family")
        XCTAssertNil(try stack.status(parentB, a).flatMap { $0 == .active ? $0 : nil }, "nor subscribes it to A")
        XCTAssertNotNil(try setAside("b4"), "the mail written to B's address in A's mailbox was set aside")

        // 5. But a stop written to B's address is honoured for B wherever it is read (care: when unsure, stop).
        try stack.submit(from: parentB.description, rcpt: "kizuna@clinic.test", to: "kizuna@town.test", subject: "停止",
                         messageID: "\(marker).b5@families.test")
        try eventually("B's stop read in A's mailbox honoured for B", step: { try stack.poll() }, done: { try stack.status(parentB, b) == .stopped })
    }
}
