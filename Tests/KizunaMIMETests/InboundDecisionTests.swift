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
}
