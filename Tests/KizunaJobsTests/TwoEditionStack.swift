import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// Two editions as tenants on the real Postfix and Dovecot, driven through the built `kizuna`
/// binary: edition A (kizuna@clinic.test) sends through the relay on 127.0.0.1:2525 and reads its
/// own mailbox, edition B (kizuna@town.test) through 127.0.0.1:2527 and its own. The instance's
/// `[smtp]` points at a closed port, so any mail that arrives went through an edition's own relay.
/// The catalog is a copy of the shipped one, with local information of each edition's own, that a
/// test may add to (overlays, surveys) before its first command.
final class TwoEditionStack {
    /// A port nothing listens on (1 needs root to listen, and the mail stack does not use it).
    static let deadRelay = "smtp://127.0.0.1:1"

    /// What only one edition's mail may hold: its id, address, name and local information.
    struct Marks {
        let id: String, address: String, name: String, local: String
        var all: [String] { [id, address, name, local] }
    }

    /// A parent of one edition, and the mailbox (shared with other tests) their mail arrives in.
    final class Family {
        let address: EmailAddress, edition: Marks, box: IMAPClient
        /// The mailbox's last UID before the test (mail above it may be this test's), and the last read so far.
        let start: UInt32
        var seen: UInt32
        init(address: EmailAddress, edition: Marks, box: IMAPClient) throws {
            self.address = address; self.edition = edition; self.box = box
            start = try box.search(uidFrom: 1).last ?? 0
            seen = start
        }
    }

    let marker = UUID().uuidString.prefix(8).lowercased()
    let a: Marks, b: Marks
    /// A reads the instance's shared `[imap]` (kizuna@clinic.test) instead of a mailbox of its own.
    let sharedMailbox: Bool
    let night: NightInstance
    let kizuna: URL
    let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
    var dir: URL { night.dir }
    var templates: URL { dir.appendingPathComponent("templates") }
    var configFile: URL { dir.appendingPathComponent("kizuna.toml") }
    var cfg: [String] { ["--config", configFile.path] }
    var store: Store { get throws { try night.store } }
    var today: CivilDate { night.instance.today() }

    init(label: String = #function, sharedMailbox: Bool = false) throws {
        self.sharedMailbox = sharedMailbox
        a = Marks(id: "a\(marker)", address: "kizuna@clinic.test", name: "Clinic A a\(marker)", local: "LOCAL-A clinic midwife line \(marker)")
        b = Marks(id: "b\(marker)", address: "kizuna@town.test", name: "Town B b\(marker)", local: "LOCAL-B town drop-in space \(marker)")
        night = try NightInstance(config: Self.config(a.id, b.id, sharedMailbox: sharedMailbox), label: label)
        kizuna = try kizunaBinary()
        // The shipped catalog, with local information of each edition's own. Not the sample
        // edition's: an instance refuses local info of an edition it does not have.
        try FileManager.default.copyItem(at: repoTemplates, to: templates)
        try FileManager.default.removeItem(at: templates.appendingPathComponent("local/sakura.toml"))
        for edition in [a, b] {
            try """
                [[info]]
                language = "ja"
                track = "pregnancy"
                from = "pregnancy/d0084"
                until = "pregnancy/d0280"
                text = "\(edition.local)"
                """.write(to: templates.appendingPathComponent("local/\(edition.id).toml"), atomically: true, encoding: .utf8)
        }
        // Only mail that arrives from now on is this test's: each edition's mailbox is read from its end.
        for edition in [a, b] {
            let box = try dovecotMailbox(edition.address)
            let ledger = sharedMailbox && edition.id == a.id ? "INBOX" : Instance.ledgerName(mailbox: "INBOX", edition: edition.id)
            try store.advanceIMAPPosition(mailbox: ledger, uidValidity: try box.uidValidity(),
                                          to: try box.search(uidFrom: 1).last ?? 0, at: Date())
        }
    }

