import TOMLKit

/// A content file split into its TOML front matter and its Markdown body.
struct FrontMatterFile {
    let path: String
    /// The front matter's TOML text, without the `+++` lines.
    let tomlText: String
    /// The body after the closing `+++` line.
    let body: String
    /// Line number (1-based) of the body's first line.
    let bodyFirstLine: Int
    let table: TOMLTable

    /// Splits and parses; `text` has had its line endings normalized to `\n`.
    init(path: String, text: String) throws(ContentError) {
        self.path = path
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        guard let opening = lines.first, opening.trimmingTrailingSpaces == "+++" else {
            throw ContentError(.missingFrontMatter, path: path, line: 1, "the file must start with a `+++` line opening the TOML front matter")
        }
        guard let closing = lines.indices.dropFirst().first(where: { lines[$0].trimmingTrailingSpaces == "+++" }) else {
            throw ContentError(.missingFrontMatter, path: path, line: 1, "the front matter opened on line 1 is never closed by a `+++` line")
        }
        tomlText = lines[1..<closing].joined(separator: "\n")
        body = lines[(closing + 1)...].joined(separator: "\n")
        bodyFirstLine = closing + 2
        do {
            table = try TOMLTable(string: tomlText)
        } catch let error as TOMLParseError {
            throw ContentError(.badTOML, path: path, line: error.source.begin.line + 1, "bad TOML in the front matter: \(error.description)")
        } catch {
            throw ContentError(.badTOML, path: path, line: 2, "bad TOML in the front matter: \(error)")
        }
    }

    /// The file line on which `key` is set (in `[section]` when given), found by scanning the front matter text.
    func line(ofKey key: String, in section: String? = nil) -> Int? {
        TOMLLines.line(ofKey: key, in: section, text: tomlText).map { $0 + 1 }
    }
}

/// Finds source lines in TOML text; TOMLKit keeps no positions for values.
enum TOMLLines {
    /// 1-based line within `text` where `key = ` appears, inside `[section]` when given.
    static func line(ofKey key: String, in section: String?, text: String, startingAt start: Int = 0) -> Int? {
        var current: String? = nil
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where i >= start {
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("[") {
                let name = line.drop(while: { $0 == "[" }).prefix(while: { $0 != "]" })
                current = String(name).trimmingSpaces
                continue
            }
            guard current == section else { continue }
            var rest = line
            if rest.hasPrefix("\"") { rest = rest.dropFirst() }
            guard rest.hasPrefix(key) else { continue }
            let after = rest.dropFirst(key.count).drop(while: { $0 == " " || $0 == "\t" || $0 == "\"" })
            if after.hasPrefix("=") { return i + 1 }
        }
        return nil
    }

    /// 1-based lines of each `[[name]]` array-of-tables header, in order.
    static func arrayTableLines(_ name: String, text: String) -> [Int] {
        var result: [Int] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingSpaces
            if line.hasPrefix("[[") && line.dropFirst(2).prefix(while: { $0 != "]" }).trimmingSpaces == name {
                result.append(i + 1)
            }
        }
        return result
    }
}

/// Typed reads of a TOML table that report problems as `ContentError`s.
struct TOMLFields {
    let table: TOMLTable
    let path: String
    let section: String?
    let lineOf: (String) -> Int?
    /// Where a missing key would have gone: the front matter's first line or the section header.
    let headerLine: Int?

    func check(allowed: Set<String>) throws(ContentError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let place = section.map { " in [\($0)]" } ?? ""
            throw ContentError(.unknownKey, path: path, line: lineOf(key),
                               "unknown key `\(key)`\(place); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func has(_ key: String) -> Bool { table[key] != nil }

    private func missing(_ key: String) -> ContentError {
        let place = section.map { " in [\($0)]" } ?? ""
        return ContentError(.missingKey, path: path, line: headerLine, "missing key `\(key)`\(place)")
    }

    private func wrongType(_ key: String, _ expected: String) -> ContentError {
        ContentError(.wrongType, path: path, line: lineOf(key), "`\(key)` must be \(expected)")
    }

    func string(_ key: String) throws(ContentError) -> String {
        guard let value = table[key] else { throw missing(key) }
        guard let s = value.string else { throw wrongType(key, "a string") }
        return s
    }

    func optionalString(_ key: String) throws(ContentError) -> String? {
        guard table[key] != nil else { return nil }
        return try string(key)
    }

    func int(_ key: String) throws(ContentError) -> Int {
        guard let value = table[key] else { throw missing(key) }
        guard let n = value.int else { throw wrongType(key, "a whole number") }
        return n
    }

    func bool(_ key: String) throws(ContentError) -> Bool {
        guard let value = table[key] else { throw missing(key) }
        guard let b = value.bool else { throw wrongType(key, "true or false") }
        return b
    }

    func subtable(_ key: String) throws(ContentError) -> TOMLTable {
        guard let value = table[key] else { throw missing(key) }
        guard let t = value.table else { throw wrongType(key, "a table ([\(key)])") }
        return t
    }

    func optionalStrings(_ key: String) throws(ContentError) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw wrongType(key, "an array of strings") }
        var result: [String] = []
        for element in array {
            guard let s = element.string else { throw wrongType(key, "an array of strings") }
            result.append(s)
        }
        return result
    }

    func error(_ code: ContentError.Code, key: String, _ message: String) -> ContentError {
        ContentError(code, path: path, line: lineOf(key), message)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        // Cut on UTF-8 bytes (every line of every message passes here while a catalog loads and
        // sections are prepared). A cut that is a Character boundary gives what the Character
        // walk below gives; one that is not (a space joined with a combining mark) takes the walk.
        let whole = Substring(self)
        let u = whole.utf8
        var start = u.startIndex, end = u.endIndex
        while start != end, u[start] == 0x20 || u[start] == 0x09 { start = u.index(after: start) }
        while end != start {
            let before = u.index(before: end)
            guard u[before] == 0x20 || u[before] == 0x09 else { break }
            end = before
        }
        if let lower = String.Index(start, within: whole), let upper = String.Index(end, within: whole) {
            return String(whole[lower..<upper])
        }
        return String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
    var trimmingTrailingSpaces: Substring {
        let s = Substring(self)
        var end = s.endIndex
        while end > s.startIndex, s[s.index(before: end)] == " " || s[s.index(before: end)] == "\t" { end = s.index(before: end) }
        return s[s.startIndex..<end]
    }
}
