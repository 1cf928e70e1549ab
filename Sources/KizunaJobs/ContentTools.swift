import Foundation
import KizunaContent
import KizunaCore
import KizunaMIME
import KizunaStore

/// `kizuna content calendar` and `preview`: what a family would receive, and when.
public struct ContentTools {
    let instance: Instance
    public init(instance: Instance) { self.instance = instance }

    public struct CalendarEntry: Sendable {
        public var date: CivilDate
        public var messageKey: String
        public var language: String
        public var subject: String
    }

    /// What `kizuna content lint` found, and its summary line.
    public struct LintReport: Sendable {
        public var findings: [LintFinding]
        public var line: String
        public var errors: Int
        /// How much of what reaches families is reviewed, by kind and by field.
        public var coverage: ReviewCoverage
        /// Who approved each file by signing it (`signed: PATH approved by NAME (FIELD), …`), then
        /// how many files are; empty when no file is signed and signatures are not required.
        public var signatures: [String] = []
        /// 65 when there are errors.
        public var exitStatus: Int32 { errors > 0 ? ExitStatus.dataError : ExitStatus.ok }
    }

    /// Loads every template and reports problems; sample or unreviewed content (the
    /// configuration's support contacts included) is an error with `production` or `production = true`.
    public func lint(production: Bool) throws -> LintReport {
        let catalog = try instance.catalogAsWritten()
        let config = instance.configuration
        let judged = production || config.production
        let texts = ReviewGate.texts(catalog: catalog, configuration: config)
        var findings = catalog.lint(production: judged) + ContentCatalog.reviewFindings(ReviewGate.supportContactTexts(config), production: judged)
        let required = config.openpgp.requireSignedReviews
        var signatures: [String] = []
        if required || ReviewSignatures.anySigned(texts, templatesPath: config.templatesPath) {
            // Unsigned files are errors only where production would refuse them.
            let checks = try instance.reviewSignatureChecks(texts)
            findings += ReviewSignatures.findings(texts, checks: checks, severity: required && judged ? .error : .warning)
            signatures = ReviewSignatures.approvalLines(texts, checks: checks, timeZone: instance.timeZone)
            let files = Set(texts.map(\.path))
            let approved = Set(texts.filter { checks[$0.path]?.problem(for: $0) == nil }.map(\.path))
            signatures.append("signed reviews: \(approved.count) of \(files.count) files approved by a reviewer key's signature"
                              + (required ? "" : " (not required: openpgp.require_signed_reviews = false)"))
        }
        let errors = findings.filter { $0.severity == .error }.count
        let count = catalog.languages.reduce(0) { $0 + catalog.messages(language: $1).count }
        // An overlay's messages are its edition's own (replacing, translating or adding): counted apart.
        let overlays = catalog.overlayEditionIDs.compactMap { id -> String? in
            let n = catalog.overlayMessageCount(editionID: id)
            return n == 0 ? nil : "\(id) \(n)"
        }
        let own = overlays.isEmpty ? "" : " (and editions' own: \(overlays.joined(separator: ", ")))"
        let line = "content lint: \(count) messages in \(catalog.languages.joined(separator: ", "))\(own); \(errors) errors, \(findings.count - errors) warnings"
        return LintReport(findings: findings, line: line, errors: errors, coverage: ReviewCoverage(texts), signatures: signatures)
    }

    /// Every message a subscription of `editionID` (default: the first edition) would receive,
    /// from its first stage (or `from`) on: the edition's own stages and texts included.
    public func calendar(track: Track, anchor: CivilDate, language: String?, from: CivilDate? = nil,
                         editionID: String? = nil) throws -> [CalendarEntry] {
        let edition = try instance.namedEdition(editionID)
        let catalog = try instance.catalogAsWritten().view(editionID: edition.id)
        let stages = catalog.stages(track: track)
        guard let first = stages.map({ $0.date(anchor: anchor) }).min(), let last = stages.map({ $0.date(anchor: anchor) }).max() else { return [] }
        let schedule = Schedule(stages: stages, catchUpDays: 0)
        let lang = language ?? edition.defaultLanguage
        return schedule.messages(track: track, anchor: anchor, from: max(first, from ?? first), to: last).compactMap { m in
            guard let msg = catalog.message(stage: m.stage, language: lang) ?? catalog.languages.lazy.compactMap({ catalog.message(stage: m.stage, language: $0) }).first
            else { return nil }
            return CalendarEntry(date: m.date, messageKey: m.messageKey, language: msg.language, subject: msg.subject)
        }
    }

    /// The .eml one message renders to, for a sample subscriber of `editionID` (default: the
    /// first edition) in `area`, on `date` (default: today); touches no store. Exactly what such a
    /// family would get from the night: the edition's overlay, and its local information that fits
    /// the day and the area, at most `max_local_items`.
    public func preview(messageKey: String, language: String?, nickname: String?, editionID: String?, area: String?,
                        date: CivilDate? = nil) throws -> [UInt8] {
        let now = instance.clock.now()
        guard let stage = Stage(messageKey: messageKey) else {
            throw JobError("\"\(messageKey)\" is not a message key (e.g. pregnancy/d0140, child/d0100, child/m03)", exitCode: ExitStatus.usage)
        }
        let edition = try instance.namedEdition(editionID)
        let catalog = try instance.catalogAsWritten()
        let lang = language ?? edition.defaultLanguage
        guard catalog.view(editionID: edition.id).message(stage: stage, language: lang) != nil else {
            throw JobError("no message \(messageKey) in language \(lang)", exitCode: ExitStatus.dataError)
        }
        // A family's area is stored as the declared area's id; an undeclared spelling is refused like `subscribers add --area`.
        var areaID = area
        if let area, let declared = catalog.areas(editionID: edition.id) {
            guard let found = declared.area(matching: area) else {
                throw JobError("--area: \(declared.unknown(area, edition: edition.id))", exitCode: ExitStatus.dataError)
            }
            areaID = found.id
        }
        let composer = MessageComposer(catalog: catalog, tokens: AddressTokens(secret: Array("preview".utf8)), timeZone: instance.timeZone)
        let subscriber = SubscriberRecord(id: 1, address: try EmailAddress(parsing: "parent@example.org"), edition: edition.id,
                                          language: lang, area: areaID, status: .active, createdAt: now, updatedAt: now)
        let work = MessageComposer.Work(deliveryID: 1, subscriber: subscriber, edition: edition,
                                        sections: [.init(stage: stage, nickname: nickname)])
        return try composer.renderOne(work, date: date ?? instance.today(edition: edition.id, at: now), now: now).bytes
    }
}
