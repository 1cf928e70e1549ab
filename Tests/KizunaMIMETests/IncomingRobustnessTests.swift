import Foundation
import Testing
@testable import KizunaMIME

/// Hostile and huge input: a parse either returns a message or throws `MIMEParseError` —
/// never crashes, never grows without bound.
@Suite struct IncomingRobustnessTests {
    /// A 30 MB message: a short command, 10 MB of text, 20 MB of base64 attachment.
    @Test func thirtyMegabyteMessage() throws {
        var raw = [UInt8](crlf: """
            From: big@example.com
            Subject: stop
            Content-Type: multipart/mixed; boundary="big"

            --big
            Content-Type: text/plain; charset=utf-8

            stop
            --big
            Content-Type: text/plain; charset=utf-8

            """)
        raw.reserveCapacity(31_000_000)
        let line = Array("とても長い本文の一行です。 This line repeats.\r\n".utf8)
        while raw.count < 10_000_000 { raw += line }
        raw += Array("--big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n".utf8)
        let b64Line = Array("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n".utf8)
        while raw.count < 30_000_000 { raw += b64Line }
        raw += Array("--big--\r\n".utf8)

        let start = Date()
        let m = try IncomingMessage.parse(raw)
        let seconds = Date().timeIntervalSince(start)
        print("30 MB message parsed in \(String(format: "%.2f", seconds)) s")
        #expect(m.subject == "stop")
        #expect(m.parts.count == 3)
        #expect(m.parts[2].body.count > 14_000_000)
        let text = try #require(m.textBody)
        #expect(text.hasPrefix("stop\nとても長い本文"))
        #expect(text.utf8.count <= ParseLimits.default.maxDecodedText + 16)
        #expect(m.defects.contains { $0.contains("truncated") })
        #expect(ReplyText.newContent(of: text).hasPrefix("stop"))
    }

    /// Random mutations of every fixture: flipped bytes, cut and repeated ranges, inserted
    /// MIME syntax. The only requirement is to return or throw `MIMEParseError`.
    @Test func fuzzedFixtures() throws {
        let seeds = try InboundFixtures.all.filter { $0 != "long-header-100k.eml" }.map(InboundFixtures.bytes)
        #expect(!seeds.isEmpty)
        let tokens: [[UInt8]] = ["\r\n", "\n", "\r\n\r\n", "--", "=?", "?=", "=?ISO-2022-JP?B?", "=?utf-8?q?=E3=",
                                 "\u{1B}$B", "\u{1B}(I", "=\r\n", "=E", "<", ">", "\"", "(", ")", ":", ";", "*0*=", "%E3",
                                 "Content-Type: multipart/mixed; boundary=x\r\n", "--x\r\n", "--x--", "base64", "&#x",
                                 "<blockquote>", "<script>", "> ", "-- \n", "charset=", "format=flowed", "delsp=yes"]
            .map { Array($0.utf8) }
        var rng = SplitMix64(state: 0x4B49_5A55_4E41)
        var parsed = 0, rejected = 0
        for _ in 0..<3_000 {
            var b = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(rng.next() % 8)) {
                guard !b.isEmpty else { break }
                let at = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 6 {
                case 0: b[at] = UInt8(truncatingIfNeeded: rng.next())
                case 1: b.removeSubrange(at..<min(b.count, at + Int(rng.next() % 200)))
                case 2: b.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: at)
                case 3: b = Array(b[..<at])
                case 4: let end = min(b.count, at + Int(rng.next() % 300)); b.insert(contentsOf: b[at..<end], at: at)
                default: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                }
            }
            do {
                let m = try IncomingMessage.parse(b, limits: ParseLimits(maxParts: 64, maxDepth: 8))
                parsed += 1
                // Everything a caller might read afterwards must be safe too.
                _ = ReplyText.newContent(of: m.textBody ?? "")
                _ = (m.subject, m.from, m.to, m.date, m.references)
                for part in m.parts {
                    _ = part.text()
                    _ = part.filename
                    if part.contentType.type == "message" { _ = try? part.attachedMessage() }
                    _ = IncomingHeaders.groups(parsing: part.body)
                }
            } catch {
                let code: MIMEParseError.Code = error.code
                #expect(code == .noHeader || code == .empty)
                rejected += 1
            }
        }
        print("fuzz: \(parsed) parsed, \(rejected) rejected as not a message")
        #expect(parsed + rejected == 3_000)
    }

    @Test func randomBytesAndPathologicalShapes() {
        var rng = SplitMix64(state: 99)
        for size in [1, 2, 3, 17, 256, 4096, 65_536] {
            for _ in 0..<20 {
                let b = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                _ = try? IncomingMessage.parse(b)
            }
        }
        let shapes: [String] = [
            ":", "a:", " a: b", "\r", "\n", "a: b\r\r\r", "From: <", "From: \"", "From: (((", "To: ,,,;;;:::",
            "Subject: =?", "Subject: =?utf-8?b?", "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n",
            "Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n--a\n--a--\n--a\n",
            "Content-Type: text/plain; charset=\n\n\u{80}\u{81}",
            "Content-Type: text/plain; name*0*=''%; name*999999999999999999999*=x\n\nx",
            "Date: 99 Foo 99999999999999999999 99:99:99 +99999\n\nx",
            "Content-Transfer-Encoding: quoted-printable\n\n=",
            "Content-Transfer-Encoding: base64\n\n====",
            "Content-Type: text/html\n\n<<<<<&#xFFFFFFFFFF;&#99999999999;&#0;<!--",
        ]
        for s in shapes {
            _ = try? IncomingMessage.parse(Array(s.utf8)).textBody.map(ReplyText.newContent)
        }
    }

    /// Parse rate over the fixture set, printed for the record (never asserted): all fixtures,
    /// and the everyday ones without the 100 KB header.
    @Test func parseRate() throws {
        let names = InboundFixtures.all.filter { $0 != "binary-garbage.eml" }
        for (label, set) in [("all fixtures", names), ("without the 100 KB header", names.filter { $0 != "long-header-100k.eml" })] {
            let corpus = try set.map(InboundFixtures.bytes)
            var count = 0
            let start = Date()
            while Date().timeIntervalSince(start) < 0.5 {
                for raw in corpus {
                    let m = try IncomingMessage.parse(raw)
                    _ = ReplyText.newContent(of: m.textBody ?? "")
                    count += 1
                }
            }
            let seconds = Date().timeIntervalSince(start)
            print("incoming parse rate (\(label), \(corpus.count) messages): \(Int(Double(count) / seconds)) messages/s")
            #expect(count >= corpus.count)
        }
    }
}
