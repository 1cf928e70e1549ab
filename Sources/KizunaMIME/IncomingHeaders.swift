/// The header fields of a received message or body part (RFC 5322 §2.2), unfolded, in order,
/// looked up case-insensitively.
public struct IncomingHeaders: Sendable {
    /// One header field as received.
    public struct Field: Sendable {
        /// The field name as written, e.g. `Subject`.
        public let name: String
        /// The unfolded value bytes, leading and trailing blanks removed; 8-bit bytes kept.
        public let rawValue: [UInt8]

        /// The value as text, without RFC 2047 decoding; raw 8-bit bytes read as UTF-8 or,
        /// failing that, guessed (Shift_JIS from phones, else Latin-1); raw 7-bit ISO-2022-JP
        /// (as Domino writes a `Diagnostic-Code`) decoded.
        public var value: String {
            if !rawValue.contains(where: { $0 >= 0x80 || $0 == 0x1B }) { return String(decoding: rawValue, as: UTF8.self) }
            return IncomingCharset.guess(rawValue)
        }

        /// The value with RFC 2047 encoded-words decoded (for unstructured fields and phrases).
        public var decodedValue: String { IncomingEncodedWord.decode(rawValue) }

        /// Whether the field is called `other`, ignoring ASCII case (field names are ASCII).
        /// Every header lookup runs this over every field, so it compares bytes in place.
        func hasName(_ other: String) -> Bool {
            guard name.utf8.count == other.utf8.count else { return false }
            var mine = name.utf8.makeIterator()
            for b in other.utf8 {
                guard let a = mine.next(), a == b || (a | 0x20 == b | 0x20 && (a | 0x20) &- 0x61 < 26) else { return false }
            }
            return mine.next() == nil
        }
    }

    public let fields: [Field]

    public init(fields: [Field]) { self.fields = fields }

    /// Parses a block of header lines such as a `message/delivery-status` group; parsing stops
    /// at the first blank line.
    public init(parsing bytes: [UInt8]) {
        var defects: [String] = []
        let block = bytes.withUnsafeBufferPointer {
            IncomingHeaders.parseBlock($0, range: 0..<$0.count, maxBytes: Int.max, defects: &defects)
        }
        self = block.headers
    }

