/// Text rendered once with holes where late values go (the subscriber's nickname, a system
/// message's variables). Holes are marked during rendering by characters from Unicode's
/// supplementary private-use planes, which Markdown and Mustache pass through untouched.
struct SplicedText: Sendable {
    /// Literal runs; `parts.count == slots.count + 1`.
    let parts: [String]
    /// The variable index of each hole.
    let slots: [Int]

    init(parts: [String], slots: [Int]) {
        self.parts = parts
        self.slots = slots
    }

    /// Splits text holding `Splice.marker(i)` characters.
    init(marked: String) {
        var parts: [String] = []
        var slots: [Int] = []
        var current = String.UnicodeScalarView()
        for scalar in marked.unicodeScalars {
            if let slot = Splice.slot(of: scalar) {
                parts.append(String(current))
                slots.append(slot)
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        parts.append(String(current))
        self.parts = parts
        self.slots = slots
    }

    /// A version with every hole of variable `slot` filled by `value` (already escaped for this text).
    func filling(_ slot: Int, with value: String) -> SplicedText {
        guard slots.contains(slot) else { return self }
        var newParts: [String] = [parts[0]]
        var newSlots: [Int] = []
        for (i, s) in slots.enumerated() {
            if s == slot {
                newParts[newParts.count - 1] += value + parts[i + 1]
            } else {
                newSlots.append(s)
                newParts.append(parts[i + 1])
            }
        }
        return SplicedText(parts: newParts, slots: newSlots)
    }

    /// Appends the text with every hole filled by `value` (one variable).
    @inline(__always)
    func append(to out: inout String, filling value: String) {
        out += parts[0]
        var i = 1
        while i < parts.count {
            out += value
            out += parts[i]
            i += 1
        }
    }

    /// Appends the text with hole `i` filled by `values[slot]`.
    func append(to out: inout String, values: [Int: String]) {
        out += parts[0]
        for (i, slot) in slots.enumerated() {
            out += values[slot] ?? ""
            out += parts[i + 1]
        }
    }

    func filled(with value: String) -> String {
        var out = ""
        append(to: &out, filling: value)
        return out
    }

    var utf8Count: Int { parts.reduce(0) { $0 + $1.utf8.count } }
}

/// Markers and escaping for values that come from outside the catalog.
enum Splice {
    static let base: UInt32 = 0xF0000

    static func marker(_ slot: Int) -> String {
        String(Character(Unicode.Scalar(base + UInt32(slot))!))
    }

    static func slot(of scalar: Unicode.Scalar) -> Int? {
        scalar.value >= base && scalar.value <= 0xFFFFD ? Int(scalar.value - base) : nil
    }

    /// Planes 15 and 16: never in content, never kept from subscriber input.
    static func isMarker(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= base }

    static let nicknameLimit = 40
    static let valueLimit = 4000

    /// A value for a single line (subject, nickname): control characters, line breaks, bidi
    /// overrides and reserved characters removed, runs of spaces collapsed, at most `limit` characters.
    static func singleLine(_ value: String, limit: Int) -> String {
        var scalars = String.UnicodeScalarView()
        var lastWasSpace = true
        for scalar in value.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" || scalar == " " || scalar == "\u{3000}" {
                if !lastWasSpace { scalars.append(scalar == "\u{3000}" ? scalar : " "); lastWasSpace = true }
                continue
            }
            if isBidiControl(scalar) || isMarker(scalar) { continue }
            scalars.append(scalar)
            lastWasSpace = false
        }
        var result = String(scalars)
        while let last = result.last, last == " " || last == "\u{3000}" { result.removeLast() }
        if result.count > limit { result = String(result.prefix(limit)) }
        return result
    }

    /// A value that may span lines (status lines, contacts): line breaks kept as `\n`, other
    /// control characters, bidi overrides and reserved characters removed.
    static func multiLine(_ value: String, limit: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if scalar == "\n" || scalar == "\t" { scalars.append(scalar); continue }
            if scalar == "\r" { continue }
            if scalar.properties.generalCategory == .control || isBidiControl(scalar) || isMarker(scalar) { continue }
            scalars.append(scalar)
        }
        var result = String(scalars)
        if result.count > limit { result = String(result.prefix(limit)) }
        return result
    }

    static func isBidiControl(_ s: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value) || s.value == 0x200E || s.value == 0x200F || s.value == 0x061C
    }

    /// Escapes text for HTML element content and quoted attribute values.
    static func html(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return value }
        var out = ""
        out.reserveCapacity(value.utf8.count + 16)
        for ch in value.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// HTML-escaped, with line breaks as `<br>`.
    static func htmlLines(_ value: String) -> String {
        html(value).replacingNewlines(with: "<br>\n")
    }

    /// A `mailto:` URL that replies "stop" to `address`.
    static func mailto(_ address: String, subject: String) -> String {
        "mailto:" + percentEncode(address, keep: addressKeep) + "?subject=" + percentEncode(subject, keep: queryKeep)
    }

    private static let addressKeep: [Bool] = keepTable("@.+-_~")
    private static let queryKeep: [Bool] = keepTable("-_.~")
    private static let hex = Array("0123456789ABCDEF".unicodeScalars)

    private static func keepTable(_ extra: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for b in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(b)] = true }
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(b)] = true }
        for b in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(b)] = true }
        for b in extra.utf8 { table[Int(b)] = true }
        return table
    }

    static func percentEncode(_ value: String, keep: [Bool]) -> String {
        if value.utf8.allSatisfy({ keep[Int($0)] }) { return value }
        var out = ""
        for byte in value.utf8 {
            if keep[Int(byte)] {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%"
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}

extension String {
    func replacingNewlines(with replacement: String) -> String {
        guard contains("\n") else { return self }
        return split(separator: "\n", omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
