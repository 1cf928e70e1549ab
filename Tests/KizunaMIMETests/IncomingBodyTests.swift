import Foundation
import Testing
@testable import KizunaMIME

/// Transfer encodings, charsets, multipart structure, flowed text, HTML and reply extraction.
@Suite struct IncomingBodyTests {
    @Test func quotedPrintable() {
        func qp(_ s: String) -> String {
            String(decoding: IncomingTransferEncoding.decodeQuotedPrintable(Array(s.utf8), underscoreIsSpace: false), as: UTF8.self)
        }
        #expect(qp("caf=C3=A9 and caf=c3=a9") == "café and café")
        #expect(qp("soft=\r\nbreak and soft=\nLF and blanks= \t\r\nok") == "softbreak and softLF and blanksok")
        #expect(qp("bad =ZZ escape, =4 short, 100% = done") == "bad =ZZ escape, =4 short, 100% = done")
        #expect(qp("end=") == "end")
        #expect(qp("under_score") == "under_score")
    }

    @Test func base64Tolerance() {
        func b64(_ s: String) -> (String, Int) {
            let r = IncomingTransferEncoding.decodeBase64(Array(s.utf8))
            return (String(decoding: r.bytes, as: UTF8.self), r.garbage)
        }
        #expect(b64("aGVs\r\nbG8g\nd29y bGQ=") == ("hello world", 0))
        #expect(b64("aGVsbG8=aGk=") == ("hellohi", 0), "concatenated encodings")
        #expect(b64("aGVsbG8") == ("hello", 0), "missing padding")
        #expect(b64("aGV*sbG8=") == ("hello", 1), "stray byte skipped and counted")
        #expect(b64("") == ("", 0))
    }

    @Test func charsets() {
        func text(_ bytes: [UInt8], _ label: String?) -> IncomingCharset.Decoded { IncomingCharset.decode(bytes, label: label) }
        #expect(text([0xA4, 0xA2], "EUC-JP").text == "あ")
        #expect(text([0x87, 0x40, 0x81, 0x60], "Shift_JIS").text == "①～", "Shift_JIS read as CP932")
        #expect(text([0x1B, 0x28, 0x49, 0x31, 0x1B, 0x28, 0x42], "ISO-2022-JP").text == "ｱ", "half-width katakana (ESC ( I)")
        #expect(text([0x0E, 0x31, 0x0F], "ISO-2022-JP").text == "ｱ", "half-width katakana (SO/SI)")
        #expect(text([0x1B, 0x24, 0x42, 0x2D, 0x21, 0x1B, 0x28, 0x42], "iso-2022-jp").text == "①", "NEC row 13 (CP50220)")
        #expect(text([0xE9], "iso-8859-1").text == "é")
        #expect(text([0x80], "ISO-8859-1").text == "€", "Latin-1 labels read as Windows-1252")
        #expect(text([0xE8], "windows-1251").text == "и")
        #expect(text([0xBF], "iso-8859-2").text == "ż")
        #expect(text([0xB0], "cp1253").text == "°")
        let invalid = text([0x61, 0xFF, 0x62], "utf-8")
        #expect(invalid.text == "a\u{FFFD}b" && invalid.defect != nil)
        let badEUC = text([0xA4, 0xA2, 0xFF], "euc-jp")
        #expect(badEUC.text == "あ\u{FFFD}" && badEUC.defect != nil)
        let truncatedJIS = text([0x1B, 0x24, 0x42, 0x24], "iso-2022-jp")
        #expect(truncatedJIS.text.contains("\u{FFFD}") && truncatedJIS.defect != nil)
        // Missing and unknown charsets: UTF-8, then CP932, then Latin-1, with a defect.
        #expect(text(Array("plain".utf8), nil).defect == nil)
        let utf8 = text(Array("あ".utf8), nil)
        #expect(utf8.text == "あ" && utf8.defect != nil)
        #expect(text([0x82, 0xA0], nil).text == "あ")
        #expect(text([0x82, 0xA0], "x-unknown-charset").text == "あ")
        #expect(text([0x82, 0xA0], "us-ascii").text == "あ", "8-bit under a US-ASCII label is guessed")
        #expect(text([0xE9, 0x74, 0xE9], "x-bogus").text == "été")
    }

