import Foundation
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore
import Logging

/// What one `kizuna report` did.
public struct ReportSummary: Sendable {
    public var report: DailyReport
    public var subject: String
    public var text: String
    /// Recipients the day's report was queued for by this run.
    public var queued: [String] = []
    /// Recipients who already had the day's report: nothing more was queued for them.
    public var alreadyQueued: [String] = []
    /// What each recipient queued by this run got (`[report] encrypt`): encrypted, signed, a notice, or plain.
    public var forms: [String: ReportForm] = [:]
    /// The report's text each recipient queued by this run got (before sealing): the whole
    /// report, or for an edition's `report_to` that edition's alone.
    public var texts: [String: String] = [:]
    /// Report mails written into the spool by this run (the day's, or one an interrupted run
    /// left in the store): when above zero, a send delivers them.
    public var spooled = 0
    /// False when there is no `[report]` table (or `--print`): the report was only built.
    public var configured: Bool

    public var line: String {
        let attention = report.attention.count
        let note = attention == 0 ? "nothing needs attention" : "\(attention) item\(attention == 1 ? "" : "s") need\(attention == 1 ? "s" : "") attention"
        guard configured else { return "report \(report.date): not queued (no [report] table); \(note)" }
        if !queued.isEmpty { return "report \(report.date): queued for \(queued.joined(separator: ", ")); \(note)" }
        return "report \(report.date): already queued for \(alreadyQueued.joined(separator: ", ")); nothing more queued"
    }
}

/// `kizuna report`: the administrator's daily report, queued once per day and recipient.
///
/// The report's delivery and its rendered message are committed in ONE transaction (the
/// deliveries ledger, kind `report`, unique per recipient and day; the bytes in `system_mail`),
/// then written to the spool, then marked `queued` — the same path as the poller's replies. A
/// crash before the commit leaves nothing (the next run makes the report); after it, the next
/// `report` (or `poll`) spools the stored message; a file already in the spool is not written
/// again. `kizuna send` delivers it like any other message.
public final class ReportJob {
    let instance: Instance
    /// How long to wait for a poll or batch that holds the instance's lock.
    let lockWait: TimeInterval
    var logger: Logger { instance.logger }
    /// Called between the commit and the spool; tests simulate a crash there.
    var beforeSpooling: () throws -> Void = {}

    public init(instance: Instance, lockWait: TimeInterval = 120) {
        self.instance = instance
        self.lockWait = lockWait
    }

    /// The report of `date` as it stands now (reads only). Its period starts at the last
    /// report before `date` (else 24 hours earlier) and ends now or at the end of `date`,
    /// whichever comes first.
    public func make(date: CivilDate) throws -> DailyReport { try make(date: date, now: instance.clock.now()) }

    func make(date: CivilDate, now: Date) throws -> DailyReport { try make(dates: EditionDates(date), editions: nil, now: now) }

    /// The report of `dates.instance` for every edition (`editions` nil) or for `editions` only;
    /// an edition's part counts its deliveries of its own date. One edition's report is on the
    /// edition's date and in its zone, and its period ends with the edition's day.
    public func make(dates: EditionDates, editions: [Edition]?, now: Date) throws -> DailyReport {
        let store = try instance.store()
        // In `nightly` the batch and the send filled the page caches; the report's reads (another
        // pool connection) would otherwise add a cache of their own to the night's peak memory.
        store.releaseMemory()
        let date = dates.instance
        let until = periodEnd(dates: dates, editions: editions, now: now)
        var since = try store.lastReportMoment(before: date) ?? until.addingTimeInterval(-86_400)
        if since >= until { since = until.addingTimeInterval(-86_400) }
        return try make(dates: dates, editions: editions, since: since, until: until)
    }

