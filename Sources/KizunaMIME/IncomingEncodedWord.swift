/// RFC 2047 encoded-words in received header values: B and Q, any charset iconv knows.
/// Whitespace between two encoded-words is dropped; adjacent words in the same charset are
/// decoded together, because some mailers split a multi-byte character across two words.
/// A malformed word stays as written.
enum IncomingEncodedWord {
    private enum Piece {
        case literal([UInt8])
        case word(charset: String, bytes: [UInt8])
    }

    static func decode(_ raw: [UInt8]) -> String {
        guard contains(raw, [0x3D, 0x3F]) else { return literalText(raw) }
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var i = 0
        let n = raw.count
        while i < n {
            if raw[i] == 0x3D, i + 1 < n, raw[i + 1] == 0x3F, let (word, next) = parseWord(raw, at: i) {
                if !literal.isEmpty {
                    // Only blanks between two encoded-words: they vanish (RFC 2047 §6.2).
                    let onlyBlanks = literal.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
                    if !(onlyBlanks && isWord(pieces.last)) { pieces.append(.literal(literal)) }
                    literal.removeAll()
                }
                if case .word(let c, let b)? = pieces.last, case .word(let c2, let b2) = word, c == c2 {
                    pieces[pieces.count - 1] = .word(charset: c, bytes: b + b2)
                } else {
                    pieces.append(word)
                }
                i = next
            } else {
                literal.append(raw[i]); i += 1
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        var out = ""
        for piece in pieces {
            switch piece {
            case .literal(let bytes): out += literalText(bytes)
            case .word(let charset, let bytes): out += IncomingCharset.decode(bytes, label: charset).text
            }
        }
        return out
    }

    private static func isWord(_ piece: Piece?) -> Bool {
        if case .word? = piece { return true }
        return false
    }

    /// Text outside encoded-words: ASCII as is, raw 8-bit or JIS-escaped bytes guessed.
    static func literalText(_ bytes: [UInt8]) -> String {
        if !bytes.contains(where: { $0 >= 0x80 || $0 == 0x1B }) { return String(decoding: bytes, as: UTF8.self) }
        return IncomingCharset.guess(bytes)
    }

    /// Parses `=?charset?B|Q?text?=` at `start`; nil when it is not a well-formed word.
    private static func parseWord(_ raw: [UInt8], at start: Int) -> (Piece, Int)? {
        let n = raw.count
        var i = start + 2
        let charsetStart = i
        while i < n && raw[i] != 0x3F {
            let b = raw[i]
            if b <= 0x20 || b >= 0x7F || i - charsetStart > 40 { return nil }
            i += 1
        }
        guard i < n, i > charsetStart, i + 2 < n, raw[i + 2] == 0x3F else { return nil }
        let charset = String(decoding: raw[charsetStart..<i], as: UTF8.self)
        let encoding = raw[i + 1] | 0x20
        guard encoding == UInt8(ascii: "b") || encoding == UInt8(ascii: "q") else { return nil }
        let textStart = i + 3
        var j = textStart
        while j < n && raw[j] != 0x3F {
            if raw[j] == 0x20 || raw[j] == 0x09 { return nil }
            j += 1
        }
        guard j + 1 < n, raw[j + 1] == 0x3D else { return nil }
        let text = raw[textStart..<j]
        let bytes: [UInt8]
        if encoding == UInt8(ascii: "b") {
            let r = IncomingTransferEncoding.decodeBase64(text)
            guard r.garbage == 0 else { return nil }
            bytes = r.bytes
        } else {
            bytes = IncomingTransferEncoding.decodeQuotedPrintable(text, underscoreIsSpace: true)
        }
        return (.word(charset: IncomingCharset.canonicalName(charset), bytes: bytes), j + 2)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && haystack[i + 1] == needle[1] {
            return true
        }
        return false
    }
}
