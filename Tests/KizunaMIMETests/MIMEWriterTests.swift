import Foundation
import KizunaCore
import Testing
@testable import KizunaMIME

/// The messages the golden files hold; each case's file is `Tests/Fixtures/mime/<name>.eml`.
enum GoldenMessages {
    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!
    /// 2027-05-01 06:30:00 +0900
    static let date = Date(timeIntervalSince1970: 1_809_120_600)
    static let boundary = MIMEWriter.makeBoundary(seed: 20_270_501)

    static func address(_ s: String) -> EmailAddress { try! EmailAddress(parsing: s) }

    static let clinic = Mailbox(address("kizuna@clinic.example"), displayName: "さくら産婦人科 きずな便り")

    static let japaneseText = """
        はなこさん、おはようございます。

        今日で妊娠20週0日、折り返し地点です。赤ちゃんの身長は約25cm、体重は約300gになりました。
        耳が聞こえ始めているので、ゆっくり話しかけてみましょう。

        眠れない夜が続くときは、ひとりで抱え込まずに相談してください。
        さくら市保健センター 母子相談窓口（平日9時〜17時）：0120-000-000

        配信停止は「stop」と返信してください。
        """
    static let japaneseHTML = """
        <!doctype html>
        <html lang="ja"><head><meta charset="utf-8"><title>きずな便り</title></head>
        <body style="font-family: sans-serif; line-height: 1.7">
        <p>はなこさん、おはようございます。</p>
        <p>今日で<strong>妊娠20週0日</strong>、折り返し地点です。赤ちゃんの身長は約25cm、体重は約300gになりました。耳が聞こえ始めているので、ゆっくり話しかけてみましょう。</p>
        <p>眠れない夜が続くときは、ひとりで抱え込まずに相談してください。<br>さくら市保健センター 母子相談窓口（平日9時〜17時）：<a href="tel:0120000000">0120-000-000</a></p>
        <p style="font-size: small">配信停止は「stop」と返信してください。</p>
        </body></html>
        """