    @Test func flowedText() {
        #expect(IncomingFlowedText.unwrap("one \ntwo \nthree\nfour\n", deleteSpace: false) == "one two three\nfour\n")
        #expect(IncomingFlowedText.unwrap("日本 \n語\n", deleteSpace: true) == "日本語\n")
        #expect(IncomingFlowedText.unwrap("> quoted \n> more\n>> deeper\nnew \n", deleteSpace: false)
                == "> quoted more\n>> deeper\nnew \n")
        #expect(IncomingFlowedText.unwrap(" From stuffed\n-- \nsig\n", deleteSpace: false) == "From stuffed\n-- \nsig\n")
    }

    @Test func htmlToText() {
        let html = """
            <html><head><title>T</title><style>p{color:red}</style></head><body>
            <p>Hello&nbsp;&amp; welcome,<br>line&#32;two &#x1F476; &#12354; &unknown; &lt;tag&gt;</p>
            <script type="text/javascript">var x = "<p>no</p>";</script>
            <!-- a comment <p>hidden</p> -->
            <ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table>
            <blockquote>quoted <b>text</b><blockquote>deeper</blockquote></blockquote><div>after</div>
            </body></html>
            """
        #expect(IncomingHTMLText.text(fromHTML: html) == """
            Hello & welcome,
            line two 👶 あ &unknown; <tag>
            one
            two
            a b
            > quoted text
            >> deeper
            after
            """)
        #expect(IncomingHTMLText.text(fromHTML: "a < b and c<d, <unclosed") == "a < b and c<d, <unclosed")
        #expect(IncomingHTMLText.text(fromHTML: "<pre>  keep\n   this</pre>") == "  keep\n   this")
        #expect(IncomingHTMLText.declaredCharset(Array("<meta charset=\"Shift_JIS\">".utf8)[...]) == "shift_jis")
    }

    @Test func htmlPartCharsetFromMeta() throws {
        let html = Array("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"></head><body>".utf8)
            + [0x92, 0xE2, 0x8E, 0x7E] + Array("</body></html>".utf8)
        let raw = Array("Subject: x\r\nContent-Type: text/html\r\n\r\n".utf8) + html
        let m = try IncomingMessage.parse(raw)
        #expect(m.textBody == "停止")
    }

    @Test func nestedMultipartAndTextChoice() throws {
        let raw = [UInt8](crlf: """
            Subject: nested
            Content-Type: multipart/mixed; boundary="outer"

            --outer
            Content-Type: multipart/alternative; boundary="alt"

            --alt
            Content-Type: text/plain; charset=utf-8

            --alt
            Content-Type: multipart/related; boundary="rel"

            --rel
            Content-Type: text/html; charset=utf-8

            <p>停止</p>
            --rel
            Content-Type: image/png
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=
            --rel--
            --alt--
            --outer
            Content-Type: text/plain; name="notes.txt"

            attached text, not the message
            --outer
            Content-Type: text/plain; charset=utf-8
            Content-Disposition: inline

            second inline part
            --outer--
            """)
        let m = try IncomingMessage.parse(raw)
        #expect(m.parts.map(\.section) == [[1, 1], [1, 2, 1], [1, 2, 2], [2], [3]])
        #expect(m.parts[2].body == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // The plain alternative is empty, so the HTML one is read; the named text part is a file.
        #expect(m.textBody == "停止\nsecond inline part")
        #expect(m.parts[3].isAttachment)
    }

    @Test func multipartOddities() throws {
        // Boundary missing from the header, and a boundary that never occurs.
        let noBoundary = try IncomingMessage.parse([UInt8](crlf: "Content-Type: multipart/mixed\n\nstop\n"))
        #expect(noBoundary.textBody == "stop\n")
        #expect(noBoundary.defects.contains { $0.contains("without a boundary") })
        let neverThere = try IncomingMessage.parse([UInt8](crlf: "Content-Type: multipart/mixed; boundary=zzz\n\nstop\n"))
        #expect(neverThere.textBody == "stop\n")
        #expect(neverThere.defects.contains { $0.contains("never occurs") })
        // A longer boundary that starts with the real one is no delimiter; padding after one is.
        let prefix = try IncomingMessage.parse([UInt8](crlf: """
            Content-Type: multipart/mixed; boundary=ab

            --ab \t
            Content-Type: text/plain

            one
            --abc
            still one
            --ab--
            """))
        #expect(prefix.parts.count == 1)
        #expect(prefix.textBody == "one\n--abc\nstill one")
        // A digest's parts default to message/rfc822.
        let digest = try IncomingMessage.parse([UInt8](crlf: "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: inner\n\nhi\n--d--\n"))
        #expect(digest.parts.first?.contentType.mimeType == "message/rfc822")
        #expect(try digest.parts.first?.attachedMessage().subject == "inner")
        // A part with no header at all (body straight after the delimiter).
        let headerless = try IncomingMessage.parse([UInt8](crlf: "Content-Type: multipart/mixed; boundary=q\n\n--q\nhello there\n--q--\n"))
        #expect(headerless.textBody == "hello there")
    }

    @Test func limits() throws {
        var deep = "Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"
        for i in 1...40 { deep += "--b\(i - 1)\nContent-Type: multipart/mixed; boundary=b\(i)\n\n" }
        deep += "--b40\nContent-Type: text/plain\n\nbottom\n"
        let d = try IncomingMessage.parse([UInt8](crlf: deep), limits: ParseLimits(maxDepth: 8))
        #expect(d.defects.contains { $0.contains("nested deeper than 8") })
        #expect(d.parts.count == 1)

        var many = "Content-Type: multipart/mixed; boundary=m\n\n"
        for i in 0..<50 { many += "--m\nContent-Type: text/plain\n\npart \(i)\n" }
        many += "--m--\n"
        let p = try IncomingMessage.parse([UInt8](crlf: many), limits: ParseLimits(maxParts: 10))
        #expect(p.parts.count == 10)
        #expect(p.defects.contains { $0.contains("more than 10 parts") })

        let long = try IncomingMessage.parse(Array(("Subject: long\n\n" + String(repeating: "停止", count: 1000)).utf8),
                                             limits: ParseLimits(maxDecodedText: 3000))
        #expect((long.textBody?.utf8.count ?? 0) <= 3003)
        #expect(long.textBody?.hasPrefix("停止停止") == true)
        #expect(long.defects.contains { $0.contains("truncated at 3000 bytes") })

        let header = try IncomingMessage.parse(Array(("Subject: s\nX-Long: " + String(repeating: "y", count: 500) + "\nTo: a@b.example\n\nbody").utf8),
                                               limits: ParseLimits(maxHeaderBytes: 100))
        #expect(header.subject == "s")
        #expect(header.to.isEmpty, "fields past the limit are ignored")
        #expect(header.textBody == "body")
    }

    @Test func replyTextVariants() {
        func new(_ s: String) -> String { ReplyText.newContent(of: s) }
        #expect(new("stop\n\nOn Mon, Jan 4, 2027 at 9:00 PM Kizuna <k@c.example> wrote:\n> stop") == "stop")
        #expect(new("pause\nOn Mon, Jan 4, 2027 at 9:00 PM Kizuna\n<k@c.example>\nwrote:\n> hi") == "pause")
        #expect(new("status\n-----Original Message-----\nFrom: x\nstop") == "status")
        #expect(new("status\n----- Original Message -----\nstop") == "status")
        #expect(new("再開\n---- 元のメッセージ ----\n停止") == "再開")
        #expect(new("再開\n-----元のメッセージ-----\n停止") == "再開")
        #expect(new("登録\n\nきずな さんは書きました：\n> 停止") == "登録")
        #expect(new("登録\n2027/01/04 21:00、きずな <k@c.example>のメール:\n\n停止") == "登録")
        #expect(new("登録\n2027年1月4日(月) 21:00 きずな <k@c.example>:\n\n> 停止") == "登録")
        #expect(new("help\n________________________________\nFrom: Kizuna\nstop") == "help")
        #expect(new("help\n\nFrom: Kizuna <k@c.example>\nSent: Monday\nTo: me\nSubject: Week 20\n\nstop") == "help")
        #expect(new("help\n*From:* Kizuna\n*Sent:* Monday\n*To:* me\nstop") == "help")
        #expect(new("ヘルプ\n差出人: きずな\n送信日時: 2027年1月4日\n宛先: 私\n件名: 妊娠20週\n停止") == "ヘルプ")
        #expect(new("born 2027-04-28\n-- \nTaro\nstop") == "born 2027-04-28")
        #expect(new("> stop\nno, keep going\n> quoted again\n＞ 停止") == "no, keep going")
        #expect(new("Begin forwarded message:\n\nstop") == "")
        // Lines that only look similar are kept.
        #expect(new("From: the heart, stop sending please\nthanks") == "From: the heart, stop sending please\nthanks")
        #expect(new("-- not a signature\nstop") == "-- not a signature\nstop")
        #expect(new("\n\n  status  \n\n") == "  status  ")
        // Outlook's bold labels still end the new text (the cheap first-character check lets them through).
        #expect(new("stop\n*From:* Kizuna\n*Sent:* Monday\n*To:* parent\n*Subject:* hello") == "stop")
        // A long body: the kept lines stop at the limit.
        let long = (1...1000).map { "line \($0)" }.joined(separator: "\n")
        #expect(new(long).split(separator: "\n").count == ReplyText.keptLineLimit)
    }

    @Test func leadingLinesKeepTheBeginningAsItIs() {
        func lead(_ s: String) -> String { ReplyText.leadingLines(of: s) }
        #expect(lead("\r\n \n  This is the mail system.\r\n> quoted stays\r\n\n") == "  This is the mail system.\n> quoted stays")
        #expect(lead("") == "")
        #expect(lead(" \n\t\n") == "")
        let long = (1...1000).map { "line \($0)" }.joined(separator: "\n")
        #expect(lead(long) == (1...ReplyText.keptLineLimit).map { "line \($0)" }.joined(separator: "\n"))
        // A cut inside a multi-byte character at the byte limit leaves valid text.
        let wide = String(repeating: "あ", count: ReplyText.scanLimit)
        #expect(lead(wide).utf8.count <= ReplyText.scanLimit + 3)
    }
}
