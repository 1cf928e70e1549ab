import Foundation
import KizunaCore

/// How far a long step has got, for a person watching (the CLI draws it on a terminal).
public protocol StepProgress {
    /// How many items the step has in all, once it knows (it may tell again as it learns more).
    func expect(_ total: Int)
    /// `count` items done so far.
    func update(_ count: Int)
    /// The step is over.
    func done()
}

/// What a step tells cron: one summary line and the exit status.
public protocol StepSummary {
    var line: String { get }
    var exitStatus: Int32 { get }
}

extension PollSummary: StepSummary {
    /// A poll that returns is done; what fails throws.
    public var exitStatus: Int32 { ExitStatus.ok }
}

extension BatchSummary: StepSummary {
    /// 70 when an email could not be planned or rendered (it stays for the next run).
    public var exitStatus: Int32 { failures > 0 ? ExitStatus.software : ExitStatus.ok }
}

extension SendSummary: StepSummary {
    /// 69 when a relay (the instance's or an edition's) could not be used at all, 75 when
    /// messages wait in the spool.
    public var exitStatus: Int32 {
        if (sent == 0 && unreachable > 0) || !failedRelays.isEmpty { return ExitStatus.unavailable }
        if deferred > 0 || remaining > 0 { return ExitStatus.tempFail }
        return ExitStatus.ok
    }

    /// Adds a later send of the same run: counts add up, what waits is what the later one left.
    mutating func add(_ later: SendSummary) {
        sent += later.sent; deferred += later.deferred; unreachable += later.unreachable; bounced += later.bounced
        recoveredAsSent += later.recoveredAsSent; requeued += later.requeued; withdrawn += later.withdrawn
        corrupt = later.corrupt; remaining = later.remaining; seconds += later.seconds
        failedRelays = Array(Set(failedRelays + later.failedRelays)).sorted()
    }
}

/// What one night did: each step's summary, and what failed without stopping the night.
public struct NightSummary: StepSummary, Sendable {
    public var date: CivilDate
    /// Nil without any mailbox (`[imap]`, `[edition.imap]`), or when the poll failed.
    public var poll: PollSummary?
    public var batch: BatchSummary
    /// Both sends of the night together.
    public var send: SendSummary
    /// Nil when the report failed.
    public var report: ReportSummary?
    /// The exit status of a poll that failed (the night went on).
    public var pollFailure: Int32?
    /// The exit status of a report that failed (the night's mail had gone out).
    public var reportFailure: Int32?

    public var line: String {
        let polled = poll.map { "\($0.applied) commands applied, \($0.replies) replies, " } ?? ""
        var reported = ""
        if let report, report.configured {
            reported = report.queued.isEmpty ? "; report already queued" : "; report queued for \(report.queued.joined(separator: ", "))"
        }
        return "nightly \(date): \(polled)\(batch.queued) queued, \(send.sent) sent, \(send.deferred) deferred, \(send.bounced) bounced, \(send.remaining) waiting\(send.failedRelaysText)\(reported)"
    }

    /// The batch's and the send's status first (what cron must retry), then a failed poll's, then a failed report's.
    public var exitStatus: Int32 {
        [batch.exitStatus, send.exitStatus, pollFailure ?? ExitStatus.ok, reportFailure ?? ExitStatus.ok].first { $0 != ExitStatus.ok } ?? ExitStatus.ok
    }
}

/// `kizuna nightly`: poll → batch → send → report → send, and what a failure of each means for
/// the night. A mailbox that cannot be read or a report that fails is told and its exit status
/// returned, but never keeps the day's messages from going out. Each step is also here on its
/// own, for `kizuna poll`, `batch`, `send` and `report`.
public final class NightJob {
    let instance: Instance
    let progress: (_ label: String) -> StepProgress
    let tell: (String) -> Void

