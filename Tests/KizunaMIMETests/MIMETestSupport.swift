import Foundation
import KizunaCore
@testable import KizunaMIME

/// A small, strict RFC 2047 reader for checking what the writer produced.
enum EncodedWordReader {
    struct Word: Equatable {
        var raw: String
        var bytes: [UInt8]
    }

    /// Decodes `=?charset?B|Q?text?=`, or nil if `token` is not exactly one encoded-word.
    static func decodeWord(_ token: Substring) -> [UInt8]? {
        guard token.hasPrefix("=?"), token.hasSuffix("?="), token.count >= 8 else { return nil }
        let inner = token.dropFirst(2).dropLast(2)
        let parts = inner.split(separator: "?", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].uppercased() == "UTF-8" else { return nil }
        switch parts[1].uppercased() {
        case "B":
            guard let data = Data(base64Encoded: String(parts[2])) else { return nil }
            return Array(data)
        case "Q":
            var out: [UInt8] = []
            var bytes = Array(parts[2].utf8)[...]
            while let b = bytes.popFirst() {
                if b == UInt8(ascii: "_") { out.append(0x20) }
                else if b == UInt8(ascii: "=") {
                    guard bytes.count >= 2, let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                    out.append(v); bytes = bytes.dropFirst(2)
                } else { out.append(b) }
            }
            return out
        default:
            return nil
        }
    }