    static let cases: [(name: String, message: OutgoingMessage)] = [
        ("ja-long-subject-html", OutgoingMessage(
            from: clinic,
            to: Mailbox(address("hanako@example.jp"), displayName: "山田 はなこ"),
            subject: "【きずな便り】妊娠20週0日：折り返し地点です。赤ちゃんの耳が聞こえ始めています、ゆっくり話しかけてみましょう",
            date: date, timeZone: tokyo,
            messageID: "kizuna.123.20270501.ab12@clinic.example",
            listID: "sakura.kizuna.clinic.example", listName: "さくら きずな便り",
            listUnsubscribe: ["mailto:kizuna+u-Q2FKZ3h5T0s@clinic.example?subject=stop",
                              "https://kizuna.clinic.example/unsubscribe?t=Q2FKZ3h5T0s&sig=9f86d081884c7d65"],
            listUnsubscribePost: true,
            textBody: japaneseText, htmlBody: japaneseHTML)),
        ("en-long-subject-text-only", OutgoingMessage(
            from: Mailbox(address("kizuna@clinic.example"), displayName: #"Sakura Clinic, Dr. "Yamada" (Kizuna)"#),
            to: Mailbox(address(#""taro..x."@docomo.ne.jp"#)),
            replyTo: Mailbox(address("kizuna+c-7f3a9b@clinic.example"), displayName: "Kizuna"),
            subject: "Your baby is 100 days old today: the okuizome meal, sleep that changes from week to week, and the 4-month checkup",
            date: date, timeZone: tokyo,
            messageID: "kizuna.124.20270501.cd34@clinic.example",
            textBody: "Good morning, Taro.\n\nYour baby is 100 days old today.\r\nMany families celebrate okuizome.\rReply \"stop\" to stop these messages.")),
        ("mixed-subject-extra-headers", OutgoingMessage(
            from: clinic,
            to: Mailbox(address(#""taro..x."@docomo.ne.jp"#), displayName: "たろう"),
            subject: "Kizuna 便り: 生後100日 🎉 お食い初め (okuizome) day — =?not-encoded?= ok",
            date: date, timeZone: TimeZone(identifier: "America/New_York")!,
            messageID: "kizuna.125.20270501.ef56@clinic.example",
            listID: "sakura.kizuna.clinic.example", listName: "Sakura Kizuna",
            listUnsubscribe: ["mailto:kizuna+u-abc@clinic.example?subject=stop"],
            extraHeaders: [("X-Kizuna-Stage", "child day 100"), ("X-Kizuna-Note", "地域の情報: 子育て支援センター\r\nBcc: x@y")],
            textBody: "生後100日、おめでとうございます。\n", htmlBody: "<p>生後100日、おめでとうございます。</p>")),
    ]
}

@Suite struct MIMEWriterTests {
    @Test(arguments: GoldenMessages.cases.map(\.name))
    func goldenFile(name: String) throws {
        let message = try #require(GoldenMessages.cases.first { $0.name == name }).message
        let rendered = MIMEWriter.render(message, boundary: GoldenMessages.boundary)
        let url = Fixtures.directory.appendingPathComponent(name + ".eml")
        if ProcessInfo.processInfo.environment["KIZUNA_WRITE_GOLDEN"] == "1" {
            try Data(rendered).write(to: url)
        }
        let golden = try [UInt8](Data(contentsOf: url))
        #expect(rendered == golden, "\(name).eml differs; got:\n\(String(decoding: rendered, as: UTF8.self))")
    }

    @Test(arguments: GoldenMessages.cases.map(\.name))
    func structure(name: String) throws {
        let message = try #require(GoldenMessages.cases.first { $0.name == name }).message
        let bytes = MIMEWriter.render(message, boundary: GoldenMessages.boundary)
        let headers = try ParsedHeaders(bytes)
        let expectedOrder = ["Date", "From", "To"] + (message.replyTo == nil ? [] : ["Reply-To"])
            + ["Subject", "Message-ID", "MIME-Version"]
            + (message.listID == nil ? [] : ["List-Id"])
            + (message.listUnsubscribe.isEmpty ? [] : ["List-Unsubscribe"])
            + (message.listUnsubscribePost ? ["List-Unsubscribe-Post"] : [])
            + message.extraHeaders.map(\.name)
            + (message.htmlBody == nil ? ["Content-Type", "Content-Transfer-Encoding"] : ["Content-Type"])
        #expect(headers.fields.map(\.name) == expectedOrder)
        for field in headers.fields {
            #expect(WireChecks.problems(inField: field.raw, allowUnbreakable: true).isEmpty, "\(field.raw.debugDescription)")
        }
        let subject = try #require(headers["Subject"])
        #expect(EncodedWordReader.decode(subject.value)?.text == message.subject)
        let from = try #require(headers["From"])
        #expect(EncodedWordReader.decodeMailbox(from.value)?.name == message.from.displayName)
        #expect(EncodedWordReader.decodeMailbox(from.value)?.address == message.from.address.smtpPath)
        let to = try #require(headers["To"])
        #expect(EncodedWordReader.decodeMailbox(to.value)?.address == message.to.address.smtpPath)

        // Bodies: base64 in lines of at most 76, decoding to the text with CRLF line breaks.
        let body = String(decoding: headers.body, as: UTF8.self)
        #expect(!body.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!body.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        let parts: [(String, String)]
        if let html = message.htmlBody {
            let b = GoldenMessages.boundary
            #expect(headers["Content-Type"]?.value == "multipart/alternative; boundary=\"\(b)\"")
            let pieces = body.components(separatedBy: "--\(b)")
            try #require(pieces.count == 4)
            #expect(pieces[0].isEmpty)
            #expect(pieces[3] == "--\r\n")
            parts = [(pieces[1], message.textBody), (pieces[2], html)]
            #expect(pieces[1].hasPrefix("\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"))
            #expect(pieces[2].hasPrefix("\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"))
        } else {
            parts = [("\r\n\r\n" + body, message.textBody)]
        }
        for (part, source) in parts {
            let encoded = try #require(part.components(separatedBy: "\r\n\r\n").last)
            let lines = encoded.components(separatedBy: "\r\n").dropLast()
            #expect(lines.allSatisfy { $0.utf8.count <= 76 && !$0.isEmpty })
            #expect(lines.dropLast().allSatisfy { $0.utf8.count == 76 })
            let data = try #require(Data(base64Encoded: lines.joined()))
            var expected = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
                .replacingOccurrences(of: "\n", with: "\r\n")
            if !expected.hasSuffix("\r\n") { expected += "\r\n" }
            #expect(String(decoding: data, as: UTF8.self) == expected)
        }
    }

    @Test func injectedBccInSubjectNamesAndExtrasNeverBecomesAHeader() throws {
        var message = GoldenMessages.cases[0].message
        message.subject = "hi\r\nBcc: x@y"
        message.to.displayName = "Hanako\nBcc: x@y"
        message.listName = "List\rBcc: x@y"
        message.listUnsubscribe = ["mailto:a@b.example\r\nBcc: x@y"]
        message.messageID = "id@x\r\nBcc: x@y"
        message.extraHeaders = [("X-Note", "a\r\nBcc: x@y"), ("X-Evil\r\nBcc", "x@y")]
        let bytes = MIMEWriter.render(message, boundary: "b")
        let headers = try ParsedHeaders(bytes)
        #expect(headers["Bcc"] == nil)
        #expect(!headers.fields.contains { $0.name.lowercased().hasPrefix("bcc") })
        #expect(headers["Subject"]?.value == "hi Bcc: x@y")
        #expect(headers["List-Unsubscribe"]?.value == "<mailto:a@b.example%0D%0ABcc:%20x@y>")
        #expect(headers["Message-ID"]?.value == "<id@xBcc:x@y>")
    }

    @Test func textOnlyEmptyBodyStillEndsWithCRLF() throws {
        var message = GoldenMessages.cases[1].message
        message.textBody = ""
        let bytes = MIMEWriter.render(message, boundary: "unused")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("\r\n\r\nDQo=\r\n"))
    }

    @Test func renderIntoAppendsAfterExistingBytes() {
        let message = GoldenMessages.cases[0].message
        var buffer = Array("X-Envelope: 1\r\n".utf8)
        MIMEWriter.render(message, into: &buffer, boundary: GoldenMessages.boundary)
        #expect(buffer == Array("X-Envelope: 1\r\n".utf8) + MIMEWriter.render(message, boundary: GoldenMessages.boundary))
    }

    @Test func boundaries() {
        #expect(MIMEWriter.makeBoundary(seed: 1) == MIMEWriter.makeBoundary(seed: 1))
        #expect(MIMEWriter.makeBoundary(seed: 1) != MIMEWriter.makeBoundary(seed: 2))
        let b = MIMEWriter.makeBoundary(seed: 99)
        #expect(b.utf8.count <= 70 && MIMEWriter.boundaryBytes(b) == Array(b.utf8))
        #expect(MIMEWriter.boundaryBytes("a b\"c\r\nd") == Array("abcd".utf8))
        #expect(MIMEWriter.boundaryBytes(String(repeating: "z", count: 100)).count == 70)
    }

    @Test func base64BodyEncoderMatchesFoundation() throws {
        var rng = SplitMix64(state: 5)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var out: [UInt8] = []
            bytes.withUnsafeBufferPointer { Base64.appendLines($0, into: &out) }
            let lines = String(decoding: out, as: UTF8.self).components(separatedBy: "\r\n")
            #expect(lines.last == "")
            #expect(lines.dropLast().joined() == Data(bytes).base64EncodedString())
            #expect(lines.allSatisfy { $0.utf8.count <= 76 })
            var word: [UInt8] = []
            Base64.appendWord(bytes[...], into: &word)
            #expect(String(decoding: word, as: UTF8.self) == Data(bytes).base64EncodedString())
        }
    }

    @Test func throughput() {
        // About 1.5 KB of Japanese text and 3 KB of HTML, as a typical daily message.
        func prefix(_ s: String, bytes: Int) -> String {
            var out = ""
            for c in String(repeating: s, count: 4) where out.utf8.count < bytes { out.append(c) }
            return out
        }
        var message = GoldenMessages.cases[0].message
        message.textBody = prefix(GoldenMessages.japaneseText + "\n", bytes: 1_500)
        message.htmlBody = prefix(GoldenMessages.japaneseHTML, bytes: 3_000)
        let count = 20_000
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        var total = 0
        let start = ContinuousClock.now
        for i in 0..<count {
            buffer.removeAll(keepingCapacity: true)
            MIMEWriter.render(message, into: &buffer, boundary: MIMEWriter.makeBoundary(seed: UInt64(i)))
            total += buffer.count
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("MIMEWriter throughput: \(Int(Double(count) / seconds)) msgs/s (\(count) messages of \(total / count) bytes; text \(message.textBody.utf8.count) B, html \(message.htmlBody!.utf8.count) B, in \(String(format: "%.2f", seconds)) s)")
        #expect(total > 0)
    }
}
