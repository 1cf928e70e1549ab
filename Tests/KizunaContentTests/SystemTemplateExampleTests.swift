import Foundation
import KizunaCore
import Testing

/// Every command example the shipped templates show a parent — in the system mails
/// (`templates/system/<lang>/*.md`) and in every mail's footer (`templates/layouts`) — is read by
/// the command parser as the command it names, written alone and as a reply to that very mail.
///
/// An example is a bold span (`**停止**`), an indented line, a bullet without bold, or a word
/// quoted after "reply" (`「再開」と返信`, `reply with "help"`). Each must be in `expected` (or, for
/// a bullet that is prose, `notExamples`): a new example in a template fails here until someone
/// has said what it should do.
@Suite struct SystemTemplateExampleTests {
    /// Example as written (variables filled with `sampleValues`) → the command it names.
    static let expected: [String: String] = [
        "停止": "stop", "一時停止": "pause", "再開": "resume", "出生 2027-04-28": "born", "状況": "status", "ヘルプ": "help",
        "stop": "stop", "pause": "pause", "resume": "resume", "born 2027-04-28": "born", "status": "status", "help": "help",
        "c-2n9c-fs4-abcdefgh": "confirm",
        "登録 誕生日 2027年4月28日": "subscribe", "subscribe birth 2027-04-28": "subscribe",
    ]
    /// Bullets that are prose, not something a parent would send.
    static let notExamples: Set<String> = []
    /// Values for the variables inside examples and subjects; nil: a span with it is a
    /// description, not an example (`**{{command}}**` names the held command in words).
    static let sampleValues: [String: String?] = [
        "token": "c-2n9c-fs4-abcdefgh", "command": nil, "edition_name": "さくらクリニック", "nickname": "はな",
    ]
    /// The day the examples are read on: after the example birth date, before the due dates.
    static let today = CivilDate(iso: "2027-05-01")!

    struct Example: CustomStringConvertible {
        var file: String
        var line: Int
        var text: String
        /// The subject of the mail the example stands in ("" for a layout).
        var subject: String
        var description: String { "\(file):\(line): \"\(text)\"" }
    }

    @Test func everyExampleIsReadAsTheCommandItNames() throws {
        let examples = try Self.shippedExamples()
        for example in examples where !Self.notExamples.contains(example.text) {
            guard let name = Self.expected[example.text] else {
                Issue.record("\(example): an example with no expectation — add it to SystemTemplateExampleTests.expected")
                continue
            }
            var subjects = [""]
            if !example.subject.isEmpty { subjects += ["Re: " + example.subject, "返信: " + example.subject, "Fwd: " + example.subject] }
            for subject in subjects {
                let parsed = CommandParser.parse(subject: subject, body: example.text, today: Self.today)
                #expect(parsed.command.name == name, "\(example) under \"\(subject)\" → \(parsed.command): \(parsed.why)")
                switch parsed.command {
                case .born(let d), .due(let d), .pause(until: let d?):
                    #expect((try? d.get()) != nil, "\(example): its date is not usable on \(Self.today): \(d)")
                default: break
                }
            }
        }
    }

    /// The extractor finds what the shipped help mails show (so an empty harvest cannot pass).
    @Test func theExtractorFindsTheShippedExamples() throws {
        let examples = try Self.shippedExamples()
        let found = Set(examples.map { "\($0.file) \($0.text)" })
        for known in ["system/ja/help.md 出生 2027-04-28", "system/ja/help.md 停止", "system/en/help.md born 2027-04-28",
                      "system/ja/paused.md 再開", "system/en/status.md help", "layouts/ja/text.mustache 停止",
                      "layouts/en/text.mustache stop", "system/ja/confirm.md c-2n9c-fs4-abcdefgh"] {
            #expect(found.contains(known), "\(known) not extracted from \(found.sorted())")
        }
        #expect(!found.contains { $0.hasPrefix("system/ja/help.md 2027年") }, "a date in 「」 is not a command example")
    }

    @Test func theExtractorReadsEachForm() {
        let text = """
        - **停止**：配信をやめます
        - 一時停止：休む
        「再開」と一言返信してください。日付は「2027年4月28日」のようにも。
        To stop, reply with just the word "stop". For help, reply "help".

            出生 2027-04-28
        確認番号：**{{token}}** と **{{command}}**
        """
        let found = Self.examples(in: text, file: "t", subject: "").map(\.text)
        #expect(found == ["停止", "一時停止", "再開", "stop", "help", "出生 2027-04-28", "c-2n9c-fs4-abcdefgh"], "\(found)")
    }

