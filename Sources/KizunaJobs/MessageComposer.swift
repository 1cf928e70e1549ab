import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore

/// Turns planned daily deliveries into spool entries: content sections, layout, MIME headers
/// (Message-ID, List-Id, List-Unsubscribe with a token, VERP envelope sender).
/// Rendering runs on every core; the renderer caches what does not vary per subscriber.
final class MessageComposer: @unchecked Sendable {
    struct Section: Sendable {
        var stage: Stage
        var nickname: String?
        /// The child's birth date when the night assumed it and this is the child's first
        /// message: a note below it says so and how to correct it.
        var assumedBirth: CivilDate?
    }
    struct Work: Sendable {
        var deliveryID: Int64
        var subscriber: SubscriberRecord
        var edition: Edition
        var sections: [Section]
        /// The survey this mail carries: under the last message, or alone when there is none.
        var survey: SurveyOpening? = nil
    }
    struct Rendered: Sendable {
        var envelope: SpoolEnvelope
        var bytes: [UInt8]
        var messageID: String
        var subject: String
        var sectionCount: Int
    }
    struct Failure: Sendable { var id: Int64; var error: String }

    let catalog: ContentCatalog
    let renderer: Renderer
    let tokens: AddressTokens
    let timeZone: TimeZone
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// The composer of each edition with an overlay (`editions/<id>/`), rendering from that
    /// edition's view of the catalog; every other edition renders from the shared catalog.
    let editionComposers: [String: MessageComposer]

    init(catalog: ContentCatalog, tokens: AddressTokens, timeZone: TimeZone) {
        self.catalog = catalog
        self.renderer = Renderer(catalog: catalog)
        self.tokens = tokens
        self.timeZone = timeZone
        var composers: [String: MessageComposer] = [:]
        for id in catalog.overlayEditionIDs {
            composers[id] = MessageComposer(catalog: catalog.view(editionID: id), tokens: tokens, timeZone: timeZone)
        }
        editionComposers = composers
    }

    /// The composer whose catalog is `edition`'s view: all mail to a family renders through it.
    func composer(for edition: Edition) -> MessageComposer { editionComposers[edition.id] ?? self }

    /// The zone a family's mail is dated in: its edition's `time_zone`, else the instance's (the
    /// same instant either way; the `Date:` offset is what a local mail would show).
    func timeZone(for edition: Edition) -> TimeZone { edition.timeZone(instance: timeZone) }

    /// The catalog language for a stage: the subscriber's, else the edition's first, else any.
    func language(for stage: Stage, preferred: String, edition: Edition) -> String? {
        for lang in [preferred] + edition.languages + catalog.languages where catalog.message(stage: stage, language: lang) != nil {
            return lang
        }
        return nil
    }

    func render(_ work: [Work], date: CivilDate, now: Date) -> (rendered: [Rendered], failures: [Failure]) {
        guard !work.isEmpty else { return ([], []) }
        let chunks = min(cores, max(1, work.count / 64))
        let per = (work.count + chunks - 1) / chunks
        let collector = Collector(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var rendered: [Rendered] = [], failures: [Failure] = []
            rendered.reserveCapacity(per)
            for w in work[(c * per)..<min(work.count, (c + 1) * per)] {
                do { rendered.append(try renderOne(w, date: date, now: now)) } catch {
                    failures.append(Failure(id: w.deliveryID, error: "\(error)"))
                }
            }
            collector.put(c, rendered, failures)
        }
        return collector.joined()
    }

