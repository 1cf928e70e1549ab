import Foundation
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore

/// The administrator's daily report: first what needs a person, then the night's deliveries,
/// the spool, inbound mail and subscribers, then the lists behind the attention items. Built
/// from `StatsReport`'s counts and the store's `ReportActivity`; formatting is pure.
public struct DailyReport: Sendable {
    /// The day reported on (the night's deliveries are those of this local date).
    public var date: CivilDate
    /// The period events are counted in: after the last report (or 24 hours) up to `until`.
    public var since: Date
    public var until: Date
    public var timeZone: TimeZone
    public var stats: StatsReport
    public var activity: ReportActivity
    /// Inbound messages kept in `spool/corrupt/inbound`.
    public var corruptInbound: Int
    /// The editions this report covers: nil, the whole instance (spool and all); else only what
    /// belongs to their subscribers — an edition's `report_to` gets nothing of another edition.
    public var editions: [Edition]?
    /// Each covered edition's own part, on the edition's own date, when the report covers
    /// several editions (`DailyReport+Editions.swift`).
    public var sections: [DailyReport] = []
    /// Each reader survey still open for some family of the covered editions (per edition): sent, answered.
    public var surveys: [SurveyReportLine] = []

    public init(date: CivilDate, since: Date, until: Date, timeZone: TimeZone, stats: StatsReport,
                activity: ReportActivity, corruptInbound: Int) {
        self.date = date; self.since = since; self.until = until; self.timeZone = timeZone
        self.stats = stats; self.activity = activity; self.corruptInbound = corruptInbound
    }

    /// What the administrator should look at, in the order to look at it.
    public enum Attention: Sendable, Hashable {
        case corruptOutgoing(Int)
        case corruptInbound(Int)
        case held(Int)
        case failedDeliveries(Int)
        case newlyBouncing(Int)
        case complaints(Int)
        case heldCommands(Int)
        /// Losses reported by parents: a person at the clinic may want to reach out.
        case lossesReported(Int)
        /// Administrators' mail refused (unsigned, a bad or unknown signature, …) or interrupted.
        case adminMail(Int)
    }

    public var attention: [Attention] {
        var out: [Attention] = []
        if activity.lossesTotal > 0 { out.append(.lossesReported(activity.lossesTotal)) }
        if activity.adminMailTotal > 0 { out.append(.adminMail(activity.adminMailTotal)) }
        if let n = stats.spool[.corrupt], n > 0 { out.append(.corruptOutgoing(n)) }
        if corruptInbound > 0 { out.append(.corruptInbound(corruptInbound)) }
        if let n = stats.spool[.hold], n > 0 { out.append(.held(n)) }
        if activity.failuresTotal > 0 { out.append(.failedDeliveries(activity.failuresTotal)) }
        if activity.newlyBouncingTotal > 0 { out.append(.newlyBouncing(activity.newlyBouncingTotal)) }
        if activity.complaintsTotal > 0 { out.append(.complaints(activity.complaintsTotal)) }
        if activity.heldTotal > 0 { out.append(.heldCommands(activity.heldTotal)) }
        return out
    }

    /// Daily messages of the date by what became of them: sent, deferred, failed, cancelled, waiting.
    public var dailyOutcomes: ReportOutcomes { ReportOutcomes(stats.stats.deliveriesOnDateByKind[.daily] ?? [:]) }
    /// Replies, confirmations and welcomes of the date.
    public var systemOutcomes: ReportOutcomes { ReportOutcomes(stats.stats.deliveriesOnDateByKind[.system] ?? [:]) }

    public func subject(_ words: some ReportWording = EnglishReportWording()) -> String {
        words.subject(date: date, sent: dailyOutcomes.sent, attention: attention.count)
    }