    // MARK: - Extraction

    static func shippedExamples() throws -> [Example] {
        let root = Fixtures.repoTemplates
        let fm = FileManager.default
        var out: [Example] = []
        for language in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("system").path).sorted() {
            let dir = root.appendingPathComponent("system/\(language)")
            for name in try fm.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".md") {
                let source = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
                let (subject, body) = frontMatterSubject(source)
                out += examples(in: body, file: "system/\(language)/\(name)", subject: subject)
            }
        }
        for language in try fm.contentsOfDirectory(atPath: root.appendingPathComponent("layouts").path).sorted() {
            for name in ["text.mustache", "html.mustache"] {
                let url = root.appendingPathComponent("layouts/\(language)/\(name)")
                guard let source = try? String(contentsOf: url, encoding: .utf8) else { continue }
                out += examples(in: source, file: "layouts/\(language)/\(name)", subject: "", markdown: false)
            }
        }
        return out
    }

    /// The subject from the front matter (variables filled) and the body after it.
    static func frontMatterSubject(_ source: String) -> (String, String) {
        let parts = source.components(separatedBy: "+++")
        guard parts.count >= 3 else { return ("", source) }
        var subject = ""
        for line in parts[1].split(separator: "\n") where line.hasPrefix("subject") {
            if let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""), open < close {
                subject = fill(String(line[line.index(after: open)..<close])) ?? ""
            }
        }
        return (subject, parts[2...].joined(separator: "+++"))
    }

    /// The text with its `{{variables}}` filled; nil when one of them marks a description.
    static func fill(_ text: String) -> String? {
        var out = text
        while let open = out.range(of: "{{"), let close = out.range(of: "}}", range: open.upperBound..<out.endIndex) {
            let name = out[open.upperBound..<close.lowerBound].trimmingCharacters(in: CharacterSet(charactersIn: " {}#/^&"))
            guard let value = sampleValues[name] else {
                Issue.record("a template example uses {{\(name)}}: add a sample value to SystemTemplateExampleTests.sampleValues")
                return nil
            }
            guard let value else { return nil }
            out.replaceSubrange(open.lowerBound..<close.upperBound, with: value)
        }
        return out
    }

    static var bold: Regex<AnyRegexOutput> { try! Regex(#"\*\*([^*\n]+)\*\*"#) }
    static var quotedJa: Regex<AnyRegexOutput> { try! Regex(#"「([^」\n]+)」と[^。\n「」]{0,8}?(?:返信|送|書)"#) }
    static var quotedEn: Regex<AnyRegexOutput> { try! Regex(#"(?i)\b(?:reply|write|send|answer)(?:\s+(?:with|back|just|only|the|word|one|of|us))*\s*:?\s*["“]([^"”\n]+)["”]"#) }

    static func examples(in text: String, file: String, subject: String, markdown: Bool = true) -> [Example] {
        var out: [Example] = []
        var seen: Set<String> = []
        let (bold, quotedJa, quotedEn) = (Self.bold, Self.quotedJa, Self.quotedEn)
        func add(_ raw: Substring, _ line: Int) {
            guard let filled = fill(String(raw)) else { return }
            let t = filled.trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty, seen.insert(t).inserted else { return }
            out.append(Example(file: file, line: line, text: t, subject: subject))
        }
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            let n = index + 1
            let bolds = line.matches(of: bold)
            for m in bolds { if let s = m.output[1].substring { add(s, n) } }
            for m in line.matches(of: quotedJa) { if let s = m.output[1].substring { add(s, n) } }
            for m in line.matches(of: quotedEn) { if let s = m.output[1].substring { add(s, n) } }
            // An indented (code) line, and a bullet without bold: the words before its explanation.
            guard markdown else { continue }
            if line.hasPrefix("    ") || line.hasPrefix("\t") {
                add(Substring(line.trimmingCharacters(in: .whitespaces)), n)
            } else if bolds.isEmpty, let rest = ["- ", "* ", "・"].lazy.compactMap({ line.hasPrefix($0) ? line.dropFirst($0.count) : nil }).first {
                let head = rest.split(whereSeparator: { "：:".contains($0) }).first ?? rest
                let words = head.components(separatedBy: " — ").first ?? String(head)
                add(Substring(words), n)
            }
        }
        return out
    }
}
