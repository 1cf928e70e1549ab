import Foundation
import Ink
import KizunaCore
import Mustache

/// The edition an email goes out under: a clinic's or town's own Kizuna.
public struct EditionInfo: Sendable, Hashable {
    /// Names `templates/local/<id>.toml`.
    public let id: String
    /// Shown to parents, e.g. "さくらクリニック".
    public let name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// One finished email: subject, plain-text part and HTML part.
public struct RenderedMail: Sendable, Equatable {
    public let subject: String
    public let text: String
    public let html: String
    public let language: String
    /// True when any section is unreviewed sample text.
    public let sample: Bool
}

/// A message rendered for one (stage, language, edition, area), waiting only for the nickname.
public struct PreparedSection: Sendable {
    public let stage: Stage
    public let language: String
    public let editionID: String
    public let area: String?
    public let sample: Bool
    /// True when local info is shown under the message.
    public var hasLocal: Bool { localText != nil }
    let subject: SplicedText
    let subjectHTML: SplicedText
    let text: SplicedText
    let html: SplicedText
    let localText: SplicedText?
    let localHTML: SplicedText?
    /// Bytes of the literal parts, to size the output once.
    let size: Int
}

/// Renders catalog content into emails. Everything fixed by stage, language, edition and area
/// is rendered once and cached; per recipient only the nickname is spliced in.
/// Safe to share between threads.
public final class Renderer: @unchecked Sendable {
    public let catalog: ContentCatalog
    private let lock = NSLock()
    private var sectionCache: [SectionKey: PreparedSection] = [:]
    private var layoutCache: [LayoutKey: PreparedLayout] = [:]
    private var systemCache: [SystemKey: PreparedSection] = [:]

    public init(catalog: ContentCatalog) {
        self.catalog = catalog
    }

    struct SectionKey: Hashable {
        let stage: Stage, language: String, edition: EditionInfo, area: String?
    }
    struct LayoutKey: Hashable {
        let language: String, edition: EditionInfo, locals: [Bool], sample: Bool, hasAddress: Bool
    }
    struct SystemKey: Hashable {
        let name: String, language: String, edition: EditionInfo
    }

    /// Slots of the layout templates.
    enum LayoutSlot {
        static let mailSubject = 0, unsubscribeAddress = 1, unsubscribeMailto = 2, editionName = 3
        static let firstSection = 16
    }
    /// Slots of message templates.
    enum MessageSlot {
        static let nickname = 0, editionName = 1
    }

    private func cached<K: Hashable, V>(_ cache: ReferenceWritableKeyPath<Renderer, [K: V]>, _ key: K) -> V? {
        lock.lock(); defer { lock.unlock() }
        return self[keyPath: cache][key]
    }

    private func store<K: Hashable, V>(_ cache: ReferenceWritableKeyPath<Renderer, [K: V]>, _ key: K, _ value: V) {
        lock.lock(); defer { lock.unlock() }
        self[keyPath: cache][key] = value
    }

    // MARK: sections

    /// Renders the message for `stage` in `language` with the edition's name and the local info for
    /// `area` (nil: only the edition-wide entries), leaving the nickname open. Cached.
    public func prepareSection(stage: Stage, language: String, edition: EditionInfo, area: String?) throws(RenderError) -> PreparedSection {
        let key = SectionKey(stage: stage, language: language, edition: edition, area: area)
        if let hit = cached(\.sectionCache, key) { return hit }
        guard let message = catalog.message(stage: stage, language: language) else {
            throw RenderError(.noMessage, "no message for \(stage.messageKey) in \(language)")
        }
        guard let forms = LanguageForms(code: language) else {
            throw RenderError(.noLanguage, "no language forms for \(language)")
        }
        var context: [String: Any] = StageVariables.values(for: stage, forms: forms)
        context["nickname"] = Splice.marker(MessageSlot.nickname)
        context["edition_name"] = Splice.marker(MessageSlot.editionName)

        let subjectMarked = message.subjectTemplate.render(context)
        let markdown = message.bodyTemplate.render(context)
        let (text, html) = Self.markdownParts(markdown, forms: forms, edition: edition)

        // Entries name area ids; a subscriber stored before the edition declared its areas may hold another spelling.
        let areaID = area.flatMap { catalog.areas(editionID: edition.id)?.area(matching: $0)?.id } ?? area
        let local = catalog.localInfo(editionID: edition.id).filter { $0.applies(stage: stage, language: language, area: areaID) }
        var localText: SplicedText? = nil
        var localHTML: SplicedText? = nil
        if !local.isEmpty {
            let localMarkdown = local.map { $0.template.render(context) }.joined(separator: "\n\n")
            (localText, localHTML) = Self.markdownParts(localMarkdown, forms: forms, edition: edition)
        }
        let subject = SplicedText(marked: subjectMarked).filling(MessageSlot.editionName, with: Splice.singleLine(edition.name, limit: 200))
        let subjectHTML = SplicedText(marked: Splice.html(subjectMarked)).filling(MessageSlot.editionName, with: Splice.html(edition.name))
        let size = [subject, subjectHTML, text, html, localText, localHTML].reduce(0) { $0 + ($1?.utf8Count ?? 0) }
        let prepared = PreparedSection(stage: stage, language: language, editionID: edition.id, area: area, sample: message.sample,
                                       subject: subject, subjectHTML: subjectHTML, text: text, html: html,
                                       localText: localText, localHTML: localHTML, size: size)
        store(\.sectionCache, key, prepared)
        return prepared
    }

