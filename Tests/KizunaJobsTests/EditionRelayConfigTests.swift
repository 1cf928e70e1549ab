import Foundation
import KizunaCore
@testable import KizunaJobs
import XCTest

/// `[edition.smtp]`, `[edition.maildir]` and `[edition.imap]`: the instance's keys and checks,
/// errors that name the edition's key, and the instance's relay and mailbox when left out.
final class EditionRelayConfigTests: XCTestCase {
    let base = """
        [smtp]
        url = "smtp://127.0.0.1:2525"
        starttls = "off"

        [imap]
        url = "imap://127.0.0.1:1143"
        username = "kizuna@clinic.test"
        password_env = "KIZUNA_IMAP_PASSWORD"

        [[edition]]
        id = "clinic"
        address = "kizuna@clinic.test"

        """

    func parse(_ text: String) throws -> Configuration { try ConfigurationLoader.parse(text, file: "/tmp/kizuna.toml") }

    func error(_ text: String) -> String {
        do { _ = try parse(text); return "accepted" } catch { return "\(error)" }
    }

    func testAnEditionsOwnRelayAndMailboxAreReadAndTheOthersInheritTheInstances() throws {
        let c = try parse(base + """
            [[edition]]
            id = "town"
            address = "kizuna@town.test"

            [edition.smtp]
            url = "smtp://127.0.0.1:2527"
            starttls = "off"
            username = "town"
            password_file = "secrets/town-smtp"
            connections = 2

            [edition.imap]
            url = "imap://127.0.0.1:1143"
            username = "kizuna@town.test"
            password_env = "KIZUNA_TOWN_IMAP_PASSWORD"
            processed_mailbox = "Kizuna/Processed"

            [[edition]]
            id = "village"
            address = "kizuna@village.test"

            [edition.maildir]
            path = "village-outbox"
            """)
        XCTAssertNil(c.editions[0].transport)
        XCTAssertNil(c.editions[0].imap)
        XCTAssertEqual(c.editions[1].transport, .smtp(SMTPConfiguration(url: "smtp://127.0.0.1:2527", starttls: .off, username: "town",
                                                                         passwordFile: "/tmp/secrets/town-smtp", connections: 2)))
        XCTAssertEqual(c.editions[1].imap?.username, "kizuna@town.test")
        XCTAssertEqual(c.editions[1].imap?.passwordEnv, "KIZUNA_TOWN_IMAP_PASSWORD")
        XCTAssertEqual(c.editions[1].imap?.processedMailbox, "Kizuna/Processed")
        XCTAssertEqual(c.editions[2].transport, .maildir(path: "/tmp/village-outbox"))
        XCTAssertEqual(c.editionsWithOwnRelay.map(\.id), ["town", "village"])
        XCTAssertEqual(c.transport, .smtp(SMTPConfiguration(url: "smtp://127.0.0.1:2525", starttls: .off)))
    }

    func testEachProblemNamesTheEditionsKey() {
        let cases: [(String, String)] = [
            ("[edition.smtp]\nurl = \"http://relay\"\n", "/tmp/kizuna.toml: edition[1].smtp.url: must start with smtp:// or smtps://, not \"http://relay\""),
            ("[edition.smtp]\nstarttls = \"off\"\n", "/tmp/kizuna.toml: edition[1].smtp.url: is required"),
            ("[edition.smtp]\nurl = \"smtp://r:25\"\nstarttls = \"yes\"\n", "/tmp/kizuna.toml: edition[1].smtp.starttls: must be required, optional or off, not \"yes\""),
            ("[edition.smtp]\nurl = \"smtp://r:25\"\npassword = \"secret\"\n", "/tmp/kizuna.toml: edition[1].smtp.password: unknown key"),
            ("[edition.smtp]\nurl = \"smtp://r:25\"\nconnections = 0\n", "/tmp/kizuna.toml: edition[1].smtp.connections: must be between 1 and 64"),
            ("[edition.smtp]\nurl = \"smtp://r:25\"\npassword_env = \"A\"\npassword_file = \"b\"\n", "/tmp/kizuna.toml: edition[1].smtp.password_file: give password_env or password_file, not both"),
            ("[edition.imap]\nurl = \"imap://h:143\"\npassword_env = \"P\"\n", "/tmp/kizuna.toml: edition[1].imap.username: is required"),
            ("[edition.imap]\nurl = \"imap://h:143\"\nusername = \"u\"\n", "/tmp/kizuna.toml: edition[1].imap.password_env: give password_env or password_file"),
            ("[edition.maildir]\nfolder = \"x\"\n", "/tmp/kizuna.toml: edition[1].maildir.folder: unknown key"),
            ("smtp = \"smtp://r:25\"\n", "/tmp/kizuna.toml: edition[1].smtp: must be a table ([smtp])"),
        ]
        for (table, expected) in cases {
            let text = base + "[[edition]]\nid = \"town\"\naddress = \"kizuna@town.test\"\n\n" + table
            let message = error(text)
            XCTAssertTrue(message.hasPrefix(expected), "\(table)→ \(message)")
        }
    }

    func testAMailboxIsReadForOneOwnerOnly() {
        let sameAsInstance = base + """
            [[edition]]
            id = "town"
            address = "kizuna@town.test"

            [edition.imap]
            url = "imap://127.0.0.1:1143"
            username = "KIZUNA@clinic.test"
            password_env = "KIZUNA_IMAP_PASSWORD"
            """
        XCTAssertTrue(error(sameAsInstance).hasPrefix("/tmp/kizuna.toml: edition[1].imap.mailbox: KIZUNA@clinic.test's \"INBOX\" is already read for [imap]"),
                      error(sameAsInstance))
        let otherMailbox = sameAsInstance + "\nmailbox = \"Town\"\n"
        XCTAssertEqual(error(otherMailbox), "accepted", "another mailbox of the same account is another place")
    }
}