    static func config(_ a: String, _ b: String, relayA: String = "smtp://127.0.0.1:2525", sharedMailbox: Bool = false) -> String {
        """
        database = "@DIR@/kizuna.sqlite"
        templates = "@DIR@/templates"
        spool = "@DIR@/spool"
        time_zone = "Asia/Tokyo"

        [smtp]
        url = "\(Self.deadRelay)"
        starttls = "off"
        connect_timeout = 2

        [retry]
        minimum_backoff = 1
        maximum_backoff = 1

        \(sharedMailbox ? imap("[imap]", user: "kizuna@clinic.test") : "")

        \(edition(a, name: "Clinic A", address: "kizuna@clinic.test", relay: relayA, ownMailbox: !sharedMailbox))

        \(edition(b, name: "Town B", address: "kizuna@town.test", relay: "smtp://127.0.0.1:2527"))
        """
    }

    /// An `[[edition]]` with a relay and (unless `ownMailbox` is false) a mailbox of its own (the mailbox is its address's).
    static func edition(_ id: String, name: String, address: String, relay: String, ownMailbox: Bool = true) -> String {
        """
        [[edition]]
        id = "\(id)"
        name = "\(name) \(id)"
        address = "\(address)"
        languages = ["ja", "en"]
        plus_addressing = true

        [edition.smtp]
        url = "\(relay)"
        starttls = "off"
        connections = 1
        connect_timeout = 2
        response_timeout = 20

        \(ownMailbox ? imap("[edition.imap]", user: address) : "")
        """
    }

    /// A mailbox table on the test Dovecot: `user`'s INBOX.
    static func imap(_ table: String, user: String) -> String {
        """
        \(table)
        url = "imap://127.0.0.1:1143"
        starttls = "off"
        username = "\(user)"
        password_env = "KIZUNA_TEST_IMAP_PASSWORD"
        response_timeout = 20
        """
    }

    /// Rewrites the configuration, A's relay being `relayA`.
    func writeConfig(relayA: String) throws {
        try Self.config(a.id, b.id, relayA: relayA, sharedMailbox: sharedMailbox).replacingOccurrences(of: "@DIR@", with: dir.path)
            .write(to: configFile, atomically: true, encoding: .utf8)
    }

    /// A parent writing as `address`, whose mail arrives in the mail stack's mailbox `user`.
    func family(_ address: String, box user: String, of edition: Marks) throws -> Family {
        try Family(address: try EmailAddress(parsing: address), edition: edition, box: try dovecotMailbox(user))
    }

    /// A parent's plain-text mail submitted into Postfix: `rcpt` on the envelope, `to` in the
    /// header; UTF-8, or ISO-2022-JP (7bit) as Japanese carriers' phones send it.
    func submit(from: String, rcpt: String, to: String? = nil, subject: String, body: String = "", messageID: String,
                inReplyTo: String? = nil, iso2022jp: Bool = false) throws {
        let charset = iso2022jp ? "ISO-2022-JP" : "UTF-8"
        let encodedSubject = iso2022jp ? try LossJourney.iso2022jp(subject, in: dir) : Data(subject.utf8)
        var header = ["From: \(from)", "To: \(to ?? rcpt)", "Subject: =?\(charset)?B?\(encodedSubject.base64EncodedString())?=",
                      "Message-ID: <\(messageID)>"]
        if let inReplyTo { header.append("In-Reply-To: <\(inReplyTo)>") }
        header += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=\(charset)"]
        let text = iso2022jp ? String(decoding: try LossJourney.iso2022jp(body, in: dir), as: UTF8.self) : body
        try submitToPostfix((header + ["", text]).joined(separator: "\n"), from: from, rcpt: rcpt, dir: dir)
    }

    func status(_ address: EmailAddress, _ edition: String) throws -> SubscriberStatus? {
        try store.subscriber(address: address, edition: edition)?.subscriber.status
    }

    @discardableResult
    func poll() throws -> (status: Int32, output: String) { try runProcess(kizuna, ["poll"] + cfg, env: env, in: dir) }

