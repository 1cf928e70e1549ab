import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

/// The inbound ledger (v2-inbound): one row per place and per Message-ID. Applying a message
/// (once, by place and by Message-ID) is tested in KizunaJobsTests' CommandApplierTests.
@Suite struct InboundStoreTests {
    let day = CivilDate(iso: "2026-11-25")!
    let at = Date(timeIntervalSince1970: 1_795_000_000)
    let sender = try! EmailAddress(parsing: "parent@families.example")

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
