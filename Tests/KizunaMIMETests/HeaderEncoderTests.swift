import Foundation
import KizunaCore
import Testing
@testable import KizunaMIME

@Suite struct HeaderEncoderTests {
    private func decodedValue(_ field: String) throws -> String {
        let headers = try ParsedHeaders(Array((field + "\r\n\r\n").utf8))
        let value = try #require(headers.fields.first).value
        return try #require(EncodedWordReader.decode(value)).text
    }

    @Test func asciiSubjectStaysLiteral() {
        #expect(HeaderEncoder.unstructured(name: "Subject", value: "Week 20: your baby can hear you")
                == "Subject: Week 20: your baby can hear you")
    }

    @Test func emptySubject() throws {
        #expect(HeaderEncoder.unstructured(name: "Subject", value: "") == "Subject:")
    }

    @Test func longEnglishSubjectFoldsAtSpaces() throws {
        let subject = "Week 20 of your pregnancy: what the mid-pregnancy scan looks for, how to rest when sleep is hard, and where to find the drop-in space near you"
        let field = HeaderEncoder.unstructured(name: "Subject", value: subject)
        #expect(!field.contains("=?"))
        #expect(field.contains("\r\n "))
        #expect(WireChecks.problems(inField: field).isEmpty)
        #expect(try decodedValue(field) == subject)
    }

    @Test func japaneseSubjectIsEncodedWords() throws {
        let subject = "妊娠20週目になりました。赤ちゃんの耳が聞こえ始めています。今日はゆっくり話しかけてみましょう"
        let field = HeaderEncoder.unstructured(name: "Subject", value: subject)
        #expect(field.hasPrefix("Subject: =?UTF-8?B?"))
        #expect(field.components(separatedBy: "\r\n").count >= 3)
        #expect(WireChecks.problems(inField: field).isEmpty)
        #expect(try decodedValue(field) == subject)
    }

    @Test func mixedSubjectKeepsAsciiWordsAndSpaces() throws {
        let subject = "Kizuna 便り: 生後100日 🎉 お食い初め day"
        let field = HeaderEncoder.unstructured(name: "Subject", value: subject)
        #expect(field.hasPrefix("Subject: Kizuna =?UTF-8?B?"))
        #expect(field.hasSuffix(" day"))
        #expect(try decodedValue(field) == subject)
    }

    @Test func wordThatLooksLikeAnEncodedWordIsEncoded() throws {
        let subject = "see =?UTF-8?B?aGk=?= here"
        let field = HeaderEncoder.unstructured(name: "Subject", value: subject)
        #expect(!field.contains("=?UTF-8?B?aGk=?="))
        #expect(try decodedValue(field) == subject)
    }

    @Test func leadingTrailingAndRepeatedWhitespaceSurvive() throws {
        for subject in ["  indented", "trailing  ", "a  \t b", "   ", "\t", "日本 ", " 日本"] {
            let field = HeaderEncoder.unstructured(name: "Subject", value: subject)
            #expect(try decodedValue(field) == subject, "\(subject.debugDescription) → \(field.debugDescription)")
        }
    }

    @Test func unbreakableAsciiWordIsSplitIntoEncodedWords() throws {
        let token = String(repeating: "x", count: 150)
        let field = HeaderEncoder.unstructured(name: "Subject", value: "token " + token)
        #expect(WireChecks.problems(inField: field).isEmpty)
        #expect(try decodedValue(field) == "token " + token)
    }

    @Test func graphemesAreNeverSplitAcrossEncodedWords() throws {
        let subject = String(repeating: "👨‍👩‍👧‍👦", count: 12) + String(repeating: "🇯🇵", count: 20)
        let field = HeaderEncoder.unstructured(name: "Subject", value: subject)
        let headers = try ParsedHeaders(Array((field + "\r\n\r\n").utf8))
        let first = try #require(headers.fields.first)
        let decoded = try #require(EncodedWordReader.decode(first.value))
        #expect(decoded.text == subject)
        for word in decoded.words {
            let piece = try #require(String(validating: word.bytes, as: UTF8.self))
            #expect(piece.allSatisfy { $0 == "👨‍👩‍👧‍👦" || $0 == "🇯🇵" }, "split grapheme in \(word.raw)")
        }
    }

    @Test func headerInjectionBecomesSpaces() throws {
        let field = HeaderEncoder.unstructured(name: "Subject", value: "hi\r\nBcc: x@y")
        #expect(field == "Subject: hi Bcc: x@y")
        for value in ["a\rBcc: x@y", "a\nBcc: x@y", "a\r\n\r\nbody", "日本\r\nBcc: x@y"] {
            let f = HeaderEncoder.unstructured(name: "X-Note", value: value)
            let headers = try ParsedHeaders(Array((f + "\r\n\r\n").utf8))
            #expect(headers.fields.count == 1, "\(f.debugDescription)")
            #expect(headers["Bcc"] == nil)
            #expect(WireChecks.problems(inField: f).isEmpty)
        }
    }

    @Test func headerNameIsSanitised() {
        #expect(HeaderEncoder.unstructured(name: "X-Bad\r\nBcc", value: "v") == "X-BadBcc: v")
        #expect(HeaderEncoder.unstructured(name: ":\r\n", value: "v") == "")
    }

    // MARK: mailboxes

    private func address(_ s: String) throws -> EmailAddress { try EmailAddress(parsing: s) }

    @Test func mailboxWithoutName() throws {
        #expect(HeaderEncoder.mailbox(Mailbox(try address("kizuna@clinic.example"))) == "kizuna@clinic.example")
    }

    @Test func asciiDisplayNameIsQuotedWithEscapes() throws {
        let m = Mailbox(try address("kizuna@clinic.example"), displayName: #"Sakura Clinic, Dr. "Yamada" \ Kizuna"#)
        #expect(HeaderEncoder.mailbox(m) == #""Sakura Clinic, Dr. \"Yamada\" \\ Kizuna" <kizuna@clinic.example>"#)
    }

    @Test func japaneseDisplayNameIsEncodedWords() throws {
        let m = Mailbox(try address("kizuna@clinic.example"), displayName: "さくら産婦人科クリニック きずな便り")
        let value = HeaderEncoder.mailbox(m)
        #expect(value.hasPrefix("=?UTF-8?B?"))
        let field = HeaderEncoder.field(name: "From", mailbox: m)
        #expect(WireChecks.problems(inField: field).isEmpty)
        let parsed = try ParsedHeaders(Array((field + "\r\n\r\n").utf8))
        let first = try #require(parsed.fields.first)
        let mailbox = try #require(EncodedWordReader.decodeMailbox(first.value))
        #expect(mailbox.name == "さくら産婦人科クリニック きずな便り")
        #expect(mailbox.address == "kizuna@clinic.example")
    }

    @Test func carrierAddressIsQuoted() throws {
        let m = Mailbox(try address(#""taro..x."@docomo.ne.jp"#), displayName: "Taro")
        #expect(HeaderEncoder.field(name: "To", mailbox: m) == #"To: "Taro" <"taro..x."@docomo.ne.jp>"#)
    }

    @Test func displayNameInjectionBecomesSpaces() throws {
        let m = Mailbox(try address("a@b.example"), displayName: "Evil\r\nBcc: x@y")
        let field = HeaderEncoder.field(name: "To", mailbox: m)
        #expect(field == #"To: "Evil Bcc: x@y" <a@b.example>"#)
    }

    @Test func everyScalarShortcutAgreesWithCharacterSegmentation() throws {
        var accepted: [Unicode.Scalar] = []
        for value in UInt32(0x20)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let bytes = Array(String(scalar).utf8)
            if HeaderWriter.isEveryScalarAGrapheme(bytes[...]) { accepted.append(scalar) }
        }
        #expect(accepted.count > 20_000)
        var rng = SplitMix64(state: 11)
        for (k, first) in accepted.enumerated() {
            // Each accepted scalar next to a random other accepted scalar stays two graphemes.
            let second = accepted[Int(rng.next() % UInt64(accepted.count))]
            var s = ""
            s.unicodeScalars.append(first); s.unicodeScalars.append(second)
            #expect(s.count == 2, "U+\(String(first.value, radix: 16)) U+\(String(second.value, radix: 16)) at \(k)")
        }
        for joined in ["か\u{3099}", "e\u{301}", "ｶﾞ", "👍🏽", "🇯🇵", "한"] {
            #expect(!HeaderWriter.isEveryScalarAGrapheme(Array(joined.utf8)[...]), "\(joined)")
        }
    }

    // MARK: generated

    @Test func generatedSubjectsRoundTripWithinLimits() throws {
        var rng = SplitMix64(state: 2027)
        for caseNumber in 0..<3_000 {
            let length = Int(rng.next() % 301)
            let subject = TextGenerator.text(length: length, using: &rng)
            let name = ["Subject", "X-Kizuna-Stage-Description", "To-Do"][caseNumber % 3]
            let field = HeaderEncoder.unstructured(name: name, value: subject)
            let problems = WireChecks.problems(inField: field)
            #expect(problems.isEmpty, "case \(caseNumber) \(subject.debugDescription): \(problems)")
            let parsed = try ParsedHeaders(Array((field + "\r\n\r\n").utf8))
            #expect(parsed.fields.count == 1)
            let first = try #require(parsed.fields.first)
            let decoded = try #require(EncodedWordReader.decode(first.value),
                                       "case \(caseNumber) undecodable: \(field.debugDescription)")
            #expect(decoded.text == subject, "case \(caseNumber): \(field.debugDescription)")
            // Every encoded-word is whole UTF-8, and cutting between words cut no grapheme.
            var run: [String] = []
            for word in decoded.words {
                let piece = try #require(String(validating: word.bytes, as: UTF8.self), "split UTF-8 in \(word.raw)")
                run.append(piece)
            }
            let graphemeCountOfPieces = run.reduce(0) { $0 + $1.count }
            #expect(graphemeCountOfPieces == run.joined().count, "case \(caseNumber): a grapheme was split: \(field.debugDescription)")
            if caseNumber < 3 { print("sample:", field.debugDescription) }
        }
    }

    @Test func generatedDisplayNamesRoundTrip() throws {
        var rng = SplitMix64(state: 42)
        let address = try address("kizuna+c-0123456789abcdef@clinic.example")
        for caseNumber in 0..<1_500 {
            let name = TextGenerator.text(length: Int(rng.next() % 81), using: &rng)
            let field = HeaderEncoder.field(name: "Reply-To", mailbox: Mailbox(address, displayName: name))
            #expect(WireChecks.problems(inField: field).isEmpty, "case \(caseNumber): \(field.debugDescription)")
            let parsed = try ParsedHeaders(Array((field + "\r\n\r\n").utf8))
            let first = try #require(parsed.fields.first)
            let mailbox = try #require(EncodedWordReader.decodeMailbox(first.value),
                                       "case \(caseNumber): \(field.debugDescription)")
            let blank = name.allSatisfy { $0 == " " || $0 == "\t" }
            #expect(mailbox.name == (blank ? nil : name), "case \(caseNumber): \(field.debugDescription)")
            #expect(mailbox.address == address.smtpPath)
        }
    }
}