    /// Markdown to plain text and to HTML, with the edition name filled in.
    static func markdownParts(_ markdown: String, forms: LanguageForms, edition: EditionInfo) -> (SplicedText, SplicedText) {
        let text = SplicedText(marked: PlainText(forms: forms).render(markdown))
            .filling(MessageSlot.editionName, with: Splice.singleLine(edition.name, limit: 200))
        let html = SplicedText(marked: MarkdownParser().html(from: markdown).trimmingCharacters(in: .whitespacesAndNewlines))
            .filling(MessageSlot.editionName, with: Splice.html(edition.name))
        return (text, html)
    }

    // MARK: layouts

    struct PreparedLayout {
        let text: SplicedText
        let html: SplicedText
        let size: Int
    }

    private func layout(language: String, edition: EditionInfo, locals: [Bool], sample: Bool, hasAddress: Bool) -> PreparedLayout {
        let key = LayoutKey(language: language, edition: edition, locals: locals, sample: sample, hasAddress: hasAddress)
        if let hit = cached(\.layoutCache, key) { return hit }
        let layout = catalog.layouts[language] ?? catalog.layouts.values.first!
        var sections: [[String: Any]] = []
        for (i, hasLocal) in locals.enumerated() {
            let base = LayoutSlot.firstSection + 3 * i
            var section: [String: Any] = ["subject": Splice.marker(base), "body": Splice.marker(base + 1)]
            if hasLocal { section["local"] = Splice.marker(base + 2) }
            sections.append(section)
        }
        var context: [String: Any] = [
            "sections": sections,
            "mail_subject": Splice.marker(LayoutSlot.mailSubject),
            "edition_name": Splice.marker(LayoutSlot.editionName),
            "sample_notice": sample,
        ]
        if hasAddress {
            context["unsubscribe_address"] = Splice.marker(LayoutSlot.unsubscribeAddress)
            context["unsubscribe_mailto"] = Splice.marker(LayoutSlot.unsubscribeMailto)
        }
        let text = SplicedText(marked: layout.text.render(context))
            .filling(LayoutSlot.editionName, with: Splice.singleLine(edition.name, limit: 200))
        let html = SplicedText(marked: layout.html.render(context))
            .filling(LayoutSlot.editionName, with: Splice.html(edition.name))
        let prepared = PreparedLayout(text: text, html: html, size: text.utf8Count + html.utf8Count)
        store(\.layoutCache, key, prepared)
        return prepared
    }

    // MARK: composing

