import KizunaCore
import XCTest

/// Which edition a message is, and whether it was read outside that edition's mailbox: the town
/// has a mailbox of its own, the clinic reads the instance's shared one.
final class EditionPlaceTests: XCTestCase {
    let town: Edition = {
        var e = Edition(id: "town", name: "Town", address: try! EmailAddress(parsing: "kizuna@town.example"), fromName: "Town",
                        languages: ["ja"], plusAddressing: true)
        e.imap = IMAPConfiguration(url: "imap://127.0.0.1:1143", username: "kizuna@town.example")
        return e
    }()
    let clinic = Edition(id: "clinic", name: "Clinic", address: try! EmailAddress(parsing: "kizuna@clinic.example"), fromName: "Clinic",
                         languages: ["ja"], plusAddressing: true)
    var editions: [Edition] { [town, clinic] }

    func place(written: [String], delivered: [String] = [], mailbox: String? = nil) -> EditionPlace {
        let w = written.map { try! EmailAddress(parsing: $0) }
        return EditionPlace.find(recipients: w + delivered.map { try! EmailAddress(parsing: $0) }, written: w, editions: editions, mailboxEdition: mailbox)
    }

    func testInTheSharedMailboxMailWrittenToAnEditionWithItsOwnMailboxIsReadOutsideIt() {
        // Delivered to the shared mailbox's address, written to the town: the town's, outside its mailbox.
        let p = place(written: ["kizuna@town.example"], delivered: ["kizuna@clinic.example"])
        XCTAssertEqual(p.edition?.id, "town")
        XCTAssertEqual(p.outsideItsMailbox, "town")
        let token = place(written: ["kizuna+c-abc@town.example"], delivered: ["kizuna@clinic.example"])
        XCTAssertEqual(token.plusDetail, "c-abc")
        XCTAssertEqual(token.outsideItsMailbox, "town")
    }

    func testInTheSharedMailboxItsOwnEditionsComeFirstAndDeliveryHeadersOnlyWhenNothingIsWritten() {
        let both = place(written: ["kizuna@town.example", "kizuna@clinic.example"])
        XCTAssertEqual(both.edition?.id, "clinic")
        XCTAssertNil(both.outsideItsMailbox)
        let delivered = place(written: ["friends@families.example"], delivered: ["kizuna@clinic.example"])
        XCTAssertEqual(delivered.edition?.id, "clinic")
        XCTAssertNil(delivered.outsideItsMailbox)
        // Named to no edition: the first edition the shared mailbox carries, not the first configured.
        let none = place(written: ["friends@families.example"])
        XCTAssertEqual(none.edition?.id, "clinic")
        XCTAssertNil(none.outsideItsMailbox)
    }

    func testInAnEditionsOwnMailboxMailWrittenOnlyToAnotherEditionIsReadOutsideThatOnesMailbox() {
        let other = place(written: ["kizuna@clinic.example"], mailbox: "town")
        XCTAssertEqual(other.edition?.id, "clinic")
        XCTAssertEqual(other.outsideItsMailbox, "clinic")
        let alsoOwn = place(written: ["kizuna@clinic.example", "kizuna@town.example"], mailbox: "town")
        XCTAssertEqual(alsoOwn.edition?.id, "town")
        XCTAssertNil(alsoOwn.outsideItsMailbox)
        let bcc = place(written: ["friends@families.example"], mailbox: "town")
        XCTAssertEqual(bcc.edition?.id, "town")
        XCTAssertNil(bcc.outsideItsMailbox)
    }
}
