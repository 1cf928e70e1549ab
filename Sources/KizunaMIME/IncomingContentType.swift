/// A received Content-Type (RFC 2045 §5): type and subtype lower-cased, parameters with
/// RFC 2231 continuations and charset'language'percent-encoding resolved.
public struct ContentType: Sendable, Hashable, CustomStringConvertible {
    public let type: String
    public let subtype: String
    /// Parameter values by lower-cased name, already decoded.
    public let parameters: [String: String]

    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
    }

    /// Parses a Content-Type value; nil when it has no `type/subtype`.
    public init?(parsing value: String) {
        let (head, parameters) = HeaderParameters.split(value)
        let pieces = head.split(separator: "/", maxSplits: 1).map { $0.trimmingBlanks().lowercased() }
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty,
              pieces.allSatisfy({ $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } }) else { return nil }
        self.init(type: pieces[0], subtype: pieces[1], parameters: parameters)
    }

    /// `type/subtype`.
    public var mimeType: String { "\(type)/\(subtype)" }
    public var charset: String? { parameters["charset"] }
    public var description: String { mimeType }

    static let textPlain = ContentType(type: "text", subtype: "plain")
    static let messageRFC822 = ContentType(type: "message", subtype: "rfc822")
}

/// A received Content-Disposition (RFC 2183): `inline` or `attachment` and its parameters.
public struct ContentDisposition: Sendable, Hashable {
    /// Lower-cased, e.g. `attachment`.
    public let kind: String
    public let parameters: [String: String]

    public init?(parsing value: String) {
        let (head, parameters) = HeaderParameters.split(value)
        let kind = head.trimmingBlanks().lowercased()
        guard !kind.isEmpty || !parameters.isEmpty else { return nil }
        self.kind = kind.isEmpty ? "attachment" : kind
        self.parameters = parameters
    }

    public var isAttachment: Bool { kind == "attachment" }
    public var filename: String? { parameters["filename"] }
}

/// `value; name=token; name="quoted"; name*0*=utf-8''%E5%90%8D` parameter lists.
enum HeaderParameters {
    private struct Segment {
        var section: Int
        var extended: Bool
        var value: String
    }

    /// The text before the first `;` and the decoded parameters.
    static func split(_ value: String) -> (head: String, parameters: [String: String]) {
        // On UTF-8 bytes: every delimiter is ASCII, so cuts fall between characters.
        let chars = Array(value.utf8)
        let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
        var headEnd = chars.firstIndex(of: semicolon) ?? chars.count
        // Parameters written without the `;` (`text/plain charset=x`) are tolerated.
        if let start = chars[..<headEnd].firstIndex(where: { !isBlank($0) }),
           let blank = chars[start..<headEnd].firstIndex(where: isBlank), chars[blank..<headEnd].contains(equals) {
            headEnd = blank
        }
        var head: [UInt8] = []
        var i = 0
        while i < headEnd {
            if chars[i] == openParen { skipComment(chars, &i); continue }
            head.append(chars[i]); i += 1
        }
        i = headEnd
        var plain: [String: String] = [:]
        var extended: [String: [Segment]] = [:]
        while i < chars.count {
            while i < chars.count && (chars[i] == semicolon || isBlank(chars[i])) { i += 1 }
            if i < chars.count && chars[i] == openParen { skipComment(chars, &i); continue }
            var nameBytes: [UInt8] = []
            while i < chars.count && chars[i] != equals && chars[i] != semicolon && !isBlank(chars[i]) {
                nameBytes.append(chars[i]); i += 1
            }
            while i < chars.count && isBlank(chars[i]) { i += 1 }
            guard i < chars.count, chars[i] == equals else { continue }
            i += 1
            while i < chars.count && isBlank(chars[i]) { i += 1 }
            var valueBytes: [UInt8] = []
            var quoted = false
            if i < chars.count && chars[i] == quote {
                quoted = true
                i += 1
                while i < chars.count && chars[i] != quote {
                    if chars[i] == backslash && i + 1 < chars.count { i += 1 }
                    valueBytes.append(chars[i]); i += 1
                }
                i += 1
            } else {
                while i < chars.count && chars[i] != semicolon && chars[i] != openParen { valueBytes.append(chars[i]); i += 1 }
            }
            let v = quoted ? text(valueBytes) : text(valueBytes).trimmingBlanks()
            let name = text(nameBytes).lowercased()
            guard !name.isEmpty else { continue }
            if let star = name.firstIndex(of: "*") {
                let base = String(name[..<star])
                let rest = name[name.index(after: star)...]
                let isExtended = rest.isEmpty || rest.hasSuffix("*")
                let sectionText = rest.hasSuffix("*") ? rest.dropLast() : rest
                let section = sectionText.isEmpty ? 0 : (Int(sectionText) ?? -1)
                guard section >= 0, section < 1000 else { continue }
                extended[base, default: []].append(Segment(section: section, extended: isExtended, value: v))
            } else if plain[name] == nil {
                plain[name] = v
            }
        }
        var parameters: [String: String] = [:]
        for (name, v) in plain {
            parameters[name] = v.containsBytes("=?") ? IncomingEncodedWord.decode(Array(v.utf8)) : v
        }
        for (name, segments) in extended {
            parameters[name] = joinSegments(segments.sorted { $0.section < $1.section })
        }
        return (String(decoding: head, as: UTF8.self).trimmingBlanks(), parameters)
    }

    private static let semicolon = UInt8(ascii: ";"), equals = UInt8(ascii: "="), quote = UInt8(ascii: "\""),
        backslash = UInt8(ascii: "\\"), openParen = UInt8(ascii: "("), closeParen = UInt8(ascii: ")")
    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    /// RFC 2231 §3–4: sections in order; extended ones percent-decoded; the first names the charset.
    private static func joinSegments(_ segments: [Segment]) -> String {
        var bytes: [UInt8] = []
        var charset: String? = nil
        // Extended sections are percent-decoded together: a sender that splits an escape
        // across two sections still gets its name back.
        var pending = ""
        for (index, segment) in segments.enumerated() {
            guard segment.extended else {
                bytes += percentDecode(pending[...]); pending = ""
                bytes += Array(segment.value.utf8)
                continue
            }
            var text = Substring(segment.value)
            if index == 0 {
                let quotes = text.indices.filter { text[$0] == "'" }
                if quotes.count >= 2 {
                    let c = String(text[..<quotes[0]])
                    if !c.isEmpty { charset = c }
                    text = text[text.index(after: quotes[1])...]
                }
            }
            pending += text
        }
        bytes += percentDecode(pending[...])
        if charset == nil, String(validating: bytes, as: UTF8.self) != nil { return String(decoding: bytes, as: UTF8.self) }
        return IncomingCharset.decode(bytes, label: charset).text
    }

    private static func percentDecode(_ text: Substring) -> [UInt8] {
        let src = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < src.count {
            if src[i] == 0x25, i + 2 < src.count,
               let hi = IncomingTransferEncoding.hexValue(src[i + 1]), let lo = IncomingTransferEncoding.hexValue(src[i + 2]) {
                out.append(hi << 4 | lo); i += 3
            } else {
                out.append(src[i]); i += 1
            }
        }
        return out
    }

    private static func skipComment(_ chars: [UInt8], _ i: inout Int) {
        var depth = 0
        while i < chars.count {
            if chars[i] == backslash { i += 2; continue }
            if chars[i] == openParen { depth += 1 }
            if chars[i] == closeParen { depth -= 1; if depth == 0 { i += 1; return } }
            i += 1
        }
    }
}
