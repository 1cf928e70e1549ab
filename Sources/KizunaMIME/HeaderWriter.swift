/// Writes header fields into a byte buffer, tracking the column so that fields fold at 78
/// characters (RFC 5322 §2.1.1) and encoded-words stay within 75 (RFC 2047 §2).
struct HeaderWriter {
    static let lineLimit = 78
    static let encodedWordLimit = 75
    /// `=?UTF-8?B?` and `?=`.
    static let encodedWordOverhead = 12
    /// Start a header's first encoded-word on the current line only if it can carry this many
    /// bytes (or all that is left); otherwise fold first, so no tiny word dangles at a line end.
    static let minimumWordBytes = 9

    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    var bytes: [UInt8]
    var column = 0

    init(bytes: [UInt8] = []) { self.bytes = bytes }

    mutating func append(_ b: UInt8) { bytes.append(b); column += 1 }

    mutating func append(_ s: StaticString) {
        let p = UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)
        bytes.append(contentsOf: p)
        column += p.count
    }

    mutating func append(_ s: ArraySlice<UInt8>) { bytes.append(contentsOf: s); column += s.count }
    mutating func append(_ s: [UInt8]) { bytes.append(contentsOf: s); column += s.count }

    /// Ends the current line; the next byte written must be a space or tab (a fold) or start a new field.
    mutating func newLine() { bytes.append(13); bytes.append(10); column = 0 }

    /// Writes `Name:` for a field name we own.
    mutating func beginField(_ name: StaticString) { append(name); append(0x3A) }

    /// Writes `Name:` for a caller's field name, keeping only the characters RFC 5322 allows
    /// (printable ASCII but colon); false when nothing is left, and then nothing is written.
    mutating func beginField(sanitizing name: String) -> Bool {
        let kept = name.utf8.filter { $0 > 0x20 && $0 < 0x7F && $0 != 0x3A }
        guard !kept.isEmpty else { return false }
        append(kept); append(0x3A)
        return true
    }

    static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }

    /// Header text from a caller: CRLF, CR and LF each become one space, so no value can
    /// start a new header line.
    static func headerText(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var afterCR = false
        for b in s.utf8 {
            if b == 10 {
                if !afterCR { out.append(space) }
                afterCR = false
            } else if b == 13 {
                out.append(space); afterCR = true
            } else {
                out.append(b); afterCR = false
            }
        }
        return out
    }

    /// Whether a word cannot stand as itself in a header: non-ASCII, a control character, or
    /// something a reader could take for an encoded-word.
    static func needsEncoding(_ word: ArraySlice<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for b in word {
            if b >= 0x7F || b < 0x20 { return true }
            if previous == 0x3D && b == 0x3F { return true }  // "=?"
            previous = b
        }
        return false
    }

    private struct Token {
        var whitespace: Range<Int>
        var word: Range<Int>
    }

    /// Writes an unstructured field body (after `Name:`): words that can stand as themselves
    /// are written as they are and folded at whitespace; each run of words that cannot is one
    /// stretch of encoded-words (whitespace between those words is encoded with them, since a
    /// reader drops whitespace between adjacent encoded-words).
    mutating func writeUnstructured(_ v: [UInt8]) {
        guard !v.isEmpty else { return }
        var tokens: [Token] = []
        var i = 0
        while i < v.count {
            let ws = i
            while i < v.count && HeaderWriter.isWSP(v[i]) { i += 1 }
            let word = i
            while i < v.count && !HeaderWriter.isWSP(v[i]) { i += 1 }
            tokens.append(Token(whitespace: ws..<word, word: word..<i))
        }
        var encode = [Bool](repeating: false, count: tokens.count)
        for (k, t) in tokens.enumerated() {
            if t.word.isEmpty {
                // Trailing (or only) whitespace: readers strip it from a line end, so it travels
                // encoded with the word before it.
                encode[k] = true
                if k > 0 { encode[k - 1] = true }
            } else if k == 0 {
                // Leading whitespace would be eaten after the colon; a first word too long for
                // the first line is split into encoded-words rather than left unfoldable.
                if !t.whitespace.isEmpty || column + 1 + t.word.count > HeaderWriter.lineLimit { encode[k] = true }
            } else if t.whitespace.count + t.word.count > HeaderWriter.lineLimit {
                encode[k] = true
            }
            if !encode[k] && HeaderWriter.needsEncoding(v[t.word]) { encode[k] = true }
        }
        var k = 0
        while k < tokens.count {
            let t = tokens[k]
            if !encode[k] {
                if k == 0 {
                    append(HeaderWriter.space)
                } else if column + t.whitespace.count + t.word.count > HeaderWriter.lineLimit {
                    newLine()
                }
                append(v[t.whitespace]); append(v[t.word])
                k += 1
                continue
            }
            var last = k
            while last + 1 < tokens.count && encode[last + 1] { last += 1 }
            // The first whitespace byte before the stretch stays literal as the separator (and
            // the fold point); the rest of that whitespace is encoded.
            let start = k == 0 ? 0 : t.whitespace.lowerBound + 1
            let separator = k == 0 ? HeaderWriter.space : v[t.whitespace.lowerBound]
            let end = tokens[last].word.isEmpty ? tokens[last].whitespace.upperBound : tokens[last].word.upperBound
            writeEncodedWords(v[start..<end], separator: separator)
            k = last + 1
        }
    }

    /// Writes `text` as `=?UTF-8?B?…?=` words, each at most 75 characters, each after its own
    /// fold but the first, never splitting a grapheme (nor, for a grapheme longer than a whole
    /// word, a UTF-8 sequence).
    mutating func writeEncodedWords(_ text: ArraySlice<UInt8>, separator: UInt8) {
        guard !text.isEmpty else { append(separator); return }
        let ends = HeaderWriter.graphemeEnds(text)
        var cursor = 0
        var start = text.startIndex
        var first = true
        while start < text.endIndex {
            if first {
                let fits = HeaderWriter.chunkEnd(text, from: start, maxBytes: wordCapacity(column: column + 1),
                                                 graphemeEnds: ends, cursor: &cursor, splitScalars: false)
                if fits - start < min(text.endIndex - start, HeaderWriter.minimumWordBytes) { newLine() }
                append(separator)
            } else {
                newLine(); append(HeaderWriter.space)
            }
            let end = HeaderWriter.chunkEnd(text, from: start, maxBytes: wordCapacity(column: column),
                                            graphemeEnds: ends, cursor: &cursor, splitScalars: true)
            append("=?UTF-8?B?")
            let before = bytes.count
            Base64.appendWord(text[start..<end], into: &bytes)
            column += bytes.count - before
            append("?=")
            start = end
            first = false
        }
    }

    /// How many bytes an encoded-word starting at `column` can carry within the line and word limits.
    private func wordCapacity(column: Int) -> Int {
        let room = min(HeaderWriter.encodedWordLimit, HeaderWriter.lineLimit - column)
        let quads = (room - HeaderWriter.encodedWordOverhead) / 4
        return quads > 0 ? quads * 3 : 0
    }

    /// Where the graphemes of a stretch of text end.
    enum GraphemeEnds {
        /// Every scalar is a grapheme (ASCII, kana, common kanji and CJK punctuation), so any
        /// UTF-8 sequence boundary will do; this spares the Character walk for most subjects.
        case everyScalar
        /// The end offset of each grapheme.
        case list([Int])
    }

    static func graphemeEnds(_ text: ArraySlice<UInt8>) -> GraphemeEnds {
        if isEveryScalarAGrapheme(text) { return .everyScalar }
        var ends: [Int] = []
        var offset = text.startIndex
        for character in String(decoding: text, as: UTF8.self) {
            offset += character.utf8.count
            ends.append(offset)
        }
        return .list(ends)
    }

    /// True when every scalar comes from ranges with no grapheme-joining properties (UAX #29:
    /// none is Extend, ZWJ, SpacingMark, Prepend, Hangul or Regional_Indicator), so every scalar
    /// boundary is a grapheme boundary. Anything else takes the Character walk.
    static func isEveryScalarAGrapheme(_ text: ArraySlice<UInt8>) -> Bool {
        var i = text.startIndex
        while i < text.endIndex {
            let b0 = text[i]
            if b0 < 0x80 {
                if b0 < 0x20 || b0 == 0x7F { return false }
                i += 1
                continue
            }
            // Only three-byte sequences can be in the ranges below.
            guard b0 & 0xF0 == 0xE0, i + 2 < text.endIndex else { return false }
            let scalar = UInt32(b0 & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F)
            switch scalar {
            case 0x3000...0x3029, 0x3030...0x303F,  // CJK symbols and punctuation, without the combining 302A–302F
                 0x3041...0x3096, 0x309D...0x309F,  // hiragana, without the combining 3099/309A
                 0x30A0...0x30FF,                   // katakana
                 0x4E00...0x9FFF,                   // CJK unified ideographs
                 0xFF01...0xFF60:                   // full-width forms (half-width katakana has extenders)
                i += 3
            default:
                return false
            }
        }
        return true
    }

    /// The furthest grapheme end after `start` within `maxBytes`; when not even one grapheme
    /// fits and `splitScalars` is set, the furthest UTF-8 sequence boundary instead.
    static func chunkEnd(_ text: ArraySlice<UInt8>, from start: Int, maxBytes: Int, graphemeEnds: GraphemeEnds,
                         cursor: inout Int, splitScalars: Bool) -> Int {
        let limit = min(start + maxBytes, text.endIndex)
        guard limit > start else { return start }
        guard case .list(let ends) = graphemeEnds else { return scalarBoundary(text, atOrBefore: limit, after: start) }
        while cursor < ends.count && ends[cursor] <= start { cursor += 1 }
        var end = start
        var c = cursor
        while c < ends.count && ends[c] <= limit { end = ends[c]; c += 1 }
        guard end == start, splitScalars else { return end }
        return scalarBoundary(text, atOrBefore: limit, after: start)
    }

    /// The last UTF-8 sequence boundary at or before `limit` (and after `start` when there is one).
    static func scalarBoundary(_ text: ArraySlice<UInt8>, atOrBefore limit: Int, after start: Int) -> Int {
        var p = limit
        while p > start && p < text.endIndex && text[p] & 0xC0 == 0x80 { p -= 1 }
        return p
    }

    /// Writes a phrase (display name or list name) and then `angle` (`<…>`), folding before the
    /// angle part when it does not fit. An ASCII phrase is a quoted-string; any other, or one
    /// that would not fit on the line, is encoded-words.
    mutating func writePhrase(_ phrase: [UInt8], thenAngle angle: [UInt8]) {
        if let quoted = HeaderWriter.quotedString(phrase), column + 1 + quoted.count <= HeaderWriter.lineLimit {
            append(HeaderWriter.space); append(quoted)
        } else {
            writeEncodedWords(phrase[...], separator: HeaderWriter.space)
        }
        if column + 1 + angle.count > HeaderWriter.lineLimit { newLine() }
        append(HeaderWriter.space); append(angle)
    }

    /// `"…"` with `"` and `\` escaped, or nil when the phrase is not printable ASCII or holds
    /// something a reader could take for an encoded-word.
    static func quotedString(_ phrase: [UInt8]) -> [UInt8]? {
        guard !needsEncoding(phrase[...]) else { return nil }
        var q: [UInt8] = [0x22]
        q.reserveCapacity(phrase.count + 4)
        for b in phrase {
            if b == 0x09 { return nil }
            if b == 0x22 || b == 0x5C { q.append(0x5C) }
            q.append(b)
        }
        q.append(0x22)
        return q
    }

    /// Writes a mailbox: `phrase <addr>` with a display name, the bare address without one.
    mutating func writeMailbox(_ m: Mailbox) {
        let address = Array(m.address.smtpPath.utf8)
        let name = m.displayName.map(HeaderWriter.headerText) ?? []
        if name.allSatisfy(HeaderWriter.isWSP) {
            append(HeaderWriter.space); append(address)
        } else {
            var angle: [UInt8] = [0x3C]
            angle.append(contentsOf: address)
            angle.append(0x3E)
            writePhrase(name, thenAngle: angle)
        }
    }

    /// `<value>` with everything dropped that could end the brackets or the line.
    static func angleToken(_ value: String) -> [UInt8] {
        var out: [UInt8] = [0x3C]
        for b in value.utf8 where b > 0x20 && b < 0x7F && b != 0x3C && b != 0x3E { out.append(b) }
        out.append(0x3E)
        return out
    }

    /// `<uri>` with spaces, controls, angle brackets, quotes and non-ASCII percent-encoded, so
    /// a URI can neither leave its brackets nor break the line.
    static func angleURI(_ uri: String) -> [UInt8] {
        let hex: StaticString = "0123456789ABCDEF"
        var out: [UInt8] = [0x3C]
        for b in uri.utf8 {
            if b > 0x20 && b < 0x7F && b != 0x3C && b != 0x3E && b != 0x22 {
                out.append(b)
            } else {
                out.append(0x25)
                out.append(hex.utf8Start[Int(b >> 4)])
                out.append(hex.utf8Start[Int(b & 15)])
            }
        }
        out.append(0x3E)
        return out
    }
}