    func make(dates: EditionDates, editions: [Edition]?, since: Date, until: Date) throws -> DailyReport {
        let store = try instance.store()
        if let editions, editions.count == 1, let edition = editions.first {
            let date = dates.date(edition: edition.id)
            let stats = try StatsReport.make(instance: instance, edition: edition.id, date: date, now: until, since: since)
            var report = DailyReport(date: date, since: since, until: until, timeZone: timeZone(of: editions), stats: stats,
                                     activity: try store.reportActivity(since: since, until: until, editions: [edition.id]), corruptInbound: 0)
            report.editions = editions
            report.surveys = try openSurveyLines(dates: dates, editions: [edition.id])
            return report
        }
        let ids = editions?.map(\.id)
        let stats = ids == nil
            ? try StatsReport.make(instance: instance, dates: EditionDates(dates.instance), now: until, since: since, breakdown: false)
            : StatsReport(stats: try store.stats(on: dates.instance, now: until, since: since, editions: ids), spool: [:],
                          bounces: try store.bounceSummary(now: until, editions: ids))
        let spool = try instance.spool()
        var report = DailyReport(date: dates.instance, since: since, until: until, timeZone: instance.timeZone, stats: stats,
                                 activity: try store.reportActivity(since: since, until: until, editions: ids),
                                 corruptInbound: ids == nil ? try InboundSpool(root: spool.root).corruptCount() : 0)
        report.editions = editions
        report.surveys = try openSurveyLines(dates: dates, editions: ids)
        // A part per edition where there are several (an instance with one keeps the report it always had).
        let covered = editions ?? instance.configuration.editions
        if covered.count > 1 {
            report.sections = try covered.map { try make(dates: dates, editions: [$0], since: since, until: until) }
        }
        return report
    }

    /// The surveys open for some family of `editions` (nil: every edition), each edition's on its
    /// own date (`time_zone`) like the rest of its part; an edition the configuration no longer
    /// names is on the instance's. Ordered by survey, then edition.
    func openSurveyLines(dates: EditionDates, editions ids: [String]?) throws -> [SurveyReportLine] {
        let store = try instance.store()
        return try dates.groups.map(\.date).flatMap { day in
            try store.openSurveyLines(on: day).filter { dates.date(edition: $0.edition) == day && (ids?.contains($0.edition) ?? true) }
        }.sorted { ($0.surveyID, $0.edition) < ($1.surveyID, $1.edition) }
    }

    /// Who gets the report and what of it: `[report] to` gets every edition (nil), an edition's
    /// `report_to` that edition only (several editions when it is named by several), in the
    /// order they are written.
    func recipients(_ config: ReportConfiguration) -> [(address: EmailAddress, editions: [Edition]?)] {
        var out: [(address: EmailAddress, editions: [Edition]?)] = config.to.map { ($0, nil) }
        for edition in instance.configuration.editions {
            for address in edition.reportTo {
                if let i = out.firstIndex(where: { $0.address.matchKey == address.matchKey }) {
                    if out[i].editions != nil { out[i].editions!.append(edition) }
                } else {
                    out.append((address, [edition]))
                }
            }
        }
        return out
    }

    /// The edition whose relay carries the report to `recipient` (an SMTP path): the one edition
    /// whose part alone it gets, so it leaves as that edition's families' mail does; nil (the
    /// instance's relay) for `[report] to` and for a recipient of several editions' parts. Read
    /// from the configuration when the report is spooled: the store keeps no edition for a report.
    func relayEdition(recipient: String) -> String? {
        guard let config = instance.configuration.report,
              let editions = recipients(config).first(where: { $0.address.smtpPath == recipient })?.editions,
              editions.count == 1 else { return nil }
        return editions[0].id
    }

    /// `mail` (system mail waiting for the spool) with each daily report's relay edition set.
    func routingReports(_ mail: [PendingSystemMail]) -> [PendingSystemMail] {
        mail.map { m in
            guard m.edition == nil, OwnMessageID.isReport(m.content.messageID) else { return m }
            var routed = m
            routed.edition = relayEdition(recipient: m.recipient)
            return routed
        }
    }

    /// Builds the report and, when `queue` and a `[report]` table say so, queues it for each
    /// recipient who does not have the day's report yet.
    public func run(date: CivilDate, queue: Bool = true) throws -> ReportSummary {
        try run(dates: EditionDates(date), queue: queue)
    }

