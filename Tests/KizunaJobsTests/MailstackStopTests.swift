import Foundation
import KizunaContent
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// A stop written under a quoted subject of each of our system mails, by email through the real
/// Postfix (127.0.0.1:2525) and Dovecot (127.0.0.1:1143), driven through the built `kizuna` binary.
///
/// The subjects are rendered from the shipped catalog (every system mail, ja and en), so the test
/// follows template changes. For each, one parent replies `Re: <subject>` with a stop word above
/// our quoted mail, another `返信:`/`Fwd:` with a polite stop; after `poll` every one of them is
/// stopped, and the next `nightly` sends them no daily message — while a parent who did not write
/// gets hers, and so does a parent whose reply only quotes a loss word. Parents' addresses are at `discard.test`, which Postfix accepts and drops, so our
/// replies to them bounce into nobody's mailbox.
final class MailstackStopTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    struct Reply {
        var address: EmailAddress
        var subject: String
        var body: String
        var messageID: String
    }

    /// Every system mail's subject and plain text, rendered from the shipped catalog.
    func shippedSystemMails(edition: String) throws -> [(language: String, name: String, subject: String, text: String)] {
        let catalog = try ContentCatalog.load(directory: repoTemplates)
        let renderer = Renderer(catalog: catalog)
        let info = EditionInfo(id: edition, name: "Kizuna test clinic")
        let samples = [
            "token": "c-2n9c-fs4-abcdefgh", "confirm_address": "kizuna+c-2n9c-fs4-abcdefgh@clinic.test", "nickname": "はな",
            "first_message_subject": "20週0日", "status_lines": "予定日: 2027-04-28", "support_contacts": "さくら保健センター 000-0000-0000",
            "problem": "2027-13-01", "example": "予定日 2027-04-28", "command": "配信をすべて停止する",
        ]
        var out: [(String, String, String, String)] = []
        for language in ["ja", "en"] {
            for name in catalog.systemMessageNames {
                guard let message = catalog.systemMessage(name: name, language: language) else { continue }
                var values: [String: String] = [:]
                for v in message.variables { values[v] = samples[v] ?? "2027-05-01" }
                let mail = try renderer.renderSystem(name: name, language: language, edition: info, variables: values,
                                                     unsubscribeAddress: "kizuna@clinic.test")
                out.append((language, name, mail.subject, mail.text))
            }
        }
        return out
    }

    /// The reply a mail client writes: the parent's words, then our mail quoted (or forwarded) below.
    func reply(_ mail: (language: String, name: String, subject: String, text: String), prefix: String, words: String,
               forwarded: Bool, address: EmailAddress, messageID: String) -> Reply {
        let ours = mail.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(12)
        let body: String
        if forwarded {
            body = "\(words)\n\n---------- Forwarded message ---------\nFrom: Kizuna test clinic <kizuna@clinic.test>\n"
                + "Subject: \(mail.subject)\n\n" + ours.joined(separator: "\n")
        } else if mail.language == "ja" {
            body = "\(words)\n\n2026年12月7日(月) 21:00 Kizuna test clinic <kizuna@clinic.test>:\n" + ours.map { "> " + $0 }.joined(separator: "\n")
        } else {
            body = "\(words)\n\nOn Mon, 7 Dec 2026 at 21:00, Kizuna test clinic <kizuna@clinic.test> wrote:\n" + ours.map { "> " + $0 }.joined(separator: "\n")
        }
        return Reply(address: address, subject: prefix + mail.subject, body: body, messageID: messageID)
    }

    func submit(_ r: Reply, dir: URL) throws {
        let message = """
            From: \(r.address)
            To: kizuna@clinic.test
            Subject: =?UTF-8?B?\(Data(r.subject.utf8).base64EncodedString())?=
            Message-ID: <\(r.messageID)>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8
            Content-Transfer-Encoding: base64

            \(Data(r.body.replacingOccurrences(of: "\n", with: "\r\n").utf8).base64EncodedString(options: .lineLength76Characters))
            """
        let file = dir.appendingPathComponent("reply-\(r.messageID).eml")
        try message.replacingOccurrences(of: "\n", with: "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let sent = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", r.address.description,
                                                                       "--mail-rcpt", "kizuna@clinic.test", "-T", file.path], in: dir)
        XCTAssertEqual(sent.status, 0, sent.output)
    }

    func testAStopUnderTheQuotedSubjectOfEachSystemMailStopsThroughPostfixAndDovecot() throws {
        let marker = "qs" + UUID().uuidString.prefix(8).lowercased()
        let night = try NightInstance(config: mailstackConfig(edition: marker, languages: ["ja", "en"]))
        let dir = night.dir
        let kizuna = try kizunaBinary()
        let cfg = ["--config", dir.appendingPathComponent("kizuna.toml").path]
        let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]
        let store = try night.store
        let today = night.instance.today()
        // Gestational day 140 (20+0): the shipped catalog has a message for today, so a parent who
        // did not stop gets one tonight.
        let due = today.adding(days: 140)

        let kizunaBox = try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: "kizuna@clinic.test",
                                                              password: "kizuna-pass", responseTimeout: 10))
        try store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try kizunaBox.uidValidity(),
                                      to: try kizunaBox.search(uidFrom: 1).last ?? 0, at: Date())

        let mails = try shippedSystemMails(edition: marker)
        XCTAssertGreaterThanOrEqual(mails.count, 20, "every system mail, ja and en")
        var replies: [Reply] = []
        for (i, mail) in mails.enumerated() {
            let ja = mail.language == "ja"
            for (variant, forwarded) in [(0, false), (1, !ja)] {
                let address = try EmailAddress(parsing: "\(marker)-\(i)-\(variant)@discard.test")
                try night.add(address.description, track: .pregnancy, anchor: due, language: mail.language, today: today)
                let prefix = variant == 0 ? "Re: " : (ja ? "返信: " : "Fwd: ")
                let words = variant == 0 ? (ja ? "停止" : "stop") : (ja ? "配信停止をお願いします" : "Please unsubscribe me")
                replies.append(reply(mail, prefix: prefix, words: words, forwarded: forwarded, address: address,
                                     messageID: "\(marker).\(i).\(variant)@discard.test"))
            }
        }
        let quiet = try EmailAddress(parsing: "\(marker)-quiet@discard.test")
        try night.add(quiet.description, track: .pregnancy, anchor: due, language: "ja", today: today)
        // A loss word inside a quoted earlier message is not a loss: it must change nothing.
        let quoting = try EmailAddress(parsing: "\(marker)-quoting@discard.test")
        try night.add(quoting.description, track: .pregnancy, anchor: due, language: "ja", today: today)
        let lossQuoted = Reply(address: quoting, subject: "Re: 20週0日　からだの真ん中、折り返し地点",
                               body: "いつも読んでいます。ありがとうございます。\n\n2026年12月7日(月) 21:00 Kizuna test clinic <kizuna@clinic.test>:\n"
                                   + "> 流産や死産を経験した方の相談窓口もあります。\n> 赤ちゃんが亡くなりました、と書いてくださっても大丈夫です。",
                               messageID: "\(marker).quoting@discard.test")
        for r in replies + [lossQuoted] { try submit(r, dir: dir) }

        func stillActive() throws -> [Reply] {
            try replies.filter { try store.subscriber(address: $0.address, edition: marker)?.subscriber.status != .stopped }
        }
        let deadline = Date().addingTimeInterval(90)
        var waiting = try stillActive()
        while !waiting.isEmpty && Date() < deadline {
            let poll = try runProcess(kizuna, ["poll"] + cfg, env: env, in: dir)
            XCTAssertTrue(poll.status == 0 || poll.status == 75, poll.output)
            waiting = try stillActive()
            if !waiting.isEmpty { usleep(500_000) }
        }
        XCTAssertEqual(waiting.map(\.subject), [], "not stopped after poll")
        let waitForQuoting = Date().addingTimeInterval(20)
        while try !store.inboundMessages().contains(where: { $0.messageID == lossQuoted.messageID }) && Date() < waitForQuoting {
            _ = try runProcess(kizuna, ["poll"] + cfg, env: env, in: dir)
            usleep(300_000)
        }
        let applied = Set(try store.inboundMessages(status: .applied).compactMap(\.messageID).filter { $0.hasPrefix(marker) })
        XCTAssertEqual(applied, Set((replies + [lossQuoted]).map(\.messageID)))
        let quoter = try XCTUnwrap(try store.subscriber(address: quoting, edition: marker))
        XCTAssertEqual(quoter.subscriber.status, .active)
        XCTAssertEqual(quoter.subscriptions.map(\.status), [.active], "a quoted loss word ends nothing")

        let nightly = try runProcess(kizuna, ["nightly"] + cfg, env: env, in: dir)
        XCTAssertEqual(nightly.status, 0, nightly.output)
        let daily = try night.deliveries().filter { $0.kind == .daily }
        let quietID = try XCTUnwrap(try store.subscriber(address: quiet, edition: marker)?.subscriber.id)
        XCTAssertEqual(Set(daily.compactMap(\.subscriberID)), [quietID, try XCTUnwrap(quoter.subscriber.id)],
                       "only the parents who did not stop get tonight's message")
    }
}
