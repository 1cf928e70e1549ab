/// Turns a message's Markdown into plain text that reads well on a phone: no Markdown syntax
/// left, headings marked with a symbol, list items with a bullet, links as "text (URL)".
struct PlainText {
    let bullet: String
    let headingPrefix: String

    init(forms: LanguageForms) {
        bullet = forms.bullet
        headingPrefix = forms.headingPrefix
    }

    func render(_ markdown: String) -> String {
        var blocks: [String] = []
        var paragraph: [String] = []
        var inFence: String? = nil
        var fenced: [String] = []

        func flushParagraph() {
            if !paragraph.isEmpty { blocks.append(joinLines(paragraph)); paragraph = [] }
        }

        var previousWasItem = false
        for rawLine in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.trimmingSpaces
            if let fence = inFence {
                if trimmed.hasPrefix(fence) { blocks.append(fenced.joined(separator: "\n")); fenced = []; inFence = nil }
                else { fenced.append(line) }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                flushParagraph(); previousWasItem = false
                inFence = String(trimmed.prefix(3))
                continue
            }
            if trimmed.isEmpty { flushParagraph(); previousWasItem = false; continue }
            if let heading = Self.heading(trimmed) {
                flushParagraph(); previousWasItem = false
                blocks.append(headingPrefix + inline(heading))
                continue
            }
            if Self.isThematicBreak(trimmed) {
                flushParagraph(); previousWasItem = false
                blocks.append("――――――――")
                continue
            }
            if trimmed.hasPrefix("|") {
                flushParagraph(); previousWasItem = false
                if let row = tableRow(trimmed) { blocks.append(row) }
                continue
            }
            var content = Substring(line)
            var quoted = false
            while content.drop(while: { $0 == " " }).hasPrefix(">") {
                content = content.drop(while: { $0 == " " }).dropFirst()
                if content.hasPrefix(" ") { content = content.dropFirst() }
                quoted = true
            }
            if let item = listItem(content) {
                flushParagraph()
                // Items of one list stay on consecutive lines.
                if previousWasItem, let last = blocks.popLast() { blocks.append(last + "\n" + (quoted ? "  " : "") + item) }
                else { blocks.append((quoted ? "  " : "") + item) }
                previousWasItem = true
                continue
            }
            let text = inline(content.trimmingSpaces)
            if previousWasItem, let last = blocks.popLast() {
                // A continuation line of the last list item.
                blocks.append(last + joiner(last, text) + text)
                continue
            }
            let hardBreak = line.hasSuffix("  ") || line.hasSuffix("\\")
            var piece = quoted ? "  " + text : text
            if line.hasSuffix("\\"), piece.hasSuffix("\\") { piece.removeLast() }
            paragraph.append(piece + (hardBreak ? "\n" : ""))
        }
        if inFence != nil { blocks.append(fenced.joined(separator: "\n")) }
        flushParagraph()
        return blocks.filter { !$0.isEmpty }.joined(separator: "\n\n")
    }

    // MARK: blocks

    static func heading(_ line: String) -> String? {
        let hashes = line.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var text = rest.trimmingSpaces
        // Closing hashes: "## Title ##".
        while text.hasSuffix("#") { text.removeLast() }
        return text.trimmingSpaces
    }

    static func isThematicBreak(_ line: String) -> Bool {
        let chars = line.filter { $0 != " " && $0 != "\t" }
        guard chars.count >= 3, let first = chars.first, "-*_".contains(first) else { return false }
        return chars.allSatisfy { $0 == first }
    }

    /// "- item", "* item", "+ item", "1. item", "1) item", with nesting by indentation.
    func listItem(_ line: Substring) -> String? {
        let indent = line.prefix(while: { $0 == " " || $0 == "\t" }).reduce(0) { $0 + ($1 == "\t" ? 4 : 1) }
        let rest = line.drop(while: { $0 == " " || $0 == "\t" })
        let level = String(repeating: "  ", count: min(indent / 2, 4))
        if let first = rest.first, "-*+".contains(first), rest.dropFirst().first == " " {
            return level + bullet + inline(rest.dropFirst(2).trimmingSpaces)
        }
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        if !digits.isEmpty, digits.count <= 9 {
            let after = rest.dropFirst(digits.count)
            if let mark = after.first, mark == "." || mark == ")", after.dropFirst().first == " " {
                return level + digits + ". " + inline(after.dropFirst(2).trimmingSpaces)
            }
        }
        return nil
    }

    func tableRow(_ line: String) -> String? {
        var cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        if cells.first == "" { cells.removeFirst() }
        if cells.last == "" { cells.removeLast() }
        if cells.allSatisfy({ !$0.isEmpty && $0.allSatisfy { "-: ".contains($0) } }) { return nil }
        return cells.map { inline($0) }.joined(separator: " / ")
    }

    // MARK: paragraphs

    func joinLines(_ lines: [String]) -> String {
        var out = ""
        for line in lines {
            if out.isEmpty || out.hasSuffix("\n") { out += line } else { out += joiner(out, line) + line }
        }
        while out.hasSuffix("\n") { out.removeLast() }
        return out
    }

    /// Soft line breaks join with a space, except next to CJK characters, which take none.
    func joiner(_ before: String, _ after: String) -> String {
        guard let a = before.unicodeScalars.last, let b = after.unicodeScalars.first else { return "" }
        return Self.isWide(a) || Self.isWide(b) ? "" : " "
    }

    static func isWide(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x3000...0x30FF).contains(v) || (0x3400...0x9FFF).contains(v) || (0xF900...0xFAFF).contains(v)
            || (0xFF00...0xFFEF).contains(v) || (0x20000...0x2FFFF).contains(v)
    }

    // MARK: inline

    static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "#39": "'", "nbsp": " ",
    ]

    func inline(_ text: some StringProtocol) -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "\\":
                if i + 1 < chars.count, chars[i + 1].isASCII, chars[i + 1].isPunctuation || chars[i + 1].isSymbol {
                    out.append(chars[i + 1]); i += 2
                } else { out.append(c); i += 1 }
            case "`":
                let run = chars[i...].prefix(while: { $0 == "`" }).count
                if let close = Self.find(chars, run: run, of: "`", from: i + run) {
                    out += String(chars[(i + run)..<close]).trimmingSpaces
                    i = close + run
                } else { out += String(repeating: "`", count: run); i += run }
            case "!" where i + 1 < chars.count && chars[i + 1] == "[":
                if let (label, _, end) = Self.link(chars, at: i + 1) {
                    out += inline(label); i = end
                } else { out.append(c); i += 1 }
            case "[":
                if let (label, url, end) = Self.link(chars, at: i) {
                    let shown = inline(label)
                    let bare = url.hasPrefix("mailto:") ? String(url.dropFirst(7)) : url
                    out += (shown == bare || shown == url || url.isEmpty) ? shown : "\(shown) (\(bare))"
                    i = end
                } else { out.append(c); i += 1 }
            case "<":
                if let close = chars[i...].firstIndex(of: ">") {
                    let inner = String(chars[(i + 1)..<close])
                    if inner.contains("://") || (inner.contains("@") && !inner.contains(" ")) {
                        out += inner.hasPrefix("mailto:") ? String(inner.dropFirst(7)) : inner
                        i = close + 1; continue
                    }
                    let name = inner.drop(while: { $0 == "/" }).prefix(while: { $0.isASCII && ($0.isLetter || $0.isNumber) })
                    if let first = name.first, first.isLetter {
                        if name.lowercased() == "br" { out += "\n" }
                        i = close + 1; continue
                    }
                }
                out.append(c); i += 1
            case "&":
                if let semi = chars[i...].prefix(8).firstIndex(of: ";"), let value = Self.entities[String(chars[(i + 1)..<semi])] {
                    out += value; i = semi + 1
                } else { out.append(c); i += 1 }
            case "*", "_", "~":
                let run = chars[i...].prefix(while: { $0 == c }).count
                let before: Character? = i > 0 ? chars[i - 1] : nil
                let after: Character? = i + run < chars.count ? chars[i + run] : nil
                let leftFlanking = after.map { !$0.isWhitespace } ?? false
                let rightFlanking = before.map { !$0.isWhitespace } ?? false
                var delimiter = leftFlanking || rightFlanking
                if c == "_", let b = before, let a = after, b.isLetter || b.isNumber, a.isLetter || a.isNumber {
                    delimiter = false // snake_case and URLs keep their underscores
                }
                if c == "~" && run < 2 { delimiter = false }
                if !delimiter { out += String(repeating: c, count: run) }
                i += run
            default:
                out.append(c); i += 1
            }
        }
        return out
    }

    static func find(_ chars: [Character], run: Int, of c: Character, from start: Int) -> Int? {
        var j = start
        while j < chars.count {
            if chars[j] == c {
                let r = chars[j...].prefix(while: { $0 == c }).count
                if r == run { return j }
                j += r
            } else { j += 1 }
        }
        return nil
    }

    /// `[label](url "title")` starting at the `[`: the label, the URL and the index after `)`.
    static func link(_ chars: [Character], at start: Int) -> (String, String, Int)? {
        var depth = 0
        var j = start
        while j < chars.count {
            if chars[j] == "\\" { j += 2; continue }
            if chars[j] == "[" { depth += 1 }
            if chars[j] == "]" { depth -= 1; if depth == 0 { break } }
            j += 1
        }
        guard j + 1 < chars.count, chars[j + 1] == "(" else { return nil }
        guard let close = chars[(j + 2)...].firstIndex(of: ")") else { return nil }
        let label = String(chars[(start + 1)..<j])
        var target = String(chars[(j + 2)..<close]).trimmingSpaces
        if let space = target.firstIndex(of: " ") { target = String(target[..<space]) }
        if target.hasPrefix("<") && target.hasSuffix(">") { target = String(target.dropFirst().dropLast()) }
        return (label, target, close + 1)
    }
}
