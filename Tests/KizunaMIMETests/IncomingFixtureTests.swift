import Foundation
import KizunaCore
import Testing
@testable import KizunaMIME

/// Real-shaped messages from the clients parents use, checked end to end: decoded subject,
/// sender, text body and the new part of a reply.
@Suite struct IncomingFixtureTests {
    @Test func iPhoneMailQuotedPrintableFlowed() throws {
        let m = try InboundFixtures.message("iphone-flowed-qp.eml")
        #expect(m.subject == "登録")
        #expect(m.from?.address.description == "hanako.sato@icloud.example")
        #expect(m.from?.displayName == "佐藤 花子")
        #expect(m.returnPath == .address(try EmailAddress(parsing: "hanako.sato@icloud.example")))
        #expect(m.messageID == "9A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9@icloud.example")
        #expect(m.date == InboundFixtures.instant(2027, 1, 5, 8, 12, 44, offsetHours: 9))
        #expect(m.textBody == "登録します。出産予定日は2027年5月1日です。 ニックネームは「はなちゃん」で、住んでいる地域は横浜市です。 どうぞよろしくお願いします。\n\niPhoneから送信\n")
        #expect(m.defects.isEmpty, "\(m.defects)")
    }

    @Test func gmailReplyInAlternative() throws {
        let m = try InboundFixtures.message("gmail-reply-alternative.eml")
        #expect(m.subject == "Re: Day 100")
        #expect(m.from?.address.description == "ken.tanaka@gmail.example")
        #expect(m.to.first?.displayName == "Kizuna Clinic")
        #expect(m.inReplyTo == ["delivery-4411.20270104@clinic.example"])
        #expect(m.references == ["delivery-4411.20270104@clinic.example"])
        #expect(m.contentType.mimeType == "multipart/alternative")
        #expect(m.parts.map(\.contentType.mimeType) == ["text/plain", "text/html"])
        let text = try #require(m.textBody)
        #expect(text.hasPrefix("Stop please. Thank you for everything.\n\nOn Mon, Jan 4, 2027"))
        #expect(ReplyText.newContent(of: text) == "Stop please. Thank you for everything.")
        // The HTML alternative, read on its own, marks the Gmail quote as quoted.
        let html = try #require(m.parts[1].text())
        #expect(ReplyText.newContent(of: IncomingHTMLText.text(fromHTML: html)) == "Stop please. Thank you for everything.")
    }

    @Test func outlookHTMLOnly() throws {
        let m = try InboundFixtures.message("outlook-html-only.eml")
        #expect(m.from?.displayName == "Jones, Mary")
        #expect(m.from?.address.description == "mary.jones@outlook.example")
        #expect(m.to.first?.displayName == "kizuna@clinic.example")
        let text = try #require(m.textBody)
        #expect(!text.contains("alert") && !text.contains("MsoNormal") && !text.contains("<p") && !text.contains("<b>"))
        #expect(text.contains("From: Kizuna Clinic <kizuna@clinic.example>\nSent: Monday, January 4, 2027 9:00 PM"))
        #expect(ReplyText.newContent(of: text) == "pause until 2027-06-01\n\nWe\u{2019}re travelling & back in June.")
    }

    @Test func thunderbirdJapaneseFlowed() throws {
        let m = try InboundFixtures.message("thunderbird-ja-flowed.eml")
        #expect(m.subject == "Re: 一時停止を受け付けました")
        #expect(m.from?.displayName == "山本 一郎")
        let text = try #require(m.textBody)
        #expect(text.hasPrefix("再開 でお願いします。\n\n2027/01/04 21:00, きずなクリニック さんは書きました:\n> 一時停止を受け付けました。\n"))
        #expect(text.hasSuffix("\n-- \n山本 一郎\n"))
        #expect(ReplyText.newContent(of: text) == "再開 でお願いします。")
    }

    @Test func docomoISO2022JPWithNECCharacters() throws {
        let m = try InboundFixtures.message("docomo-iso2022jp.eml")
        #expect(m.subject == "とうろく")
        #expect(m.from?.address.localPart == "taro..x.")
        #expect(m.from?.address.domain == "docomo.ne.jp")
        #expect(m.returnPath == .address(try EmailAddress(parsing: "taro..x.@docomo.ne.jp")))
        #expect(m.date == InboundFixtures.instant(2027, 1, 5, 7, 1, 2, offsetHours: 9))
        #expect(m.textBody == "登録\n出産予定日　２０２７年５月１日\n①第一子です\n")
        #expect(m.defects.isEmpty, "\(m.defects)")
    }

    @Test func auShiftJIS8bit() throws {
        let m = try InboundFixtures.message("au-shiftjis-8bit.eml")
        #expect(m.subject == "配信停止")
        #expect(m.from?.displayName == "はなこ")
        #expect(m.from?.address.description == "hanako.@ezweb.ne.jp")
        #expect(m.date == InboundFixtures.instant(2027, 1, 5, 7, 30, 0, offsetHours: 9))
        #expect(m.textBody == "配信停止\n～ありがとうございました～ ①\n")
    }

    @Test func softBankRawSubjectAndBase64Part() throws {
        let m = try InboundFixtures.message("softbank-shiftjis-base64.eml")
        #expect(m.subject == "出産報告", "a raw Shift_JIS subject is guessed")
        #expect(m.header("Subject") == "出産報告")
        #expect(m.from?.address.description == "mama-2027@i.softbank.jp")
        #expect(m.textBody == "生まれました！\n誕生日は２０２７年４月２８日です。㈱も①も大丈夫？\n")
        #expect(m.parts.count == 2)
        let photo = m.parts[1]
        #expect(photo.contentType.mimeType == "image/jpeg")
        #expect(photo.filename == "IMG_0001.jpg")
        #expect(photo.isAttachment)
        #expect(photo.body.count == 600)
        #expect(photo.section == [2])
    }