    func renderOne(_ w: Work, date: CivilDate, now: Date) throws -> Rendered {
        let edition = w.edition
        let own = composer(for: edition)
        guard own === self else { return try own.renderOne(w, date: date, now: now) }
        let info = EditionInfo(id: edition.id, name: edition.name)
        let recipient = w.subscriber.address
        var language = w.subscriber.language
        var prepared: [(PreparedSection, nickname: String?)] = []
        let languages = try w.sections.map { s in
            guard let lang = self.language(for: s.stage, preferred: w.subscriber.language, edition: edition) else {
                throw JobError("no catalog message for \(s.stage.messageKey) in any language")
            }
            return lang
        }
        // The local info of the whole mail, chosen for the edition's local date (the batch's day).
        let locals = catalog.localInfo(editionID: edition.id, sections: zip(w.sections, languages).map { ($0.stage, $1) },
                                       area: w.subscriber.area, date: date)
        for (i, s) in w.sections.enumerated() {
            let lang = languages[i]
            if prepared.isEmpty { language = lang }
            var section = try renderer.prepareSection(stage: s.stage, language: lang, edition: info, area: w.subscriber.area, local: locals[i])
            if let birth = s.assumedBirth {
                let date = lang == "ja" ? "\(birth.year)年\(birth.month)月\(birth.day)日" : birth.iso
                let note = try renderer.systemSection(name: "birth_assumed", language: lang, edition: info,
                                                      variables: ["birth_date": date, "nickname": s.nickname ?? ""])
                section = renderer.appending(note: note, to: section)
            }
            prepared.append((section, s.nickname))
        }
        if let survey = w.survey {
            let block = try renderer.surveySection(survey, language: w.subscriber.language, edition: info)
            if let last = prepared.indices.last {
                prepared[last].0 = renderer.appending(note: block, to: prepared[last].0)
            } else {
                prepared = [(block, nil)]
                language = w.subscriber.language
            }
        }
        let mail = renderer.compose(sections: prepared, language: language, edition: info, unsubscribeAddress: edition.address.description)
        let id = w.deliveryID
        let messageID = OwnMessageID.delivery(id, date: date, domain: edition.address.domain)
        let sender = OwnAddress.verp(deliveryID: id).address(in: edition.address, plusAddressing: edition.plusAddressing, signedWith: tokens)
        let unsubscribeAddress = OwnAddress.unsubscribe(subscriberID: w.subscriber.id!)
        let token = unsubscribeAddress.detail(signedWith: tokens)
        var unsubscribe: [String] = []
        if edition.plusAddressing {
            unsubscribe.append("mailto:\(unsubscribeAddress.localPart(in: edition.address, signedWith: tokens))@\(edition.address.domain)?subject=unsubscribe")
        } else {
            unsubscribe.append("mailto:\(edition.address.smtpPath)?subject=unsubscribe%20\(token)")
        }
        if let url = edition.unsubscribeURL { unsubscribe.append(url.replacingOccurrences(of: "{token}", with: token)) }
        let message = OutgoingMessage(
            from: Mailbox(edition.address, displayName: edition.fromName),
            to: Mailbox(recipient),
            subject: mail.subject, date: now, timeZone: timeZone(for: edition), messageID: messageID,
            listID: edition.listID, listName: edition.name,
            listUnsubscribe: unsubscribe, listUnsubscribePost: edition.unsubscribeURL != nil,
            textBody: mail.text, htmlBody: mail.html)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8192)
        MIMEWriter.render(message, into: &bytes, boundary: MIMEWriter.makeBoundary(seed: UInt64(id)))
        let envelope = SpoolEnvelope(deliveryID: id, mailFrom: sender.smtpPath, rcptTo: recipient.smtpPath,
                                     firstQueued: Int(now.timeIntervalSince1970), edition: edition.id)
        return Rendered(envelope: envelope, bytes: bytes, messageID: messageID, subject: mail.subject, sectionCount: w.sections.count)
    }

    /// Gathers the chunks' results in chunk order.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var parts: [([Rendered], [Failure])]
        init(count: Int) { parts = Array(repeating: ([], []), count: count) }
        func put(_ i: Int, _ r: [Rendered], _ f: [Failure]) { lock.lock(); parts[i] = (r, f); lock.unlock() }
        func joined() -> ([Rendered], [Failure]) { (parts.flatMap(\.0), parts.flatMap(\.1)) }
    }
}
