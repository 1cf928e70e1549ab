import Foundation
import KizunaCore
import Logging
import KizunaTestSupport
import XCTest
@testable import KizunaMail

/// Against the real Postfix (127.0.0.1:2525) and Dovecot (127.0.0.1:1143) started by
/// scripts/mailstack/start-mailstack.sh.
final class MailstackIntegrationTests: XCTestCase {
    let logger = Logger(label: "kizuna.test.mailstack")

    override func setUpWithError() throws { try requireMailstack() }

    func imap(_ user: String) throws -> IMAPClient {
        try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: user,
                                              password: user.split(separator: "@")[0] + "-pass", responseTimeout: 10))
    }

    /// UIDs above `after` whose message contains `token`, waiting up to 20 s for `count` of them.
    func waitForMessages(_ client: IMAPClient, after: UInt32, tokens: [String]) throws -> [String: [UInt8]] {
        var found: [String: [UInt8]] = [:]
        var seen = Set<UInt32>()
        let deadline = Date().addingTimeInterval(20)
        while found.count < tokens.count && Date() < deadline {
            for uid in try client.search(uidFrom: after + 1) where !seen.contains(uid) {
                seen.insert(uid)
                let bytes = try client.fetch(uid: uid)
                let text = String(decoding: bytes, as: UTF8.self)
                if let t = tokens.first(where: { text.contains("token=\($0)\r\n") }) { found[t] = bytes }
            }
            if found.count < tokens.count { usleep(200_000) }
        }
        return found
    }

    func testSMTPToPostfixThenIMAPFromDovecot() throws {
        let parent = try imap("parent1@families.test")
        let validity = try parent.uidValidity()
        XCTAssertGreaterThan(validity, 0)
        let before = try parent.search(uidFrom: 1).last ?? 0

        let run = UUID().uuidString.prefix(8).lowercased()
        let tokens = (1...5).map { "\(run)-\($0)" }
        var messages = tokens.enumerated().map { i, t in
            OutboundMessage(id: Int64(i + 1), mailFrom: "kizuna+b-\(i + 1)-ab12cd@clinic.test", rcptTo: "parent1@families.test",
                            data: sampleMessage(token: t, bodyLines: 50 * (i + 1)))
        }
        // Not a user: Postfix accepts it (Dovecot refuses later, and a DSN goes to the sender).
        messages.append(OutboundMessage(id: 100, mailFrom: "kizuna@clinic.test", rcptTo: "nosuchuser@families.test", data: sampleMessage(token: "\(run)-nosuch")))
        // A carrier-style local part, quoted on the wire; Postfix takes the quoted form.
        let quoted = try EmailAddress(localPart: "par..ent1", domain: "families.test")
        messages.append(OutboundMessage(id: 101, mailFrom: "kizuna@clinic.test", rcptTo: quoted.smtpPath, data: sampleMessage(token: "\(run)-quoted")))

        let transport = SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:2525", connections: 2, responseTimeout: 20, heloName: "kizuna.clinic.test"), logger: logger)
        let out = try deliverAll(transport, messages)
        XCTAssertEqual(out.count, messages.count)
        for (id, outcome) in out {
            guard case .accepted(250, let reply) = outcome else { XCTFail("delivery \(id): \(outcome)"); continue }
            XCTAssertTrue(reply.hasPrefix("250 2.0.0 Ok: queued as "), reply)
        }

        let found = try waitForMessages(parent, after: before, tokens: tokens)
        XCTAssertEqual(Set(found.keys), Set(tokens))
        for (i, t) in tokens.enumerated() {
            guard let got = found[t] else { continue }
            XCTAssertEqual(body(of: got), body(of: messages[i].data), "body of \(t)")
            XCTAssertTrue(String(decoding: got, as: UTF8.self).contains("Subject: kizuna test \(t)\r\n"))
        }
        XCTAssertEqual(try parent.uidValidity(), validity)

        // Flags: fetching by ;UID=n marks \Seen; STORE adds ours.
        if let uid = try parent.search(uidFrom: before + 1).first {
            XCTAssertTrue(try parent.flags(uid: uid).contains("\\Seen"))
            try parent.store(uid: uid, addFlags: ["$KizunaTest"])
            XCTAssertTrue(try parent.flags(uid: uid).contains("$KizunaTest"))
        }
    }

    func testRejectedAtRCPTByPostfixIsRejected() throws {
        // Postfix refuses a recipient it cannot parse with a 5xx at RCPT time; the next message still goes.
        let transport = SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:2525", connections: 1), logger: logger)
        let out = try deliverAll(transport, [
            OutboundMessage(id: 1, mailFrom: "kizuna@clinic.test", rcptTo: "someone@[300.1.1.1]", data: sampleMessage(token: "syntax")),
            OutboundMessage(id: 2, mailFrom: "kizuna@clinic.test", rcptTo: "x@discard.test", data: sampleMessage(token: "discard")),
        ])
        guard case .rejected(let code, let reply)? = out[1] else { return XCTFail("\(String(describing: out[1]))") }
        XCTAssertEqual(code, 501)
        XCTAssertEqual(reply, "501 5.1.3 Bad recipient address syntax")
        guard case .accepted(250, _)? = out[2] else { return XCTFail("\(String(describing: out[2]))") }
    }

    func testIMAPWrongPasswordAndUIDValidityMismatchAreErrors() throws {
        let bad = try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: "parent2@families.test", password: "wrong", responseTimeout: 10))
        XCTAssertThrowsError(try bad.uidValidity()) { XCTAssertEqual(($0 as? IMAPError)?.curlCode, 67, "\($0)") }
        let good = try imap("parent2@families.test")
        XCTAssertGreaterThan(try good.uidValidity(), 0)
        XCTAssertEqual(try good.search(uidFrom: 4_000_000_000), [])
    }
}
