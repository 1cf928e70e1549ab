import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs

extension Kizuna {
    struct Nightly: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The night's run: poll, batch, send, then the daily report.",
            discussion: """
            The poll step reads the [imap] mailbox first (skipped, with a notice, when there is \
            no [imap] table). The report comes after the send, so that it tells what the send did, \
            and a second send delivers it (without a [report] table it is only logged). Safe to \
            re-run at any time: a message is planned once per subscription and day, the report once \
            per recipient and day, and each is sent once. A poll or report that fails is reported \
            and its exit status returned, but does not keep the day's messages from going out. Exits \
            69 when the SMTP server could not be reached at all, 75 when messages remain deferred in \
            the spool (both: they stay queued; run again later).
            """)
        @OptionGroup var options: InstanceOptions
        @OptionGroup var night: NightOptions

        func run() throws {
            try guarded {
                let instance = try options.instance()
                let day = try night.day(instance)
                var polled = ""
                var pollFailure: Int32?
                if instance.configuration.imap == nil {
                    instance.logger.notice("no [imap] table in the configuration: poll skipped")
                } else {
                    // A mailbox that cannot be read must not keep the day's messages from going out.
                    do {
                        let poll = try runPoll(instance)
                        polled = "\(poll.applied) commands applied, \(poll.replies) replies, "
                    } catch let e as JobError where e.exitCode != ExitStatus.locked {
                        printError(e.message)
                        pollFailure = e.exitCode
                    }
                }
                let batch = try runBatch(instance, day)
                var send = try runSend(instance)
                // After the send, so that the report tells what it did; then one more send for the
                // report itself (cheap: one pass over the spool). Its failure is told, not fatal.
                var reported = ""
                var reportFailure: Int32?
                var reportSpooled = false
                do {
                    let report = try runReport(instance, day)
                    if !report.configured {
                        instance.logger.notice("no [report] table in the configuration: the daily report is not sent (\(report.report.attention.count) items need attention)")
                    } else {
                        reported = report.queued.isEmpty ? "; report already queued" : "; report queued for \(report.queued.joined(separator: ", "))"
                    }
                    reportSpooled = report.spooled > 0
                } catch {
                    printError("report: \(KizunaJobs.describe(error))")
                    reportFailure = KizunaJobs.exitStatus(for: error)
                }
                if reportSpooled { send.add(try runSend(instance)) }
                if !options.quiet { print("nightly \(day): \(polled)\(batch.queued) queued, \(send.sent) sent, \(send.deferred) deferred, \(send.bounced) bounced, \(send.remaining) waiting\(reported)") }
                try exitForLeftovers(batch: batch, send: send)
                if let pollFailure { throw ExitCode(pollFailure) }
                if let reportFailure { throw ExitCode(reportFailure) }
            }
        }
    }

    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan and render the day's messages into the spool (sends nothing).")
        @OptionGroup var options: InstanceOptions
        @OptionGroup var night: NightOptions

        func run() throws {
            try guarded {
                let instance = try options.instance()
                let day = try night.day(instance)
                let summary = try runBatch(instance, day)
                if !options.quiet { print(summary.line) }
                try exitForLeftovers(batch: summary, send: nil)
            }
        }
    }

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit what is in the spool (incoming, and deferred messages that are due).",
            discussion: "Exits 75 when messages remain deferred; they are retried with backoff on the next run.")
        @OptionGroup var options: InstanceOptions

        func run() throws {
            try guarded {
                let instance = try options.instance()
                let summary = try runSend(instance)
                if !options.quiet { print(summary.line) }
                try exitForLeftovers(batch: nil, send: summary)
            }
        }
    }
}

/// The night a batch plans for.
struct NightOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Plan for this local date instead of today (YYYY-MM-DD).", valueName: "DATE"))
    var date: String?

    func day(_ instance: Instance) throws -> CivilDate {
        try date.map { try parseDate($0, option: "--date") } ?? instance.today()
    }
}

func runBatch(_ instance: Instance, _ day: CivilDate) throws -> BatchSummary {
    let progress = Progress("batch: recipients")
    defer { progress.done() }
    let summary = try BatchJob(instance: instance).run(date: day, progress: progress.update)
    instance.logger.info("\(summary.line)")
    return summary
}

func runSend(_ instance: Instance) throws -> SendSummary {
    let progress = Progress("send: messages")
    defer { progress.done() }
    let summary = try SendJob(instance: instance).run(progress: progress.update)
    instance.logger.info("\(summary.line)")
    return summary
}

extension SendSummary {
    /// Adds a later send of the same run: counts add up, what waits is what the later one left.
    mutating func add(_ later: SendSummary) {
        sent += later.sent; deferred += later.deferred; unreachable += later.unreachable; bounced += later.bounced
        recoveredAsSent += later.recoveredAsSent; requeued += later.requeued; withdrawn += later.withdrawn
        corrupt = later.corrupt; remaining = later.remaining; seconds += later.seconds
    }
}

func exitForLeftovers(batch: BatchSummary?, send: SendSummary?) throws {
    if let batch, batch.failures > 0 { throw ExitCode(ExitStatus.software) }
    if let send, send.sent == 0, send.unreachable > 0 { throw ExitCode(ExitStatus.unavailable) }
    if let send, send.deferred > 0 || send.remaining > 0 { throw ExitCode(ExitStatus.tempFail) }
}
