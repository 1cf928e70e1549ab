import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import XCTest

/// An administrator's answer or notice carries the edition its mail acted on, also when the
/// process died after planning it and before the spool had it (the next run spools it).
final class AdminAnswerRouteTests: XCTestCase {
    func testAnAnswerPlannedBeforeACrashKeepsItsEditionForTheSpool() throws {
        let night = try NightInstance(config: maildirConfig())
        let store = try night.store
        let today = night.instance.today(), now = Date()
        func entry(_ uid: UInt32) -> AdminMailEntry {
            AdminMailEntry(place: InboundPlace(mailbox: "INBOX", uidValidity: 1, uid: uid), messageID: "m\(uid)@clinic.example", receivedAt: now,
                           edition: "sakura", sender: "admin@clinic.example", form: nil, fingerprint: "ABCDEF", signedAt: now, decision: "{}")
        }
        func content(_ id: Int64) -> SystemMailContent {
            SystemMailContent(mailFrom: "kizuna@clinic.example", messageID: "answer\(id)@clinic.example", subject: "answer", bytes: Array("x".utf8))
        }
        let accepted = try XCTUnwrap(try store.acceptAdminMail(entry(1), signature: AdminSignatureKey(fingerprint: "ABCDEF", signedAt: now, digest: String(repeating: "0", count: 64)), at: now))
        let answer = try XCTUnwrap(try store.finishAdminMail(id: accepted, status: .carriedOut, detail: "carried out", reply: ("admin@clinic.example", "admin reply"),
                                                             edition: "sakura", today: today, at: now, render: content))
        let refused = try store.refuseAdminMail(entry(2), reason: .tooOld, detail: "", signature: nil, at: now)
        let notice = try store.planAdminNotice(mailID: refused, recipient: "admin@clinic.example", edition: "sakura", today: today, at: now, render: content)
        XCTAssertEqual([answer.edition, notice.edition], ["sakura", "sakura"])
        // The process dies here: what the next run spools still names the edition.
        let pending = try store.pendingSystemMail()
        XCTAssertEqual(pending.map(\.deliveryID), [answer.deliveryID, notice.deliveryID])
        XCTAssertEqual(pending.map(\.edition), ["sakura", "sakura"])
    }
}