    /// One email for one recipient: the sections in order (a family with two children gets both),
    /// each with that child's nickname (nil: the language's default), wrapped in the layout.
    /// `unsubscribeAddress` is where a reply "stop" works; empty leaves the stop footer out.
    public func compose(sections: [(PreparedSection, nickname: String?)], language: String, edition: EditionInfo,
                        unsubscribeAddress: String) -> RenderedMail {
        precondition(!sections.isEmpty, "an email needs at least one section")
        let forms = LanguageForms(code: language) ?? LanguageForms(code: sections[0].0.language) ?? .english
        var sample = false
        var locals: [Bool] = []
        locals.reserveCapacity(sections.count)
        var textNicknames: [String] = []
        var htmlNicknames: [String] = []
        var size = 0
        for (section, nickname) in sections {
            sample = sample || section.sample
            locals.append(section.hasLocal)
            let clean = nickname.map { Splice.singleLine($0, limit: Splice.nicknameLimit) } ?? ""
            let text = clean.isEmpty ? forms.defaultNickname : clean
            textNicknames.append(text)
            htmlNicknames.append(Splice.html(text))
            size += section.size
        }
        let address = Splice.singleLine(unsubscribeAddress, limit: 320)
        let layout = self.layout(language: language, edition: edition, locals: locals, sample: sample, hasAddress: !address.isEmpty)

        var subject = ""
        sections[0].0.subject.append(to: &subject, filling: textNicknames[0])
        if sections.count > 1 { subject += forms.moreSections(sections.count - 1) }
        let mailto = Splice.mailto(address, subject: "stop")

        let capacity = layout.size + size + 256
        let text = Self.fill(layout.text, html: false, capacity: capacity, subject: subject, address: address, mailto: mailto,
                             sections: sections, nicknames: textNicknames)
        let html = Self.fill(layout.html, html: true, capacity: capacity, subject: subject, address: address, mailto: mailto,
                             sections: sections, nicknames: htmlNicknames)
        return RenderedMail(subject: subject, text: text, html: html, language: language, sample: sample)
    }

    /// One form of the email (the text, or the HTML with every value escaped): the layout's
    /// literal parts with the mail's values and each section's pieces, given that section's
    /// nickname (already escaped for HTML), spliced into its slots.
    private static func fill(_ form: SplicedText, html: Bool, capacity: Int, subject: String, address: String, mailto: String,
                             sections: [(PreparedSection, nickname: String?)], nicknames: [String]) -> String {
        var out = ""
        out.reserveCapacity(capacity)
        out += form.parts[0]
        for (k, slot) in form.slots.enumerated() {
            switch slot {
            case LayoutSlot.mailSubject: out += html ? Splice.html(subject) : subject
            case LayoutSlot.unsubscribeAddress: out += html ? Splice.html(address) : address
            case LayoutSlot.unsubscribeMailto: out += html ? Splice.html(mailto) : mailto
            case LayoutSlot.firstSection...:
                let i = (slot - LayoutSlot.firstSection) / 3
                let section = sections[i].0
                switch (slot - LayoutSlot.firstSection) % 3 {
                case 0: (html ? section.subjectHTML : section.subject).append(to: &out, filling: nicknames[i])
                case 1: (html ? section.html : section.text).append(to: &out, filling: nicknames[i])
                default: (html ? section.localHTML : section.localText)?.append(to: &out, filling: nicknames[i])
                }
            default: break
            }
            out += form.parts[k + 1]
        }
        return out
    }

    // MARK: system messages

    /// Renders a system message (welcome, confirm, help, status, stopped, paused, resumed, loss,
    /// date_error) in its layout. Values are subscriber or operator text and are always escaped.
    /// Throws when the message does not exist in `language` or a variable it uses is not given.
    /// `unsubscribeAddress`, when given, adds the how-to-stop footer (not wanted after a stop).
    public func renderSystem(name: String, language: String, edition: EditionInfo, variables: [String: String],
                             unsubscribeAddress: String? = nil) throws(RenderError) -> RenderedMail {
        let literal = try systemSection(name: name, language: language, edition: edition, variables: variables)
        return compose(sections: [(literal, nickname: nil)], language: language, edition: edition, unsubscribeAddress: unsubscribeAddress ?? "")
    }

