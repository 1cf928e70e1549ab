import Foundation
import KizunaCore
@testable import KizunaMIME
import XCTest

/// The decision's JSON (the inbound ledger's `decision` and `kizuna inspect --json`).
final class InboundDecisionTests: XCTestCase {
    func testTheJSONHasSortedKeysEscapedTextAndNoAbsentValues() throws {
        var d = InboundDecision(kind: .command, reason: nil, from: "parent@families.example", messageID: nil, edition: "sakura",
                                subject: "stop \"now\"", text: "stop\n\tplease \\ thanks\u{1}", command: .init(name: "stop", arguments: ["scope": "all"]),
                                language: "en", why: ["subject: \"stop\" → stop"], mayReply: true, defects: [])
        d.authenticationFailures = ["dmarc=fail"]
        let json = d.json()
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["kind", "from", "edition", "subject", "text", "command", "language", "why", "may_reply",
                                          "defects", "authentication_failures"])
        XCTAssertEqual(object["text"] as? String, d.text)
        XCTAssertEqual(object["subject"] as? String, d.subject)
        XCTAssertEqual(object["may_reply"] as? Bool, true)
        XCTAssertEqual((object["command"] as? [String: Any])?["arguments"] as? [String: String], ["scope": "all"])
        XCTAssertEqual(object["authentication_failures"] as? [String], ["dmarc=fail"])
        // Keys in sorted order, on one line.
        let keys = json.dropFirst().split(separator: ",").compactMap { $0.hasPrefix("\"") ? $0.split(separator: ":").first.map(String.init) : nil }
        XCTAssertEqual(keys.first, "\"authentication_failures\"")
        XCTAssertFalse(json.contains("\n"))
        // The same keys as the Codable form (the inbound ledger's older rows were written that way).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let codable = try XCTUnwrap(JSONSerialization.jsonObject(with: encoder.encode(d)) as? [String: Any])
        XCTAssertEqual(Set(codable.keys), Set(object.keys))
    }

    /// A reply is known as one to our mail by the Message-ID its In-Reply-To or References names
    /// (ours: a delivery's, for the edition's domain), whatever its subject; a stranger's id is not.
    func testAReplyToOurMailIsChatterWhenItsNewTextHasNoCommand() throws {
        let editions = [Edition(id: "sakura", name: "Sakura", address: try EmailAddress(parsing: "kizuna@clinic.example"),
                                fromName: "Sakura", languages: ["ja", "en"], plusAddressing: true)]
        let ours = OwnMessageID.delivery(77, date: CivilDate(iso: "2026-11-24")!, domain: "clinic.example")
        func read(_ headers: String, _ body: String) -> InboundDecision {
            let raw = "From: parent@families.example\r\nTo: kizuna@clinic.example\r\nSubject: Re: 40週0日 出産予定日を迎えて\r\n"
                + "Message-ID: <reply-\(body.count)@families.example>\r\n\(headers)MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\(body)\r\n"
            return InboundReader.read(Array(raw.utf8), editions: editions, today: CivilDate(iso: "2026-11-25")!).decision
        }
        let thanks = read("In-Reply-To: <\(ours)>\r\n", "ありがとうございます")
        XCTAssertEqual(thanks.command?.name, "unknown")
        XCTAssertEqual(thanks.command?.arguments["reason"], "reply to our mail")
        XCTAssertTrue(thanks.why.contains { $0.hasPrefix("In-Reply-To: \"\(ours)\"") }, "\(thanks.why)")

        let referencesOnly = read("References: <a1@families.example> <\(ours)>\r\n", "thank you, this helped")
        XCTAssertEqual(referencesOnly.command?.arguments["reason"], "reply to our mail")
        XCTAssertTrue(referencesOnly.why.contains { $0.hasPrefix("References: ") }, "\(referencesOnly.why)")

        let stranger = read("In-Reply-To: <CAF=abc123@mail.gmail.example>\r\n", "ありがとうございます")
        XCTAssertEqual(stranger.command?.arguments["reason"], "no command")
        let otherDomain = read("In-Reply-To: <\(OwnMessageID.delivery(77, date: CivilDate(iso: "2026-11-24")!, domain: "elsewhere.example"))>\r\n",
                               "ありがとうございます")
        XCTAssertEqual(otherDomain.command?.arguments["reason"], "no command")

        XCTAssertEqual(read("In-Reply-To: <\(ours)>\r\n", "停止").command?.name, "stop")
        XCTAssertEqual(read("In-Reply-To: <\(ours)>\r\n", "再開").command?.name, "resume")
        let born = read("In-Reply-To: <\(ours)>\r\n", "生まれました 2026-11-23")
        XCTAssertEqual(born.command?.name, "born")
        XCTAssertEqual(born.command?.arguments["date"], "2026-11-23")
    }
}