    /// `kizuna ARGS` (status and output).
    func run(_ args: [String]) throws -> (status: Int32, output: String) { try runProcess(kizuna, args + cfg, env: env, in: dir) }

    func lastDelivery(to address: EmailAddress, kind: DeliveryKind) throws -> DeliveryRecord {
        try XCTUnwrap(try night.deliveries().last { $0.kind == kind && $0.recipient == address.smtpPath })
    }

    /// The mail with this Message-ID, read back from the family's INBOX.
    func arrived(_ messageID: String, for family: Family) throws -> DeliveredMail {
        try awaitMail(messageID: messageID, in: family.box, after: &family.seen)
    }

    /// The family's last mail of `kind`, read back from its INBOX.
    func lastMail(to family: Family, kind: DeliveryKind) throws -> DeliveredMail {
        try arrived(try XCTUnwrap(lastDelivery(to: family.address, kind: kind).messageID), for: family)
    }

    /// Each family subscribes by mail to its own edition's address (`予定日 due`), then confirms
    /// by replying to the confirmation request; returns the welcome each one got.
    func subscribeAndConfirm(_ families: [Family], due: CivilDate, file: StaticString = #filePath, line: UInt = #line) throws -> [DeliveredMail] {
        for (i, f) in families.enumerated() {
            try submit(from: f.address.description, rcpt: f.edition.address, subject: "登録", body: "予定日 \(due.iso)",
                       messageID: "\(marker).s\(i)@families.test")
        }
        try eventually("every subscribe applied", step: { try poll() }, done: {
            try families.allSatisfy { try status($0.address, $0.edition.id) == .pending }
        })
        for f in families {
            for other in [a, b] where other.id != f.edition.id {
                XCTAssertNil(try status(f.address, other.id), "\(f.edition.id)'s family is not \(other.id)'s", file: file, line: line)
            }
        }
        let sent = try run(["send"])
        XCTAssertEqual(sent.status, 0, sent.output, file: file, line: line)
        for (i, f) in families.enumerated() {
            let confirm = try lastMail(to: f, kind: .system)
            let replyTo = try XCTUnwrap(confirm.angle("Reply-To") ?? confirm.header("Reply-To"))
            let domain = "@" + f.edition.address.split(separator: "@")[1]
            XCTAssertTrue(replyTo.hasPrefix("kizuna+c-") && replyTo.hasSuffix(domain), replyTo, file: file, line: line)
            try submit(from: f.address.description, rcpt: replyTo, subject: "Re: " + (confirm.subject ?? ""), body: "OK",
                       messageID: "\(marker).c\(i)@families.test", inReplyTo: confirm.angle("Message-ID"))
        }
        try eventually("every confirmation applied", step: { try poll() }, done: {
            try families.allSatisfy { try status($0.address, $0.edition.id) == .active }
        })
        XCTAssertEqual(try run(["send"]).status, 0, file: file, line: line)
        return try families.map { try lastMail(to: $0, kind: .system) }
    }

    /// Every mail this instance delivered to the family since the test began, as it arrived. Its
    /// INBOX is shared with other tests, and another test's instance reading an edition's mailbox
    /// at the same moment (tests run side by side) may answer this family's subscribe as well:
    /// only the mail whose Message-ID this instance's ledger holds is this test's.
    func everyMail(to family: Family) throws -> [DeliveredMail] {
        let ours = Set(try night.deliveries().compactMap(\.messageID))
        return try family.box.search(uidFrom: family.start + 1).map { DeliveredMail(bytes: try family.box.fetch(uid: $0)) }
            .filter { ($0.header("To") ?? "").contains(family.address.description) && $0.angle("Message-ID").map(ours.contains) == true }
    }
}

extension DeliveredMail {
    /// Everything a reader may see: the raw message, the decoded header fields and the decoded parts.
    var readable: String {
        ([text] + headers.map { decodeEncodedWords($0.value) } + parts.map(\.body)).joined(separator: "\n")
    }
}