    /// The report of `dates.instance` (each edition's part on its own date), queued for each
    /// recipient without the day's report: `[report] to` gets it whole, an edition's `report_to`
    /// only what is the edition's. One report per recipient and day (its delivery's local date is
    /// the instance's), sealed per recipient.
    public func run(dates: EditionDates, queue: Bool = true) throws -> ReportSummary {
        let now = instance.clock.now()
        let report = try make(dates: dates, editions: nil, now: now)
        var summary = ReportSummary(report: report, subject: report.subject(), text: report.text(), configured: false)
        guard queue, let config = instance.configuration.report else { return summary }
        summary.configured = true
        let date = dates.instance

        let who = recipients(config)
        var parts: [String: (subject: String, text: String)] = [:]
        for (address, editions) in who {
            guard let editions else { parts[address.smtpPath] = (summary.subject, summary.text); continue }
            // One edition's part alone ends with that edition's day; several editions' with the instance's.
            let until = periodEnd(dates: dates, editions: editions, now: now)
            let part = try make(dates: dates, editions: editions, since: report.since < until ? report.since : until.addingTimeInterval(-86_400),
                                until: until)
            parts[address.smtpPath] = (part.subject(), part.text())
        }

        let spool = try instance.spool()
        // The lock the poller and the batch take: only one of them spools stored system mail at a time.
        let lock = try InstanceLock.forInstance(spool: spool, purpose: "poll, batch or report", wait: lockWait)
        defer { lock.close() }
        let store = try instance.store()
        // A report to one edition's `report_to` alone comes from that edition's address (through its
        // relay, as its families' mail): never another tenant's, the first edition's default.
        let instanceFrom = config.from ?? instance.configuration.editions[0].address
        func from(_ recipient: String) -> EmailAddress {
            relayEdition(recipient: recipient).flatMap { instance.edition(id: $0)?.address } ?? instanceFrom
        }
        let paths = who.map(\.address.smtpPath)
        let addresses = Dictionary(who.map { ($0.address.smtpPath, $0.address) }, uniquingKeysWith: { a, _ in a })
        let sealer = try sealer(config.encrypt)
        let forms = try forms(config.encrypt, recipients: who.map(\.address), sealer: sealer)
        let zones = Dictionary(who.map { ($0.address.smtpPath, timeZone(of: $0.editions)) }, uniquingKeysWith: { a, _ in a })
        let planned = try store.planReport(on: date, recipients: paths, at: now) { id, recipient in
            try render(deliveryID: id, to: addresses[recipient]!, from: from(recipient), date: date, part: parts[recipient]!, form: forms[recipient]!,
                       sealer: sealer, now: now, timeZone: zones[recipient]!)
        }
        for mail in planned {
            summary.forms[mail.recipient] = forms[mail.recipient]
            summary.texts[mail.recipient] = parts[mail.recipient]!.text
            // What went to whom and how sealed, never the content.
            logger.notice("report queued", metadata: ["report.recipient": "\(mail.recipient)", "report.form": "\(forms[mail.recipient]!.logName)",
                                                      "delivery.id": "\(mail.deliveryID)"])
        }
        summary.queued = planned.map(\.recipient)
        summary.alreadyQueued = paths.filter { !summary.queued.contains($0) }
        try beforeSpooling()
        let pending = routingReports(try store.pendingSystemMail(purpose: "report"))
        try SystemMailQueue.queue(pending, spool: spool, ledger: store, now: now)
        summary.spooled = pending.count
        if pending.count > planned.count {
            logger.notice("queued report mail left by an interrupted run", metadata: ["count": "\(pending.count - planned.count)"])
        }
        return summary
    }

    /// The zone a report for `editions` is written and dated in: one edition's own (its
    /// `report_to` reads it as a local mail), else the instance's.
    func timeZone(of editions: [Edition]?) -> TimeZone {
        guard let editions, editions.count == 1 else { return instance.timeZone }
        return instance.timeZone(edition: editions[0].id)
    }

    /// When a report of `dates` ends: `now`, or the end of its day when that came first. For one
    /// edition alone (its `report_to`) the day is the edition's own date, ended at its zone's
    /// midnight; for every edition or several, the instance's.
    func periodEnd(dates: EditionDates, editions: [Edition]?, now: Date) -> Date {
        guard let editions, editions.count == 1 else { return min(now, startOfDay(dates.instance.adding(days: 1), in: instance.timeZone)) }
        let id = editions[0].id
        return min(now, startOfDay(dates.date(edition: id).adding(days: 1), in: instance.timeZone(edition: id)))
    }

    /// Midnight at the start of `date` in `zone`.
    func startOfDay(_ date: CivilDate, in zone: TimeZone) -> Date {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        return cal.date(from: DateComponents(year: date.year, month: date.month, day: date.day))!
    }
}
