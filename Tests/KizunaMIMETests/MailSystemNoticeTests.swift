import Foundation
import KizunaCore
import Testing
@testable import KizunaMIME

/// What the poller (and `kizuna inspect`) decides about mail systems' notices, auto-replies and
/// the parents' mail that looks like them (issue 10, classes 1 and 4).
@Suite struct MailSystemNoticeTests {
    static let editions = [Edition(id: "sakura", name: "Sakura", address: try! EmailAddress(parsing: "kizuna@clinic.example"),
                                   fromName: "Sakura", languages: ["ja", "en"], plusAddressing: true)]

    static func read(_ bytes: [UInt8]) -> InboundReading {
        InboundReader.read(bytes, editions: editions, today: CivilDate(iso: "2027-01-11")!)
    }

    static func read(from: String?, subject: String, headers: String = "", body: String) -> InboundReading {
        let raw = (from.map { "From: \($0)\r\n" } ?? "") + "To: kizuna@clinic.example\r\nSubject: \(subject)\r\n"
            + "Message-ID: <m\(body.utf8.count)@families.example>\r\n\(headers)MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + body.replacingOccurrences(of: "\n", with: "\r\n")
        return read(Array(raw.utf8))
    }

    /// The fixtures of each class: the kind the poller gives them, never answered, and for a
    /// bounce the evidence that decided it in `why` and the report reader agreeing.
    @Test(arguments: [
        ("notice-antivirus-gateway", InboundDecisionKind.bounce), ("notice-mail-delivery-system", .bounce),
        ("notice-no-from", .bounce), ("notice-precedence-bulk", .bounce), ("notice-autosubmitted-bounce", .bounce),
        ("vacation-lotus-auto", .autoreply), ("vacation-unreachable-autosubmitted", .autoreply),
        ("vacation-exchange-automaticreply", .autoreply), ("vacation-ja-iso2022jp", .autoreply),
    ])
    func fixturesAreNeverAnswered(name: String, kind: InboundDecisionKind) throws {
        let bytes = Array(try Data(contentsOf: BounceFixtures.directory.appendingPathComponent(name + ".eml")))
        let reading = Self.read(bytes)
        #expect(reading.decision.kind == kind, "\(reading.decision.reason ?? "")")
        #expect(reading.decision.mayReply == false)
        #expect(reading.decision.command == nil)
        #expect(reading.parsed == nil)
        if kind == .bounce {
            #expect(!reading.decision.why.isEmpty)
            let message = try #require(reading.message)
            #expect(BounceAnalysis.analyze(message, tokens: BounceFixtures.tokens).kind == .bounce)
        }
    }

    @Test func theWhyNamesTheSenderTheSubjectAndTheLine() throws {
        let bytes = Array(try Data(contentsOf: BounceFixtures.directory.appendingPathComponent("notice-mail-delivery-system.eml")))
        let d = Self.read(bytes).decision
        #expect(d.why == ["mail-system sender Mail.Delivery.System@relay.example",
                          "subject \"Delivery status notification\" (delivery status notification)",
                          "body line 2: \"failed permanently\""])
        #expect(d.reason?.hasPrefix("mail-system notice: mail-system sender Mail.Delivery.System@relay.example") == true)
    }

    /// A parent's own mail stays a command, whatever bounce words it holds: a bounce needs a
    /// machine's evidence, never words alone.
    @Test func aParentsMailWithBounceWordsIsStillTheirCommand() {
        let cases: [(from: String, subject: String, headers: String, body: String, command: String)] = [
            ("hana@families.example", "Undeliverable", "", "My mail could not be delivered, please stop.\n", "stop"),
            ("hana@families.example", "Mail delivery failed", "", "stop\n\nuser unknown? does not exist?\n", "stop"),
            // A phone mail in Japanese: subject エラー, 停止 in the text.
            ("mama.09012345678@docomo.example", "エラー", "", "メールが届きませんでした。停止してください\n", "stop"),
            // A local part with a mail system's word in it is weak evidence: one bounce phrase
            // is not enough to make the parent's mail a notice.
            ("delivery.mama@families.example", "エラー", "", "停止\n", "stop"),
            ("smtp-hana@families.example", "こんにちは", "", "メールが届きませんでした。停止してください\n", "stop"),
            // Auto-reply words in the subject do not swallow a stop.
            ("yoko@families.example", "Out of office", "", "stop\n", "stop"),
            ("yoko@families.example", "AUTO: out of the office", "", "stop please\n", "stop"),
            // Nor a loss: it ends the baby mail whatever the subject says.
            ("yoko@families.example", "AUTO: out of the office", "", "流産しました\n", "loss"),
            // A reply that quotes a notice (and our daily mail) below its new text.
            ("hana@families.example", "Re: Delivery status notification", "In-Reply-To: <x@relay.example>\r\n",
             "status\n\n> Delivery to the following recipients failed permanently:\n> user unknown\n", "status"),
        ]
        for c in cases {
            let d = Self.read(from: c.from, subject: c.subject, headers: c.headers, body: c.body).decision
            #expect(d.kind == .command, "\(c.subject): \(d.reason ?? "")")
            #expect(d.command?.name == c.command, "\(c.subject): \(d.why)")
            #expect(d.mayReply)
        }
    }

    /// Bounce words and no command from an ordinary address: not answered (no help reply to a
    /// relay), and never counted as a bounce either.
    @Test func aNoticeByWordsAloneIsNeitherAnsweredNorCounted() throws {
        let d = Self.read(from: "relay-notices@hub.example", subject: "RE: Your message : non remis (delivery failed)",
                          body: "Your message could not be delivered to\nyui@harbor.example\n").decision
        #expect(d.kind == .other)
        #expect(!d.mayReply)
        let person = Self.read(from: "hana@families.example", subject: "Hello", body: "I could not be reached last week.\n").decision
        #expect(person.kind == .command)
        // A parent forwarding a bounce with a line of their own gets the help reply: the notice
        // words are in what they forwarded, not in what they wrote.
        let bytes = Array(try Data(contentsOf: BounceFixtures.directory.appendingPathComponent("human-forward-daemon-words.eml")))
        let forward = Self.read(bytes).decision
        #expect(forward.kind == .command, "\(forward.reason ?? "")")
        #expect(forward.mayReply)
    }

    @Test func mailSystemSenders() {
        for (local, name) in [("Mail.Delivery.System", nil), ("E500_SMTP_Mail_Service", nil), ("ndr", nil), ("prvs=1234abcd=ndr", nil),
                              ("Symantec_AntiVirus_for_SMTP_Gateways", nil), ("MDaemon", nil), ("relay", "Mail Delivery Subsystem"),
                              ("admin", "Mail Delivery System")] as [(String, String?)] {
            #expect(MailSystemNotice.mailSystemSender(localPart: local, displayName: name) != nil, "\(local)")
        }
        #expect(MailSystemNotice.mailSystemSender(localPart: nil, displayName: nil, field: "Postmaster <>") != nil)
        for local in ["hana", "mama.sato", "yoko.mori", "daemonette", "smithers", "deliveryman"] {
            #expect(MailSystemNotice.mailSystemSender(localPart: local, displayName: "Hana Sato") == nil, "\(local)")
        }
    }
}