    /// Decodes an unfolded unstructured value (or phrase): encoded-words are decoded, literal
    /// text kept, whitespace between two adjacent encoded-words dropped (RFC 2047 §6.2).
    static func decode(_ value: String) -> (text: String, words: [Word])? {
        var out: [UInt8] = []
        var words: [Word] = []
        var pendingSpace: [UInt8] = []
        var previousWasEncoded = false
        var rest = Substring(value)
        while !rest.isEmpty {
            let ws = rest.prefix(while: { $0 == " " || $0 == "\t" })
            rest = rest.dropFirst(ws.count)
            pendingSpace = Array(ws.utf8)
            let token = rest.prefix(while: { $0 != " " && $0 != "\t" })
            rest = rest.dropFirst(token.count)
            if token.isEmpty { out += pendingSpace; break }
            if let decoded = decodeWord(token) {
                if !previousWasEncoded { out += pendingSpace }
                out += decoded
                words.append(Word(raw: String(token), bytes: decoded))
                previousWasEncoded = true
            } else {
                if token.contains("=?") { return nil }  // a malformed encoded-word
                out += pendingSpace
                out += Array(token.utf8)
                previousWasEncoded = false
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { return nil }
        return (text, words)
    }

    /// Splits `display-name <addr>` / `addr`; the name decoded from a quoted-string or encoded-words.
    static func decodeMailbox(_ value: String) -> (name: String?, address: String)? {
        guard value.hasSuffix(">"), let open = value.lastIndex(of: "<") else {
            return (nil, value)
        }
        let address = String(value[value.index(after: open)..<value.index(before: value.endIndex)])
        var phrase = value[..<open]
        guard phrase.hasSuffix(" ") else { return nil }
        phrase = phrase.dropLast()
        if phrase.hasPrefix("\"") {
            guard phrase.count >= 2, phrase.hasSuffix("\"") else { return nil }
            var name = "", escaped = false
            for c in phrase.dropFirst().dropLast() {
                if escaped { name.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { return nil } else { name.append(c) }
            }
            return (name, address)
        }
        guard let decoded = decode(String(phrase)) else { return nil }
        return (decoded.text, address)
    }
}

/// A parsed header section: fields in order, each with its raw (folded) text.
struct ParsedHeaders {
    struct Field { var name: String; var raw: String; var value: String }
    var fields: [Field] = []
    var body: [UInt8] = []

    init(_ message: [UInt8]) throws {
        let text = String(decoding: message, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { throw ParseError.noBlankLine }
        body = Array(text[end.upperBound...].utf8)
        var raw: [String] = []
        for line in text[..<end.lowerBound].components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                guard !raw.isEmpty else { throw ParseError.continuationFirst }
                raw[raw.count - 1] += "\r\n" + line
            } else {
                raw.append(line)
            }
        }
        for r in raw {
            guard let colon = r.firstIndex(of: ":") else { throw ParseError.noColon(r) }
            let unfolded = r.replacingOccurrences(of: "\r\n", with: "")
            let value = unfolded[unfolded.index(after: unfolded.firstIndex(of: ":")!)...].drop(while: { $0 == " " || $0 == "\t" })
            fields.append(Field(name: String(r[..<colon]), raw: r, value: String(value)))
        }
    }

    subscript(_ name: String) -> Field? { fields.first { $0.name.lowercased() == name.lowercased() } }

    enum ParseError: Error { case noBlankLine, continuationFirst, noColon(String) }
}

/// Deterministic random numbers, so a failing generated case can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random header text mixing kana, kanji, emoji (with ZWJ, flags, skin tones, keycaps), ASCII
/// words, punctuation that looks like encoded-word syntax, and runs of spaces and tabs.
enum TextGenerator {
    static let kanji = Array("妊娠週日赤子育健診相談母親父家族保健師助産産後心体眠食乳離今明朝夜雨晴桜")
    static let emoji = ["👶", "🍼", "👨‍👩‍👧‍👦", "🇯🇵", "👍🏽", "1️⃣", "❤️", "🧑🏻‍🍼", "🌸"]
    static let punctuation = ["=?", "?=", "=?UTF-8?B?", "_", "\"", ",", ".", "@", "(", ")", "\\", "!", "、", "。", "「", "」"]

    static func text(length: Int, using rng: inout SplitMix64) -> String {
        var s = ""
        while s.count < length {
            switch rng.next() % 10 {
            case 0, 1:
                for _ in 0..<(1 + rng.next() % 6) { s.unicodeScalars.append(Unicode.Scalar(UInt32(0x3041 + rng.next() % 86))!) }
            case 2:
                for _ in 0..<(1 + rng.next() % 6) { s.unicodeScalars.append(Unicode.Scalar(UInt32(0x30A1 + rng.next() % 90))!) }
            case 3:
                for _ in 0..<(1 + rng.next() % 4) { s.append(kanji[Int(rng.next() % UInt64(kanji.count))]) }
            case 4:
                s += emoji[Int(rng.next() % UInt64(emoji.count))]
            case 5, 6:
                let n = rng.next() % 20 == 0 ? 70 + Int(rng.next() % 40) : 1 + Int(rng.next() % 10)
                for _ in 0..<n { s.unicodeScalars.append(Unicode.Scalar(UInt8(97 + rng.next() % 26))) }
            case 7:
                s += punctuation[Int(rng.next() % UInt64(punctuation.count))]
            case 8:
                s += ["e\u{301}", "\u{3000}", "\u{1F}"][Int(rng.next() % 3)]
            default:
                s += [" ", " ", " ", "  ", "\t", "   "][Int(rng.next() % 6)]
            }
        }
        return String(s.prefix(length))
    }
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("mime")
}

/// Line-level checks every header field we write must pass.
enum WireChecks {
    /// Problems with line endings, line lengths, continuation lines and encoded-word sizes.
    /// With `allowUnbreakable`, a longer line passes when it is one token that cannot be folded
    /// (a long URI or address), still within 998.
    static func problems(inField raw: String, maxLine: Int = 78, allowUnbreakable: Bool = false) -> [String] {
        var problems: [String] = []
        let bytes = Array(raw.utf8)
        for (i, b) in bytes.enumerated() {
            if b == 13 && (i + 1 >= bytes.count || bytes[i + 1] != 10) { problems.append("bare CR at \(i)") }
            if b == 10 && (i == 0 || bytes[i - 1] != 13) { problems.append("bare LF at \(i)") }
        }
        for (n, line) in raw.components(separatedBy: "\r\n").enumerated() {
            let unbreakable = allowUnbreakable && !line.drop(while: { $0 == " " || $0 == "\t" }).contains(where: { $0 == " " || $0 == "\t" })
            if line.utf8.count > maxLine && !unbreakable { problems.append("line \(n) has \(line.utf8.count) > \(maxLine): \(line)") }
            if line.utf8.count > 998 { problems.append("line \(n) longer than 998") }
            if n > 0 && !(line.hasPrefix(" ") || line.hasPrefix("\t")) { problems.append("line \(n) is not a continuation") }
            if n > 0 && line.allSatisfy({ $0 == " " || $0 == "\t" }) { problems.append("line \(n) is only whitespace") }
            for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) where token.hasPrefix("=?") {
                if token.utf8.count > 75 { problems.append("encoded-word of \(token.utf8.count) chars: \(token)") }
            }
        }
        return problems
    }
}
