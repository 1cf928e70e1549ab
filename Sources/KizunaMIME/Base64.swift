/// Base64 (RFC 2045 §6.8) written straight into a byte buffer: bodies in 76-character lines,
/// encoded-word text without line breaks.
enum Base64 {
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    /// Characters per body line; RFC 2045 allows at most 76.
    static let lineLength = 76

    /// Appends `text` as a base64 body: line breaks normalised to CRLF, a final CRLF ensured,
    /// then encoded in 76-character lines each ending in CRLF.
    static func appendBody(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { src in
            let normalized = [UInt8](unsafeUninitializedCapacity: src.count * 2 + 2) { dst, count in
                count = normalizeLineBreaks(src, into: dst)
            }
            normalized.withUnsafeBufferPointer { appendLines($0, into: &out) }
        }
    }

    /// Copies `src` to `dst` with every CR, LF and CRLF written as CRLF and a CRLF at the end
    /// unless there already is one; `dst` holds at least `2 * src.count + 2` bytes.
    static func normalizeLineBreaks(_ src: UnsafeBufferPointer<UInt8>, into dst: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let n = src.count
        var i = 0, j = 0
        while i < n {
            let b = src[i]
            if b == 13 {
                dst[j] = 13; dst[j + 1] = 10; j += 2
                if i + 1 < n && src[i + 1] == 10 { i += 1 }
            } else if b == 10 {
                dst[j] = 13; dst[j + 1] = 10; j += 2
            } else {
                dst[j] = b; j += 1
            }
            i += 1
        }
        if j == 0 || dst[j - 1] != 10 { dst[j] = 13; dst[j + 1] = 10; j += 2 }
        return j
    }

    /// Appends the base64 of `src` in lines of `lineLength` characters, each ending in CRLF.
    static func appendLines(_ src: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        let n = src.count
        guard n > 0 else { return }
        let encodedLength = (n + 2) / 3 * 4
        let lines = (encodedLength + lineLength - 1) / lineLength
        let total = encodedLength + 2 * lines
        let groupsPerLine = lineLength / 4
        let encoded = [UInt8](unsafeUninitializedCapacity: total) { dst, count in
            let table = alphabet.utf8Start
            var i = 0, j = 0, groups = 0
            while i + 3 <= n {
                let v = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
                dst[j] = table[Int(v >> 18)]
                dst[j + 1] = table[Int(v >> 12 & 63)]
                dst[j + 2] = table[Int(v >> 6 & 63)]
                dst[j + 3] = table[Int(v & 63)]
                j += 4; i += 3; groups += 1
                if groups == groupsPerLine { dst[j] = 13; dst[j + 1] = 10; j += 2; groups = 0 }
            }
            let rest = n - i
            if rest > 0 {
                let v = UInt32(src[i]) << 16 | (rest == 2 ? UInt32(src[i + 1]) << 8 : 0)
                dst[j] = table[Int(v >> 18)]
                dst[j + 1] = table[Int(v >> 12 & 63)]
                dst[j + 2] = rest == 2 ? table[Int(v >> 6 & 63)] : 61
                dst[j + 3] = 61
                j += 4; groups += 1
            }
            if groups > 0 { dst[j] = 13; dst[j + 1] = 10; j += 2 }
            count = j
        }
        out.append(contentsOf: encoded)
    }

    /// Appends the base64 of `src` with no line breaks (the text of an encoded-word).
    static func appendWord(_ src: ArraySlice<UInt8>, into out: inout [UInt8]) {
        let table = alphabet.utf8Start
        var i = src.startIndex
        let end = src.endIndex
        while i + 3 <= end {
            let v = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
            out.append(table[Int(v >> 18)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(table[Int(v >> 6 & 63)])
            out.append(table[Int(v & 63)])
            i += 3
        }
        let rest = end - i
        if rest > 0 {
            let v = UInt32(src[i]) << 16 | (rest == 2 ? UInt32(src[i + 1]) << 8 : 0)
            out.append(table[Int(v >> 18)])
            out.append(table[Int(v >> 12 & 63)])
            out.append(rest == 2 ? table[Int(v >> 6 & 63)] : 61)
            out.append(61)
        }
    }

    /// Length of the base64 text for `n` bytes.
    static func encodedLength(_ n: Int) -> Int { (n + 2) / 3 * 4 }
}