    @Test func eucJP() throws {
        let m = try InboundFixtures.message("eucjp-status.eml")
        #expect(m.subject == "状態")
        #expect(m.from?.displayName == "鈴木")
        #expect(m.textBody == "状態を教えてください。\n")
        #expect(m.date == InboundFixtures.instant(2027, 1, 6, 1, 0, 0, offsetHours: 0))
    }

    @Test func latin1WithWindows1252Euro() throws {
        let m = try InboundFixtures.message("latin1-subscribe.eml")
        #expect(m.subject == "Abonnement à Kizuna")
        #expect(m.from?.displayName == "Renée Dupré")
        #expect(m.textBody == "Bonjour,\nJe voudrais m'abonner, la date prévue est le 2027-03-15.\nCoût: 0 €, merci !\n")
    }

    @Test func forwardedMessageStaysOutOfTheText() throws {
        let m = try InboundFixtures.message("forwarded-rfc822.eml")
        #expect(m.textBody == "Please look at my daughter's mail below.\n")
        #expect(m.parts.map(\.contentType.mimeType) == ["text/plain", "message/rfc822"])
        let inner = try m.parts[1].attachedMessage()
        #expect(inner.subject == "配信停止")
        #expect(inner.from?.address.description == "yuki@family.example")
        #expect(inner.textBody == "配信停止\nお母さんへ\n")
    }

    @Test func rfc2231FileName() throws {
        let m = try InboundFixtures.message("rfc2231-filename.eml")
        #expect(m.textBody == "due 2027-09-09")
        let pdf = try #require(m.parts.last)
        #expect(pdf.disposition?.filename == "出産予定日の診断書.pdf")
        #expect(pdf.contentType.parameters["name"] == "出産予定日の診断書.pdf")
        #expect(pdf.isAttachment)
        #expect(pdf.body.starts(with: Array("%PDF-1.4".utf8)))
        #expect(m.defects.isEmpty, "\(m.defects)")
    }

    @Test func missingFinalBoundary() throws {
        let m = try InboundFixtures.message("missing-final-boundary.eml")
        #expect(m.textBody == "help")
        #expect(m.parts.count == 2)
        #expect(m.parts[1].text()?.contains("<p>help</p>") == true)
        #expect(m.defects.contains { $0.contains("no closing boundary") })
    }

    @Test func binaryGarbageIsNoMessage() throws {
        #expect(throws: MIMEParseError.self) { try InboundFixtures.message("binary-garbage.eml") }
    }

    @Test func hundredKilobyteHeaderLine() throws {
        let m = try InboundFixtures.message("long-header-100k.eml")
        #expect(m.subject == "status")
        #expect(m.textBody == "status\n")
        #expect(m.defects.contains { $0.contains("header longer than") })
        #expect((m.header("X-Padding")?.utf8.count ?? 0) < 102_400)
    }

    @Test func deliveryStatusReportParts() throws {
        let m = try InboundFixtures.message("bounce-dsn.eml")
        #expect(m.returnPath == .null)
        #expect(m.from?.address.description == "MAILER-DAEMON@mx.clinic.example")
        #expect(m.from?.displayName == "Mail Delivery System")
        #expect(m.contentType.mimeType == "multipart/report")
        #expect(m.contentType.parameters["report-type"] == "delivery-status")
        #expect(m.parts.map(\.contentType.mimeType) == ["text/plain", "message/delivery-status", "text/rfc822-headers"])
        #expect(m.textBody?.hasPrefix("I'm sorry to have to inform you") == true)
        #expect(m.textBody?.contains("Message-ID") == false)
        let groups = IncomingHeaders.groups(parsing: m.parts[1].body)
        #expect(groups.count == 2)
        #expect(groups.first?.value("Reporting-MTA") == "dns; mx.clinic.example")
        #expect(groups.last?.value("Status") == "5.1.1")
        #expect(groups.last?.value("Final-Recipient") == "rfc822; gone@docomo.ne.jp")
        #expect(groups.last?.value("Diagnostic-Code") == "smtp; 550 5.1.1 <gone@docomo.ne.jp>: Recipient address    rejected: User unknown")
        let original = IncomingHeaders(parsing: m.parts[2].body)
        #expect(original.decodedValue("Subject") == "妊娠20週")
        #expect(original.value("message-id") == "<delivery-4411@clinic.example>")
    }

    @Test func outlookJapanesePlainWithSplitEncodedWords() throws {
        let m = try InboundFixtures.message("outlook-ja-plain.eml")
        #expect(m.subject == "配信停止をお願いします")
        #expect(m.to.first?.displayName == "きずな")
        let text = try #require(m.textBody)
        #expect(text.contains("差出人: きずなクリニック"))
        #expect(ReplyText.newContent(of: text) == "配信停止をお願いします。")
    }

    /// Every fixture but the garbage parses, and the reply extraction runs on each.
    @Test func everyFixtureParses() throws {
        #expect(InboundFixtures.all.count >= 16)
        for name in InboundFixtures.all where name != "binary-garbage.eml" {
            let m = try InboundFixtures.message(name)
            #expect(m.textBody != nil, "\(name) has a text body")
            _ = ReplyText.newContent(of: m.textBody ?? "")
        }
    }
}