    /// The groups of header lines separated by blank lines, as in `message/delivery-status`
    /// (RFC 3464): the per-message fields first, then one group per recipient.
    public static func groups(parsing bytes: [UInt8]) -> [IncomingHeaders] {
        var groups: [IncomingHeaders] = []
        var defects: [String] = []
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                // Skip blank lines between groups.
                while start < buffer.count && (buffer[start] == 0x0A || buffer[start] == 0x0D) { start += 1 }
                guard start < buffer.count else { break }
                let block = parseBlock(buffer, range: start..<buffer.count, maxBytes: Int.max, defects: &defects)
                if !block.headers.fields.isEmpty { groups.append(block.headers) }
                // A line that is no field ends a group as well; step over it.
                start = block.bodyStart > start ? block.bodyStart : nextLine(buffer, from: start)
            }
        }
        return groups
    }

    /// The first value of the named field, as text (see `Field.value`).
    public func value(_ name: String) -> String? { first(name)?.value }

    /// Every value of the named field, in order.
    public func values(_ name: String) -> [String] { all(name).map(\.value) }

    /// The first value of the named field with RFC 2047 encoded-words decoded.
    public func decodedValue(_ name: String) -> String? { first(name)?.decodedValue }

    func first(_ name: String) -> Field? {
        fields.first { $0.hasName(name) }
    }

    func all(_ name: String) -> [Field] {
        fields.filter { $0.hasName(name) }
    }

    // MARK: - Parsing

    /// Fields found, where the body starts, and whether a blank line separated them.
    struct Block {
        var headers: IncomingHeaders
        var bodyStart: Int
        var sawSeparator: Bool
    }

    /// Reads header lines from `range` until a blank line (CRLF or bare LF), or until a line
    /// that cannot belong to a header, which is then taken as the start of the body. Only the
    /// first `maxBytes` bytes of the block are kept.
    static func parseBlock(_ buf: UnsafeBufferPointer<UInt8>, range: Range<Int>, maxBytes: Int, defects: inout [String]) -> Block {
        var fields: [Field] = []
        var name: String? = nil
        var value: [UInt8] = []
        var pos = range.lowerBound
        let end = range.upperBound
        var truncated = false
        var orphanContinuation = false
        let limitEnd = range.lowerBound + min(max(0, maxBytes), range.count)

        func finish() {
            if let n = name { fields.append(Field(name: n, rawValue: trimBlanks(value))) }
            name = nil
            value.removeAll(keepingCapacity: true)
        }

        while pos < end {
            let lineEnd = lineEndIndex(buf, from: pos, end: end)
            var contentEnd = lineEnd
            if contentEnd > pos && buf[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let next = lineEnd < end ? lineEnd + 1 : end
            if contentEnd == pos {
                finish()
                return Block(headers: IncomingHeaders(fields: fields), bodyStart: next, sawSeparator: true)
            }
            let used = pos - range.lowerBound
            let keep = max(0, min(contentEnd, limitEnd) - pos)
            if keep < contentEnd - pos && !truncated {
                truncated = true
                defects.append("header longer than \(maxBytes) bytes; the rest of it is ignored")
            }
            let first = buf[pos]
            if first == 0x20 || first == 0x09 {
                if name != nil {
                    // Unfolding removes the line break and keeps the blank (RFC 5322 §2.2.3).
                    value.append(contentsOf: UnsafeBufferPointer(rebasing: buf[pos..<(pos + keep)]))
                } else if fields.isEmpty && used == 0 {
                    break
                } else if !orphanContinuation && !truncated {
                    orphanContinuation = true
                    defects.append("continuation line without a field, ignored")
                }
            } else if let colon = fieldNameEnd(buf, from: pos, end: contentEnd) {
                finish()
                if keep > 0 {
                    var nameEnd = colon
                    while nameEnd > pos && (buf[nameEnd - 1] == 0x20 || buf[nameEnd - 1] == 0x09) { nameEnd -= 1 }
                    name = String(decoding: UnsafeBufferPointer(rebasing: buf[pos..<nameEnd]), as: UTF8.self)
                    let valueStart = min(colon + 1, pos + keep)
                    value.append(contentsOf: UnsafeBufferPointer(rebasing: buf[valueStart..<(pos + keep)]))
                }
            } else {
                // Not a field: the header ended without its blank line (or never began).
                finish()
                if !fields.isEmpty { defects.append("no blank line between header and body") }
                return Block(headers: IncomingHeaders(fields: fields), bodyStart: pos, sawSeparator: false)
            }
            pos = next
        }
        finish()
        if fields.isEmpty { return Block(headers: IncomingHeaders(fields: []), bodyStart: range.lowerBound, sawSeparator: false) }
        return Block(headers: IncomingHeaders(fields: fields), bodyStart: end, sawSeparator: false)
    }

    /// The index of the colon when the line starts with a field name: printable ASCII other than
    /// the colon, optionally followed by blanks (obsolete syntax, RFC 5322 §4.5).
    static func fieldNameEnd(_ buf: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int? {
        var i = start
        while i < end {
            let b = buf[i]
            if b == 0x3A { return i > start ? i : nil }
            if b == 0x20 || b == 0x09 {
                var j = i
                while j < end && (buf[j] == 0x20 || buf[j] == 0x09) { j += 1 }
                return j < end && buf[j] == 0x3A && i > start ? j : nil
            }
            if b < 33 || b > 126 { return nil }
            i += 1
        }
        return nil
    }

    /// The index of the next LF at or after `from`, or `end`.
    static func lineEndIndex(_ buf: UnsafeBufferPointer<UInt8>, from: Int, end: Int) -> Int {
        guard from < end else { return end }
        var i = from
        while i < end && buf[i] != 0x0A { i += 1 }
        return i
    }

    static func nextLine(_ buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        let e = lineEndIndex(buf, from: from, end: buf.count)
        return e < buf.count ? e + 1 : buf.count
    }

    static func trimBlanks(_ bytes: [UInt8]) -> [UInt8] {
        let isBlank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }) else { return [] }
        let last = bytes.lastIndex(where: { !isBlank($0) })!
        // A bare CR left inside a value by unfolding CR CR LF is noise.
        let value = bytes[first...last]
        return value.contains(where: { $0 == 0x0D || $0 == 0x0A }) ? value.filter { $0 != 0x0D && $0 != 0x0A } : Array(value)
    }
}