    /// A system message rendered as one section, to stand in a layout of its own or beside a
    /// daily message (the note on a first child message whose birth date was assumed).
    public func systemSection(name: String, language: String, edition: EditionInfo,
                              variables: [String: String]) throws(RenderError) -> PreparedSection {
        guard let message = catalog.systemMessage(name: name, language: language) else {
            throw RenderError(.noSystemMessage, "no system message \(name) in \(language)")
        }
        guard let forms = LanguageForms(code: language) else {
            throw RenderError(.noLanguage, "no language forms for \(language)")
        }
        if let missing = message.variables.sorted().first(where: { variables[$0] == nil }) {
            throw RenderError(.missingVariable, "system message \(name) (\(message.path)) needs the variable \(missing)")
        }
        let key = SystemKey(name: name, language: language, edition: edition)
        let prepared: PreparedSection
        if let hit = cached(\.systemCache, key) {
            prepared = hit
        } else {
            prepared = prepareSystem(message, forms: forms, edition: edition)
            store(\.systemCache, key, prepared)
        }
        var subjectValues: [Int: String] = [:], textValues: [Int: String] = [:], htmlValues: [Int: String] = [:]
        for (slot, name) in SystemVariables.ordered.enumerated() {
            var value = variables[name] ?? ""
            if name == "nickname" {
                value = Splice.singleLine(value, limit: Splice.nicknameLimit)
                if value.isEmpty { value = forms.defaultNickname }
            }
            let line = Splice.singleLine(value, limit: Splice.valueLimit)
            let lines = Splice.multiLine(value, limit: Splice.valueLimit)
            subjectValues[slot] = line
            textValues[slot] = lines
            htmlValues[slot] = Splice.htmlLines(lines)
        }
        var subject = "", subjectHTML = "", text = "", html = ""
        prepared.subject.append(to: &subject, values: subjectValues)
        prepared.subjectHTML.append(to: &subjectHTML, values: htmlValues.mapValues { $0.replacingOccurrences(of: "<br>\n", with: " ") })
        prepared.text.append(to: &text, values: textValues)
        prepared.html.append(to: &html, values: htmlValues)
        // A variable left empty on a line of its own (the loss reply's resume choices when a
        // loss ended one subscription) leaves no empty paragraph behind.
        while text.contains("\n\n\n") { text = text.replacingOccurrences(of: "\n\n\n", with: "\n\n") }
        html = html.replacingOccurrences(of: "<p></p>", with: "")
        return PreparedSection(
            stage: prepared.stage, language: language, editionID: edition.id, area: nil, sample: message.sample,
            subject: SplicedText(parts: [subject], slots: []), subjectHTML: SplicedText(parts: [subjectHTML], slots: []),
            text: SplicedText(parts: [text], slots: []), html: SplicedText(parts: [html], slots: []),
            localText: nil, localHTML: nil, size: subject.utf8.count * 2 + text.utf8.count + html.utf8.count)
    }

    /// `section` with a note (a system section) below its body, under the note's subject: one
    /// section still, so the email's subject and section count stay the daily message's.
    public func appending(note: PreparedSection, to section: PreparedSection) -> PreparedSection {
        func joined(_ a: SplicedText, _ separator: String, _ b: SplicedText) -> SplicedText {
            SplicedText(parts: a.parts.dropLast() + [a.parts.last! + separator + b.parts[0]] + b.parts.dropFirst(), slots: a.slots + b.slots)
        }
        let noteSubject = note.subject.parts.joined(), noteSubjectHTML = note.subjectHTML.parts.joined()
        return PreparedSection(
            stage: section.stage, language: section.language, editionID: section.editionID, area: section.area,
            sample: section.sample || note.sample, subject: section.subject, subjectHTML: section.subjectHTML,
            text: joined(section.text, "\n\n" + noteSubject + "\n\n", note.text),
            html: joined(section.html, "\n<h3>" + noteSubjectHTML + "</h3>\n", note.html),
            localText: section.localText, localHTML: section.localHTML, size: section.size + note.size)
    }

    private func prepareSystem(_ message: SystemMessage, forms: LanguageForms, edition: EditionInfo) -> PreparedSection {
        var context: [String: Any] = [:]
        for (slot, name) in SystemVariables.ordered.enumerated() { context[name] = Splice.marker(slot) }
        let editionSlot = SystemVariables.ordered.firstIndex(of: "edition_name")!
        let subjectMarked = message.subjectTemplate.render(context)
        let markdown = message.bodyTemplate.render(context)
        let text = SplicedText(marked: PlainText(forms: forms).render(markdown))
            .filling(editionSlot, with: Splice.singleLine(edition.name, limit: 200))
        let html = SplicedText(marked: MarkdownParser().html(from: markdown).trimmingCharacters(in: .whitespacesAndNewlines))
            .filling(editionSlot, with: Splice.html(edition.name))
        let subject = SplicedText(marked: subjectMarked).filling(editionSlot, with: Splice.singleLine(edition.name, limit: 200))
        let subjectHTML = SplicedText(marked: Splice.html(subjectMarked)).filling(editionSlot, with: Splice.html(edition.name))
        return PreparedSection(stage: .childDay(0), language: message.language, editionID: edition.id, area: nil, sample: message.sample,
                               subject: subject, subjectHTML: subjectHTML, text: text, html: html,
                               localText: nil, localHTML: nil, size: 0)
    }
}