    /// The report as plain text (lines end in LF; the MIME writer makes them CRLF).
    public func text(_ words: some ReportWording = EnglishReportWording()) -> String {
        var out: [String] = [words.title(date)]
        if let editions { out.append(words.editionsLine(editions)) }
        out += [words.period(from: local(since), to: local(until), zone: timeZone.identifier), ""]

        out.append(words.attentionHeading)
        let items = attention
        if items.isEmpty { out.append("  " + words.nothingNeedsAttention) }
        for item in items { out.append("- " + words.attention(item)) }
        out.append("")

        out.append(words.deliveriesHeading(date))
        out.append("  " + words.dailyLine(dailyOutcomes))
        out.append("  " + words.skippedLine(stats.stats.skippedOnDate))
        out.append("  " + words.systemLine(systemOutcomes))
        out.append("")

        // The spool is the instance's: a report for some editions only leaves it out.
        if editions == nil {
            out.append(words.spoolHeading)
            out.append("  " + SpoolState.allCases.map { "\($0.rawValue) \(stats.spool[$0] ?? 0)" }.joined(separator: ", "))
            out.append("  " + words.corruptInboundLine(corruptInbound))
            out.append("")
        }

        out.append(words.inboundHeading)
        // Commands first, unreadable messages (no kind) last.
        let kinds = ([InboundKind?](InboundKind.allCases) + [nil]).filter { activity.inbound[$0] != nil }
        if kinds.isEmpty { out.append("  " + words.noInbound) }
        for kind in kinds {
            let statuses = activity.inbound[kind] ?? [:]
            out.append("  \((kind.map { InboundDecisionKind($0) } ?? .unreadable).rawValue): "
                + [InboundStatus.applied, .ignored, .failed].compactMap { s in statuses[s].map { words.inboundStatus(s, count: $0) } }
                .joined(separator: ", "))
        }
        out.append("  " + words.heldLine(stats.stats.eventsLastDay[.commandHeld] ?? 0))
        out.append("")

        out.append(words.subscribersHeading)
        out += subscriberLines(words)
        if !surveys.isEmpty {
            out.append("")
            out.append(words.surveysHeading)
            let editions = Set(surveys.map(\.edition))
            for line in surveys { out.append("  " + line.text + (editions.count > 1 ? " [\(line.edition)]" : "")) }
        }
        for section in sections {
            out.append("")
            out += section.sectionLines(words)
        }

        func list<T>(_ heading: String, _ rows: [T], total: Int, _ line: (T) -> String) {
            guard !rows.isEmpty else { return }
            out.append("")
            out.append(heading)
            for r in rows { out.append("  " + line(r)) }
            if total > rows.count { out.append("  " + words.andMore(total - rows.count)) }
        }
        list(words.lossesHeading, activity.losses, total: activity.lossesTotal) { words.lossRow($0) }
        list(words.adminMailHeading, activity.adminMail, total: activity.adminMailTotal) { words.adminMailRow($0, at: local($0.at)) }
        list(words.newlyBouncingHeading, activity.newlyBouncing, total: activity.newlyBouncingTotal) { words.bouncingRow($0, at: local($0.at)) }
        list(words.complaintsHeading, activity.complaints, total: activity.complaintsTotal) { words.complaintRow($0, at: local($0.at)) }
        list(words.heldHeading, activity.held, total: activity.heldTotal) { words.heldRow($0, at: local($0.at)) }
        list(words.failuresHeading, activity.failures, total: activity.failuresTotal) { words.failureRow($0) }

        out.append("")
        out.append("-- ")
        out.append(words.footer)
        return out.joined(separator: "\n") + "\n"
    }

    /// Subscriptions started and stopped in the period, and the subscribers per status now.
    func subscriberLines(_ words: some ReportWording) -> [String] {
        let events = stats.stats.eventsLastDay
        return ["  " + words.startedLine(added: events[.subscribed] ?? 0, confirmed: activity.confirmed,
                                         requested: events[.subscribeRequested] ?? 0),
                "  " + words.stoppedLine(subscribers: events[.stopped] ?? 0, subscriptions: activity.subscriptionsStopped,
                                         ended: activity.subscriptionsEnded),
                "  " + words.nowLine(SubscriberStatus.allCases.map { ($0.rawValue, stats.stats.subscribersByStatus[$0] ?? 0) })]
    }

    /// `YYYY-MM-DD HH:MM` in the report's zone.
    func local(_ date: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }
}

/// Deliveries of one kind on one date, by what became of them.
public struct ReportOutcomes: Sendable, Hashable {
    public var sent: Int
    public var deferred: Int
    /// `bounced`: refused for good, or bounced after the relay took it.
    public var failed: Int
    public var cancelled: Int
    /// `planned` or `queued`: in the spool, not yet tried.
    public var waiting: Int

    public init(_ byStatus: [DeliveryStatus: Int]) {
        sent = byStatus[.sent] ?? 0
        deferred = byStatus[.deferred] ?? 0
        failed = byStatus[.bounced] ?? 0
        cancelled = byStatus[.cancelled] ?? 0
        waiting = (byStatus[.planned] ?? 0) + (byStatus[.queued] ?? 0)
    }
}

