import Foundation
import KizunaCore
import Testing
@testable import KizunaMIME

/// Header fields, encoded-words, parameters, addresses, ids and dates, one rule at a time.
@Suite struct IncomingHeaderTests {
    private func message(_ header: String, body: String = "x\n") throws -> IncomingMessage {
        try IncomingMessage.parse([UInt8](crlf: header + "\n\n" + body))
    }

    @Test func unfoldingLookupAndRepeatedFields() throws {
        // Bare LF line ends, folded with a tab, a repeated field, names in any case.
        let raw = Array("Received: from a\n\tby b\nreceived: from c\nSUBJECT:   hello\n  world  \nX-Empty:\n\nbody".utf8)
        let m = try IncomingMessage.parse(raw)
        #expect(m.headerValues("Received") == ["from a\tby b", "from c"])
        #expect(m.header("subject") == "hello  world")
        #expect(m.header("x-empty") == "")
        #expect(m.header("Missing") == nil)
        #expect(m.parts.first?.body == Array("body".utf8))
    }

    @Test func encodedWords() throws {
        func decoded(_ raw: String) -> String { IncomingEncodedWord.decode(Array(raw.utf8)) }
        #expect(decoded("=?UTF-8?Q?caf=C3=A9?= =?UTF-8?Q?_ok?=") == "café ok")
        #expect(decoded("=?utf-8?b?5aaK5aig?=\r\n =?utf-8?b?6YCx?=") == "妊娠週")
        #expect(decoded("Re: =?ISO-2022-JP?B?GyRCRVBPPxsoQg==?= now") == "Re: 登録 now")
        #expect(decoded("a =?utf-8?q?b?= c") == "a b c")
        // Different charsets side by side still join without the blank.
        #expect(decoded("=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=") == "éé")
        // Malformed words stay as written.
        #expect(decoded("=?UTF-8?X?abc?=") == "=?UTF-8?X?abc?=")
        #expect(decoded("=?UTF-8?B?!!!?=") == "=?UTF-8?B?!!!?=")
        #expect(decoded("=?UTF-8?Q?no end") == "=?UTF-8?Q?no end")
        #expect(decoded("=??Q?abc?=") == "=??Q?abc?=")
        // RFC 2231 language suffix, unknown charsets guessed.
        #expect(decoded("=?utf-8*ja?B?44GC?=") == "あ")
        #expect(decoded("=?x-unknown?q?plain?=") == "plain")
        // A lower-case encoding letter and Q hex in lower case.
        #expect(decoded("=?Shift_JIS?b?gqA=?=") == "あ")
        #expect(decoded("=?utf-8?q?=e3=81=82?=") == "あ")
    }

    @Test func raw8BitAndJISHeaders() throws {
        var raw: [UInt8] = Array("Subject: ".utf8) + Array("件名テスト".utf8) + [13, 10]
        raw += Array("X-SJIS: ".utf8) + [0x82, 0xA0, 0x82, 0xA2] + [13, 10]
        raw += Array("X-JIS: ".utf8) + [0x1B, 0x24, 0x42, 0x24, 0x22, 0x1B, 0x28, 0x42] + [13, 10, 13, 10]
        let m = try IncomingMessage.parse(raw)
        #expect(m.subject == "件名テスト")
        #expect(m.header("X-SJIS") == "あい")
        #expect(m.decodedHeader("X-JIS") == "あ")
    }

    @Test func contentTypeParameters() throws {
        let plain = try #require(ContentType(parsing: "Text/Plain; Charset=\"UTF-8\"; format=flowed; delsp=yes (comment)"))
        #expect(plain.mimeType == "text/plain")
        #expect(plain.charset == "UTF-8")
        #expect(plain.parameters["format"] == "flowed")
        #expect(plain.parameters["delsp"] == "yes")
        let missingSemicolon = try #require(ContentType(parsing: "text/plain charset=iso-2022-jp"))
        #expect(missingSemicolon.charset == "iso-2022-jp")
        #expect(ContentType(parsing: "text") == nil)
        #expect(ContentType(parsing: "") == nil)

        let latin = try #require(ContentDisposition(parsing: "attachment; filename*=iso-8859-1'en'%A3%20rates.txt"))
        #expect(latin.isAttachment)
        #expect(latin.filename == "£ rates.txt")
        let mixed = try #require(ContentDisposition(parsing: "inline; title*0=\"part one \"; title*1*=%E3%81%82; title*2=\" end\""))
        #expect(mixed.parameters["title"] == "part one あ end")
        // An escape split over two sections, and sections out of order.
        let split = try #require(ContentDisposition(parsing: "attachment; filename*1*=81%82.txt; filename*0*=utf-8''%E3%"))
        #expect(split.filename == "あ.txt")
        let quoted = try #require(ContentDisposition(parsing: "attachment; filename=\"a \\\"b\\\"; c.pdf\""))
        #expect(quoted.filename == "a \"b\"; c.pdf")
        // Extended parameters win over the plain fallback.
        let both = try #require(ContentDisposition(parsing: "attachment; filename=\"fallback.txt\"; filename*=UTF-8''%E5%90%8D.txt"))
        #expect(both.filename == "名.txt")
    }