    /// `progress` makes a step's progress display from its label (e.g. `send: messages`);
    /// `tell` gets the one-line problems that do not stop the night.
    public init(instance: Instance, progress: @escaping (_ label: String) -> StepProgress, tell: @escaping (String) -> Void) {
        self.instance = instance
        self.progress = progress
        self.tell = tell
    }

    /// The whole night for `date` (nil: today).
    public func run(date: CivilDate?) throws -> NightSummary {
        // In production, content that is not reviewed refuses the whole night before any step:
        // no reply, no daily message, no send (the poll and the batch would refuse alike).
        _ = try instance.catalog()
        // Each edition's own date (its `time_zone`), fixed once for the whole night; `--date` names one for all.
        let dates = date.map { EditionDates($0) } ?? instance.dates(at: instance.clock.now())
        let day = dates.instance
        var pollSummary: PollSummary?
        var pollFailure: Int32?
        if instance.configuration.imap == nil && !instance.configuration.editions.contains(where: { $0.imap != nil }) {
            instance.logger.notice("no [imap] table in the configuration: poll skipped")
        } else {
            // A mailbox that cannot be read must not keep the day's messages from going out.
            do { pollSummary = try poll() } catch let e as JobError where e.exitCode != ExitStatus.locked {
                tell(e.message)
                pollFailure = e.exitCode
            }
        }
        let batchSummary = try batch(dates: dates)
        var sendSummary = try send()
        // After the send, so that the report tells what it did; then one more send for the
        // report itself (cheap: one pass over the spool). Its failure is told, not fatal.
        var reportSummary: ReportSummary?
        var reportFailure: Int32?
        do {
            let report = try self.report(dates: dates, queue: true)
            if !report.configured {
                instance.logger.notice("no [report] table in the configuration: the daily report is not sent (\(report.report.attention.count) items need attention)")
            }
            reportSummary = report
        } catch {
            tell("report: \(describe(error))")
            reportFailure = exitStatus(for: error)
        }
        if let reportSummary, reportSummary.spooled > 0 { sendSummary.add(try send()) }
        return NightSummary(date: day, poll: pollSummary, batch: batchSummary, send: sendSummary, report: reportSummary,
                            pollFailure: pollFailure, reportFailure: reportFailure)
    }

    public func poll() throws -> PollSummary {
        try step("poll: messages") { display in
            let job = PollJob(instance: instance)
            job.expecting = display.expect
            return try job.run(progress: display.update)
        }
    }

    /// The batch for `date` (nil: today).
    public func batch(date: CivilDate?) throws -> BatchSummary {
        try batch(dates: date.map { EditionDates($0) } ?? instance.dates(at: instance.clock.now()))
    }

    /// The batch of each edition on its own date (`EditionDates`).
    public func batch(dates: EditionDates) throws -> BatchSummary {
        try step("batch: recipients") { display in
            let job = BatchJob(instance: instance)
            job.expecting = display.expect
            return try job.run(dates: dates, progress: display.update)
        }
    }

    public func send() throws -> SendSummary {
        try step("send: messages") { display in
            let job = SendJob(instance: instance)
            job.expecting = display.expect
            return try job.run(progress: display.update)
        }
    }

    /// The report of `date` (nil: today), queued when `queue` and a `[report]` table say so.
    public func report(date: CivilDate?, queue: Bool) throws -> ReportSummary {
        try report(dates: date.map { EditionDates($0) } ?? instance.dates(at: instance.clock.now()), queue: queue)
    }

    /// The report of `dates.instance`, each edition's part on its own date.
    public func report(dates: EditionDates, queue: Bool) throws -> ReportSummary {
        let summary = try ReportJob(instance: instance).run(dates: dates, queue: queue)
        instance.logger.info("\(summary.line)")
        return summary
    }

    /// Runs a step with its progress display, and logs its summary line.
    func step<S: StepSummary>(_ label: String, _ body: (_ display: StepProgress) throws -> S) throws -> S {
        let display = progress(label)
        defer { display.done() }
        let summary = try body(display)
        instance.logger.info("\(summary.line)")
        return summary
    }
}
