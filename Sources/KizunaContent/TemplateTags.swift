/// One `{{…}}` tag found in a template, for checking names against the variables a template may use.
struct TemplateTag: Equatable {
    enum Kind { case variable, unescaped, section, inverted, close, comment, partial, delimiter, pragma, block }
    let kind: Kind
    let name: String
    /// 1-based line within the scanned text.
    let line: Int
}

/// Scans Mustache tags without rendering. swift-mustache keeps its tokens private, so the
/// catalog reads the tags itself to reject unknown variable names when templates load.
enum TemplateTags {
    static func scan(_ text: String) -> [TemplateTag] {
        var tags: [TemplateTag] = []
        let u = Array(text.utf8)
        var i = 0
        var line = 1
        let open = UInt8(ascii: "{"), close = UInt8(ascii: "}"), newline = UInt8(ascii: "\n")
        while i < u.count {
            if u[i] == newline { line += 1; i += 1; continue }
            guard u[i] == open, i + 1 < u.count, u[i + 1] == open else { i += 1; continue }
            let tagLine = line
            let triple = i + 2 < u.count && u[i + 2] == open
            let start = i + (triple ? 3 : 2)
            var j = start
            while j + 1 < u.count, !(u[j] == close && u[j + 1] == close) {
                if u[j] == newline { line += 1 }
                j += 1
            }
            guard j + 1 < u.count else { break } // unclosed: swift-mustache reports it
            let inner = String(decoding: u[start..<j], as: UTF8.self).trimmingSpaces
            i = j + 2
            if triple {
                if i < u.count, u[i] == close { i += 1 }
                tags.append(TemplateTag(kind: .unescaped, name: inner, line: tagLine))
                continue
            }
            guard let sigil = inner.first else { tags.append(TemplateTag(kind: .variable, name: "", line: tagLine)); continue }
            let rest = String(inner.dropFirst()).trimmingSpaces
            switch sigil {
            case "#": tags.append(TemplateTag(kind: .section, name: rest, line: tagLine))
            case "^": tags.append(TemplateTag(kind: .inverted, name: rest, line: tagLine))
            case "/": tags.append(TemplateTag(kind: .close, name: rest, line: tagLine))
            case "!": tags.append(TemplateTag(kind: .comment, name: rest, line: tagLine))
            case "&": tags.append(TemplateTag(kind: .unescaped, name: rest, line: tagLine))
            case ">": tags.append(TemplateTag(kind: .partial, name: rest, line: tagLine))
            case "=": tags.append(TemplateTag(kind: .delimiter, name: rest, line: tagLine))
            case "%": tags.append(TemplateTag(kind: .pragma, name: rest, line: tagLine))
            case "$", "<": tags.append(TemplateTag(kind: .block, name: rest, line: tagLine))
            default: tags.append(TemplateTag(kind: .variable, name: inner, line: tagLine))
            }
        }
        return tags
    }

    /// The first section tag that is never closed, or closed under another name.
    static func unbalancedSection(_ text: String) -> TemplateTag? {
        var stack: [TemplateTag] = []
        for tag in scan(text) {
            switch tag.kind {
            case .section, .inverted: stack.append(tag)
            case .close:
                guard let open = stack.popLast() else { return tag }
                if open.name != tag.name { return open }
            default: continue
            }
        }
        return stack.first
    }

    /// Checks every tag against `allowed`; `notHere` maps names that exist but not in this
    /// template to the reason. Returns the first offending tag's line and a message.
    static func check(_ text: String, allowed: Set<String>, notHere: [String: String] = [:]) -> (line: Int, message: String)? {
        for tag in scan(text) {
            switch tag.kind {
            case .comment, .close:
                continue
            case .partial:
                return (tag.line, "partials ({{>\(tag.name)}}) are not supported")
            case .delimiter:
                return (tag.line, "changing delimiters ({{=…=}}) is not supported")
            case .pragma:
                return (tag.line, "pragmas ({{%…}}) are not supported")
            case .block:
                return (tag.line, "template inheritance blocks are not supported")
            case .variable, .unescaped, .section, .inverted:
                if tag.name == "." { continue }
                if allowed.contains(tag.name) { continue }
                if let reason = notHere[tag.name] {
                    return (tag.line, "{{\(tag.name)}} \(reason)")
                }
                return (tag.line, "unknown variable {{\(tag.name)}}; known: \(allowed.sorted().joined(separator: ", "))")
            }
        }
        return nil
    }
}