    @Test func addresses() throws {
        let m = try message("""
            From: "Yamada, Taro" (father) <taro@Example.COM>
            To: Friends: a@x.example, "B, b" <b@y.example>;, c@z.example (Cee Person)
            Reply-To: <@relay.example:kizuna+c-TOKEN@clinic.example>
            Cc: =?UTF-8?B?5bGx55Sw?= <"taro..x"@docomo.ne.jp>, undisclosed-recipients:;
            """)
        #expect(m.from?.displayName == "Yamada, Taro father")
        #expect(m.from?.address.description == "taro@example.com")
        #expect(m.to.map(\.address.description) == ["a@x.example", "b@y.example", "c@z.example"])
        #expect(m.to.map(\.displayName) == [nil, "B, b", "Cee Person"])
        #expect(m.replyTo.first?.address.localPart == "kizuna+c-TOKEN")
        #expect(m.cc.count == 1)
        #expect(m.cc.first?.displayName == "山田")
        #expect(m.cc.first?.address.localPart == "taro..x")
        #expect(m.defects.isEmpty, "\(m.defects)")
    }

    @Test func carrierAndUnreadableAddresses() throws {
        let carrier = try message("From: taro..x.@docomo.ne.jp\nReturn-Path: <taro..x.@docomo.ne.jp>")
        #expect(carrier.from?.address.localPart == "taro..x.")
        let bad = try message("From: not an address\nReturn-Path: <>")
        #expect(bad.from == nil)
        #expect(bad.returnPath == .null)
        #expect(bad.defects.contains { $0.hasPrefix("From:") })
        let none = try message("Subject: no from")
        #expect(none.from == nil && none.returnPath == nil)
    }

    @Test func messageIDs() throws {
        let m = try message("""
            Message-ID: <abc.123@host.example>
            In-Reply-To: <one@a.example> (comment)
            References: <one@a.example>
             <two@b.example> <three@c.example>
            """)
        #expect(m.messageID == "abc.123@host.example")
        #expect(m.inReplyTo == ["one@a.example"])
        #expect(m.references == ["one@a.example", "two@b.example", "three@c.example"])
        let bare = try message("Message-ID: bare-id@host.example")
        #expect(bare.messageID == "bare-id@host.example")
    }

    @Test func dates() throws {
        func date(_ s: String) -> Date? { IncomingDate.parse(s) }
        let expected = InboundFixtures.instant(2027, 1, 5, 8, 12, 44, offsetHours: 9)
        #expect(date("Tue, 5 Jan 2027 08:12:44 +0900") == expected)
        #expect(date("5 Jan 2027 08:12:44 +0900") == expected)
        #expect(date("Tue, 05 Jan 2027 08:12:44 +0900 (JST)") == expected)
        #expect(date("Tuesday, 5 Jan 2027 08:12:44 JST") == expected)
        #expect(date("Mon, 4 Jan 2027 18:12:44 EST") == expected)
        #expect(date("Mon, 4 Jan 27 23:12:44 GMT") == expected)
        #expect(date("Mon, 4 Jan 2027 23:12:44 Z") == expected)
        #expect(date("Mon,  4 Jan 2027 23:12 +0000") == InboundFixtures.instant(2027, 1, 4, 23, 12, 0, offsetHours: 0))
        #expect(date("Mon Jan  4 23:12:44 2027") == expected)
        #expect(date("Mon, 4 Jan 1999 23:12:44 -0130") == InboundFixtures.instant(1999, 1, 4, 23, 12, 44, offsetHours: -1.5))
        // Military zones other than Z are "unknown": read as UTC (RFC 5322 §4.3).
        #expect(date("4 Jan 2027 23:12:44 A") == expected)
        #expect(date("31 Feb 2027 10:00:00 +0000") == nil)
        #expect(date("yesterday") == nil)
        #expect(date("") == nil)
        let m = try message("Date: someday")
        #expect(m.date == nil)
        #expect(m.defects.contains { $0.hasPrefix("Date:") })
    }

    @Test func headerAndBodyBoundaries() throws {
        // No blank line: the first line that is no field starts the body.
        let noBlank = try IncomingMessage.parse(Array("Subject: stop\nstop please\n".utf8))
        #expect(noBlank.subject == "stop")
        #expect(noBlank.textBody == "stop please\n")
        #expect(noBlank.defects.contains("no blank line between header and body"))
        // Header only.
        let headerOnly = try IncomingMessage.parse(Array("Subject: help".utf8))
        #expect(headerOnly.subject == "help")
        #expect(headerOnly.textBody == "")
        // An mbox From_ line is skipped.
        let mbox = try IncomingMessage.parse(Array("From someone@example.com Mon Jan  4 10:00:00 2027\nSubject: hi\n\nbody".utf8))
        #expect(mbox.subject == "hi")
        // Nothing that looks like a header at all.
        #expect(throws: MIMEParseError(code: .noHeader, detail: "no header field before the first line that is not one")) {
            try IncomingMessage.parse(Array("just some text\nand more\n".utf8))
        }
        #expect(throws: MIMEParseError(code: .empty, detail: "the message is empty")) { try IncomingMessage.parse([]) }
        #expect(throws: MIMEParseError.self) { try IncomingMessage.parse(Array("\r\n\r\nbody".utf8)) }
    }
}
