import Foundation

/// HTML-only mail reduced to the text a reader sees: scripts, styles and the head dropped,
/// block elements as line breaks, entities decoded, blockquotes marked with `>` so quoted
/// text can be told apart from the reply.
enum IncomingHTMLText {
    private static let blockTags: Set<String> = [
        "p", "div", "br", "tr", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "blockquote", "pre", "hr", "section", "article", "header", "footer", "address", "center", "form", "body",
    ]
    private static let skippedTags: Set<String> = ["script", "style", "head", "title", "template", "noscript", "xml"]
    private static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "ensp": " ", "emsp": " ", "thinsp": " ",
        "copy": "©", "reg": "®", "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’",
        "ldquo": "“", "rdquo": "”", "laquo": "«", "raquo": "»", "yen": "¥", "euro": "€", "pound": "£", "cent": "¢",
        "middot": "·", "bull": "•", "deg": "°", "times": "×", "divide": "÷", "sect": "§", "para": "¶", "shy": "",
        "zwj": "\u{200D}", "zwnj": "\u{200C}", "eacute": "é", "egrave": "è", "agrave": "à", "aacute": "á", "ccedil": "ç",
        "uuml": "ü", "ouml": "ö", "auml": "ä", "szlig": "ß", "rarr": "→", "larr": "←", "hearts": "♥", "star": "☆",
    ]

    static func text(fromHTML html: String) -> String {
        let s = Array(html.unicodeScalars)
        let n = s.count
        var lines: [(depth: Int, text: String, pre: Bool)] = []
        var current = String.UnicodeScalarView()
        var currentDepth = 0
        var depth = 0
        var pre = 0
        var pendingSpace = false
        var i = 0

        func breakLine() {
            lines.append((currentDepth, String(current), pre > 0))
            current = String.UnicodeScalarView()
            currentDepth = depth
            pendingSpace = false
        }
        func emit(_ c: Unicode.Scalar) {
            if current.isEmpty { currentDepth = depth }
            if pendingSpace && !current.isEmpty { current.append(" ") }
            pendingSpace = false
            current.append(c)
        }

        while i < n {
            let c = s[i]
            if c == "<" {
                if i + 3 < n && s[i + 1] == "!" && s[i + 2] == "-" && s[i + 3] == "-" {
                    i = indexAfter(s, from: i + 4, marker: ["-", "-", ">"]) ?? n
                    continue
                }
                guard i + 1 < n, s[i + 1] == "/" || s[i + 1] == "!" || s[i + 1] == "?" || s[i + 1].properties.isAlphabetic else {
                    emit(c); i += 1; continue
                }
                let (name, closing, after) = readTag(s, from: i)
                // A `<` with no `>` after it is text, not a tag running to the end.
                guard after <= n, s[after - 1] == ">" else { emit(c); i += 1; continue }
                i = after
                if !closing && skippedTags.contains(name) {
                    i = skipElement(s, from: i, name: name)
                    continue
                }
                if name == "blockquote" {
                    if !current.isEmpty { breakLine() }
                    depth = closing ? max(0, depth - 1) : depth + 1
                    currentDepth = depth
                    continue
                }
                if name == "pre" && !closing { if !current.isEmpty { breakLine() }; pre += 1 }
                if name == "br" || (blockTags.contains(name) && !current.isEmpty) {
                    breakLine()
                } else if name == "td" || name == "th" {
                    pendingSpace = true
                } else if blockTags.contains(name) && name == "p" && !closing {
                    // An empty <p> between paragraphs keeps them apart.
                    if let last = lines.last, !last.text.isEmpty { breakLine() }
                }
                if name == "pre" && closing { pre = max(0, pre - 1) }
                continue
            }
            if c == "&", let (decoded, after) = entity(s, from: i) {
                for d in decoded.unicodeScalars { emit(d) }
                i = after
                continue
            }
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" {
                if pre > 0 {
                    if c == "\n" { breakLine() } else if c != "\r" { emit(c) }
                } else {
                    pendingSpace = true
                }
                i += 1
                continue
            }
            emit(c)
            i += 1
        }
        if !current.isEmpty { breakLine() }

        var out: [String] = []
        for line in lines {
            var text = line.text.trimmingBlanks()
            if line.pre && !text.isEmpty { text = String(line.text.reversed().drop { $0 == " " || $0 == "\t" }.reversed()) }
            if text.isEmpty {
                if let last = out.last, !last.isEmpty { out.append("") }
                continue
            }
            out.append(line.depth > 0 ? String(repeating: ">", count: line.depth) + " " + text : text)
        }
        while out.last == "" { out.removeLast() }
        return out.joined(separator: "\n")
    }

    /// The tag name (lower-cased), whether it is a closing tag, and the index after its `>`.
    private static func readTag(_ s: [Unicode.Scalar], from start: Int) -> (String, Bool, Int) {
        var i = start + 1
        let closing = s[i] == "/"
        if closing { i += 1 }
        var name = ""
        while i < s.count, s[i].properties.isAlphabetic || ("0"..."9").contains(s[i]) || s[i] == ":" {
            name.unicodeScalars.append(s[i]); i += 1
        }
        var quote: Unicode.Scalar? = nil
        while i < s.count {
            let c = s[i]
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == ">" { break }
            i += 1
        }
        return (name.lowercased(), closing, min(i + 1, s.count))
    }

    /// Index after `</name…>`, or the end when the element is never closed.
    private static func skipElement(_ s: [Unicode.Scalar], from start: Int, name: String) -> Int {
        let target = Array(("</" + name).unicodeScalars)
        var i = start
        while i + target.count <= s.count {
            if s[i] == "<" && s[i + 1] == "/" {
                var match = true
                for k in 2..<target.count where s[i + k].properties.lowercaseMapping != String(target[k]) {
                    match = false; break
                }
                if match { return readTag(s, from: i).2 }
            }
            i += 1
        }
        return s.count
    }

    private static func indexAfter(_ s: [Unicode.Scalar], from start: Int, marker: [Unicode.Scalar]) -> Int? {
        var i = start
        while i + marker.count <= s.count {
            if Array(s[i..<(i + marker.count)]) == marker { return i + marker.count }
            i += 1
        }
        return nil
    }

    /// `&name;`, `&#123;`, `&#x1F600;`; nil when it is a plain ampersand.
    private static func entity(_ s: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        var i = start + 1
        var body = ""
        while i < s.count, i - start <= 32, s[i] != ";" {
            let c = s[i]
            guard c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "#" else { break }
            body.unicodeScalars.append(c); i += 1
        }
        let terminated = i < s.count && s[i] == ";"
        let after = terminated ? i + 1 : i
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" { value = UInt32(digits.dropFirst(), radix: 16) } else { value = UInt32(digits) }
            guard let v = value else { return nil }
            // Windows-1252 numbers that pages mean as such, and invalid code points.
            let scalar = Unicode.Scalar(v).flatMap { $0.value == 0 ? nil : $0 } ?? "\u{FFFD}"
            return (String(scalar), after)
        }
        guard terminated || ["amp", "lt", "gt", "quot", "nbsp"].contains(body.lowercased()) else { return nil }
        if let e = entities[body] ?? entities[body.lowercased()] { return (e, after) }
        return nil
    }

    /// The charset an HTML body declares in a `<meta>` tag, for parts whose header names none.
    static func declaredCharset(_ bytes: ArraySlice<UInt8>) -> String? {
        let head = String(decoding: bytes.prefix(4096).map { $0 >= 0x80 ? 0x20 : $0 }, as: UTF8.self).lowercased()
        guard let meta = head.range(of: "<meta") else { return nil }
        guard let cs = head[meta.upperBound...].range(of: "charset") else { return nil }
        var rest = head[cs.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
        rest = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ":" || $0 == "." }
        return rest.isEmpty ? nil : String(rest)
    }
}
