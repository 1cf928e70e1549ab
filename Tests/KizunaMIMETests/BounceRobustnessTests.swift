import Foundation
import KizunaCore
import Testing
@testable import KizunaMIME

/// Hostile and odd inputs: each gets a verdict, quickly, and none stops a parent by mistake.
@Suite struct BounceRobustnessTests {
    let tokens = BounceFixtures.tokens

    func verdict(_ text: String) throws -> BounceVerdict {
        BounceAnalysis.analyze(try IncomingMessage.parse(Array(crlf: text)), tokens: tokens)
    }

    @Test func twentyMegabyteAttachmentInTheReturnedMessage() throws {
        let base = try String(contentsOf: BounceFixtures.directory.appendingPathComponent("postfix-userunknown.eml"), encoding: .utf8)
        let attachment = String(repeating: String(repeating: "QUJD", count: 19) + "\r\n", count: 20_000_000 / 78)
        let closing = base.range(of: "\r\n--", options: .backwards)!
        // Put a 20 MB base64 attachment inside the returned message's body.
        let returnedStart = base.range(of: "Content-Description: Undelivered Message\r\n\r\n")!
        var text = String(base[..<returnedStart.upperBound])
        text += "Return-Path: <x@y.example>\r\nMessage-ID: <kizuna.3e3.20270111.ab@clinic.example>\r\nContent-Type: multipart/mixed; boundary=\"in\"\r\n\r\n--in\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        text += attachment + "--in--\r\n"
        text += String(base[closing.lowerBound...])
        let bytes = Array(text.utf8)
        #expect(bytes.count > 20_000_000)
        let start = Date()
        let v = BounceAnalysis.analyze(try IncomingMessage.parse(bytes), tokens: tokens)
        #expect(v.kind == .bounce)
        #expect(v.recipients.map(\.address) == ["haruka.sato@example.jp"])
        #expect(v.delivery == 4411)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func garbageAndEmptyShapesGetAVerdict() throws {
        #expect(try verdict("Subject: hi\n\nhello").kind == .notBounce)
        let noGroups = try verdict("""
            From: MAILER-DAEMON@mx.example
            Content-Type: multipart/report; report-type=delivery-status; boundary=b

            --b
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example
            --b--
            """)
        #expect(noGroups.kind == .notBounce || noGroups.kind == .bounce)
        #expect(noGroups.recipients.isEmpty)
        let arfWithoutOriginal = try verdict("""
            From: fbl@isp.example
            Content-Type: multipart/report; report-type=feedback-report; boundary=b

            --b
            Content-Type: message/feedback-report

            Feedback-Type: abuse
            --b--
            """)
        #expect(arfWithoutOriginal.kind == .complaint)
        #expect(arfWithoutOriginal.complaint?.address == nil)
        #expect(arfWithoutOriginal.json.contains("\"address\":null"))
    }

    @Test func forgedVERPNeverNamesADelivery() throws {
        let real = OwnAddress.verp(deliveryID: 77).address(in: try EmailAddress(parsing: "kizuna@clinic.example"), plusAddressing: true, signedWith: tokens)
        let mac = real.localPart.split(separator: "-").last!
        let v = try verdict("""
            From: MAILER-DAEMON@mx.example
            To: kizuna+b-\(String(78, radix: 36))-\(mac)@clinic.example
            Subject: Undelivered Mail Returned to Sender
            Content-Type: multipart/report; report-type=delivery-status; boundary=b

            --b
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example

            Final-Recipient: rfc822; parent@example.jp
            Action: failed
            Status: 5.1.1
            --b
            Content-Type: text/rfc822-headers

            Message-ID: <kizuna.26.20270111.aa@clinic.example>
            --b--
            """)
        #expect(v.verp == .forged)
        #expect(v.delivery == nil)
        #expect(v.recipients.first?.hard == true)
        // Without the secret nothing is trusted either.
        let unchecked = BounceAnalysis.analyze(try IncomingMessage.parse(Array(crlf: "To: \(real)\nFrom: MAILER-DAEMON@mx.example\nSubject: Undeliverable\n\nCould not be delivered to <p@example.jp>: 550 5.1.1 user unknown")), tokens: nil)
        #expect(unchecked.verp == .unverified)
        #expect(unchecked.delivery == nil)
        #expect(unchecked.recipients.map(\.reason) == [.userunknown])
    }

    @Test func jsonIsStableAndEscaped() throws {
        var v = BounceVerdict(kind: .bounce)
        v.recipients = [BounceRecipient(address: "a@b.example", action: .failed, status: "5.1.1", reason: .userunknown,
                                        diagnostic: "say \"no\"\n\u{1}", remoteMTA: nil)]
        v.delivery = 42
        v.deliverySource = .verp
        v.verp = .valid
        #expect(v.json == #"{"delivery":"42","delivery_source":"verp","evidence":[],"kind":"bounce","original_list_id":null,"original_message_id":null,"recipients":[{"action":"failed","address":"a@b.example","diagnostic":"say \"no\"\n\u0001","hard":true,"reason":"userunknown","remote_mta":null,"status":"5.1.1"}],"reporting_mta":null,"verp":"valid"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(v.json.utf8)) as? [String: Any]
        #expect(parsed?["kind"] as? String == "bounce")
    }

    @Test func everyFixtureJSONParses() throws {
        for name in BounceFixtures.names {
            let v = try BounceFixtures.verdict(name)
            #expect((try? JSONSerialization.jsonObject(with: Data(v.json.utf8))) != nil, "\(name)")
        }
    }
}