/// The words of the daily report. English is the one there is; a Japanese report is another
/// type with these members, chosen where `DailyReport.text(_:)` is called.
public protocol ReportWording: Sendable {
    func subject(date: CivilDate, sent: Int, attention: Int) -> String
    func title(_ date: CivilDate) -> String
    func period(from: String, to: String, zone: String) -> String
    var attentionHeading: String { get }
    var nothingNeedsAttention: String { get }
    func attention(_ item: DailyReport.Attention) -> String
    func deliveriesHeading(_ date: CivilDate) -> String
    func dailyLine(_ o: ReportOutcomes) -> String
    func skippedLine(_ n: Int) -> String
    func systemLine(_ o: ReportOutcomes) -> String
    var spoolHeading: String { get }
    func corruptInboundLine(_ n: Int) -> String
    var inboundHeading: String { get }
    var noInbound: String { get }
    func inboundStatus(_ status: InboundStatus, count: Int) -> String
    func heldLine(_ n: Int) -> String
    var subscribersHeading: String { get }
    /// Above the lines of the reader surveys open on the day.
    var surveysHeading: String { get }
    func startedLine(added: Int, confirmed: Int, requested: Int) -> String
    func stoppedLine(subscribers: Int, subscriptions: Int, ended: Int) -> String
    func nowLine(_ counts: [(String, Int)]) -> String
    var newlyBouncingHeading: String { get }
    var complaintsHeading: String { get }
    var heldHeading: String { get }
    var failuresHeading: String { get }
    var lossesHeading: String { get }
    /// The address and the edition only: never a date or the parent's words.
    func lossRow(_ l: ReportedLoss) -> String
    var adminMailHeading: String { get }
    /// When, From, the reason and the key's fingerprint: never the mail's words.
    func adminMailRow(_ m: ReportedAdminMail, at: String) -> String
    func bouncingRow(_ s: ReportedSubscriber, at: String) -> String
    func complaintRow(_ s: ReportedSubscriber, at: String) -> String
    func heldRow(_ h: ReportedHold, at: String) -> String
    func failureRow(_ f: ReportedFailure) -> String
    func andMore(_ n: Int) -> String
    var footer: String { get }
    /// Under the title of a report for some editions only: which.
    func editionsLine(_ editions: [Edition]) -> String
    /// The heading of an edition's part of a report that covers several.
    func sectionHeading(_ edition: Edition, date: CivilDate) -> String
}

/// The report in English.
public struct EnglishReportWording: ReportWording {
    public init() {}

    func count(_ n: Int, _ one: String, _ many: String? = nil) -> String { "\(n) \(n == 1 ? one : (many ?? one + "s"))" }

    public func subject(date: CivilDate, sent: Int, attention: Int) -> String {
        "Kizuna report \(date): \(sent) sent, " + (attention == 0 ? "nothing needs attention" : "\(count(attention, "item")) need\(attention == 1 ? "s" : "") attention")
    }
    public func title(_ date: CivilDate) -> String { "Kizuna daily report for \(date)" }
    public func period(from: String, to: String, zone: String) -> String { "Events from \(from) to \(to) (\(zone))." }
    public var attentionHeading: String { "NEEDS ATTENTION" }
    public var nothingNeedsAttention: String { "Nothing needs attention." }

    public func attention(_ item: DailyReport.Attention) -> String {
        switch item {
        case .corruptOutgoing(let n): return "\(count(n, "file")) in spool/corrupt: outgoing messages that could not be read, kept for a person to look at"
        case .corruptInbound(let n): return "\(count(n, "inbound message")) in spool/corrupt/inbound: mail that could not be read or applied, kept for a person"
        case .held(let n): return "\(count(n, "message")) in spool/hold, held by an operator"
        case .failedDeliveries(let n): return "\(count(n, "delivery", "deliveries")) failed permanently (listed below)"
        case .newlyBouncing(let n): return "\(count(n, "subscriber")) newly bouncing: no more mail goes to \(n == 1 ? "this address" : "these addresses") (listed below; `kizuna bounces reset` once fixed)"
        case .complaints(let n): return "\(count(n, "subscriber")) stopped by a complaint (listed below)"
        case .heldCommands(let n): return "\(count(n, "command")) held because authentication failed (listed below)"
        case .lossesReported(let n): return "\(count(n, "loss", "losses")) reported by parents: their messages have stopped; a person may want to reach out (listed below)"
        case .adminMail(let n): return "\(count(n, "administrator's mail", "administrators' mails")) refused (never carried out) or interrupted (listed below)"
        }
    }

    public func deliveriesHeading(_ date: CivilDate) -> String { "DELIVERIES FOR \(date)" }
    func outcomes(_ o: ReportOutcomes) -> String {
        "\(o.sent) sent, \(o.deferred) deferred, \(o.failed) failed, \(o.cancelled) cancelled, \(o.waiting) waiting"
    }
    public func dailyLine(_ o: ReportOutcomes) -> String { "daily messages: " + outcomes(o) }
    public func skippedLine(_ n: Int) -> String { "older messages skipped by catch-up: \(n)" }
    public func systemLine(_ o: ReportOutcomes) -> String { "replies, confirmations and welcomes: " + outcomes(o) }
    public var spoolHeading: String { "SPOOL (files now)" }
    public func corruptInboundLine(_ n: Int) -> String { "inbound kept in corrupt/inbound: \(n)" }
    public var inboundHeading: String { "INBOUND MAIL" }
    public var noInbound: String { "none handled" }
    public func inboundStatus(_ status: InboundStatus, count n: Int) -> String {
        switch status {
        case .applied: return "\(n) applied"
        case .ignored: return "\(n) recorded, not acted on"
        case .failed: return "\(n) failed (kept for a person)"
        case .fetched: return "\(n) \(status)"
        }
    }
    public func heldLine(_ n: Int) -> String { "commands held (authentication failed): \(n)" }
    public var subscribersHeading: String { "SUBSCRIBERS" }
    public var surveysHeading: String { "SURVEYS OPEN" }
    public func startedLine(added: Int, confirmed: Int, requested: Int) -> String {
        "started: \(count(added, "subscription")) added, \(count(confirmed, "subscriber")) confirmed by email; \(requested) waiting for confirmation"
    }
    public func stoppedLine(subscribers: Int, subscriptions: Int, ended: Int) -> String {
        "stopped: \(count(subscribers, "subscriber")), \(count(subscriptions, "single subscription")); \(ended) ended (a birth, a loss or the end of the content)"
    }
    public func nowLine(_ counts: [(String, Int)]) -> String { "now: " + counts.map { "\($0.0) \($0.1)" }.joined(separator: ", ") }
    public var newlyBouncingHeading: String { "NEWLY BOUNCING (no more mail is sent to them)" }
    public var complaintsHeading: String { "STOPPED BY A COMPLAINT" }
    public var heldHeading: String { "COMMANDS HELD (authentication failed)" }
    public var failuresHeading: String { "FAILED DELIVERIES" }
    public var lossesHeading: String { "LOSSES REPORTED (a person at the clinic may want to reach out)" }
    public func lossRow(_ l: ReportedLoss) -> String { "\(l.address ?? "(address not kept)") (\(l.edition ?? "no edition"))" }
    public var adminMailHeading: String { "ADMINISTRATORS' MAIL REFUSED OR INTERRUPTED" }
    public func adminMailRow(_ m: ReportedAdminMail, at: String) -> String {
        let why = m.status == .refused ? (m.reason ?? "refused") : "interrupted while its commands were carried out (a crash; it is never carried out again: check and send it anew)"
        return "\(at) from \(m.sender ?? "(no From)"): \(why)" + (m.fingerprint.map { ", key \($0)" } ?? "")
    }

    public func bouncingRow(_ s: ReportedSubscriber, at: String) -> String {
        var row = "\(s.address) (\(s.edition)): score \(BounceScore.text(s.score))"
        if let r = s.reason, !r.isEmpty { row += ", last \(r)" }
        row += ", since \(at)"
        if s.status != .bouncing { row += "; now \(s.status.rawValue)" }
        return row
    }
    public func complaintRow(_ s: ReportedSubscriber, at: String) -> String {
        "\(s.address) (\(s.edition)): \(s.reason ?? "complaint"), \(at)"
    }
    public func heldRow(_ h: ReportedHold, at: String) -> String { "\(at) \(h.address ?? "(unknown sender)"): \(h.detail)" }
    public func failureRow(_ f: ReportedFailure) -> String {
        var reply = (f.reply ?? "").split(whereSeparator: \.isNewline).joined(separator: " ")
        if reply.count > 160 { reply = String(reply.prefix(157)) + "..." }
        return "\(f.kind) \(f.localDate) to \(f.recipient)\(f.smtpCode.map { ": \($0)" } ?? ":") \(reply)"
    }
    public func andMore(_ n: Int) -> String { "... and \(n) more" }
    public var footer: String { "kizuna report. More with `kizuna stats`, `kizuna bounces list` and `kizuna bounces show ADDRESS`." }
}
