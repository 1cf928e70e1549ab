import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs

extension Kizuna {
    struct Nightly: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The night's run: poll, batch, send, then the daily report.",
            discussion: """
            The poll step reads the [imap] mailbox and each edition's own first (skipped, with a \
            notice, when there is none). Each message goes out through its edition's relay \
            ([edition.smtp], else [smtp]); a relay that lets nothing through is named in the \
            summary and the others' mail goes out. The report comes after the send, so that it tells what the send did, \
            and a second send delivers it (without a [report] table it is only logged). Safe to \
            re-run at any time: a message is planned once per subscription and day, the report once \
            per recipient and day, and each is sent once. A poll or report that fails is reported \
            and its exit status returned, but does not keep the day's messages from going out. Exits \
            69 when a relay (the instance's or an edition's) could not be used at all, 75 when messages remain deferred in \
            the spool (both: they stay queued; run again later).
            """)
        @OptionGroup var options: NightOptions

        func run() throws {
            try options.run { try $0.run(date: $1) }
        }
    }

    struct Batch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan and render the day's messages into the spool (sends nothing).")
        @OptionGroup var options: NightOptions

        func run() throws {
            try options.run { try $0.batch(date: $1) }
        }
    }

    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit what is in the spool (incoming, and deferred messages that are due).",
            discussion: """
            Each message goes through its edition's relay ([edition.smtp], else [smtp]). Exits 69 \
            when a relay could not be used at all (named in the summary when editions have relays \
            of their own; the others' mail goes out), 75 when messages remain deferred; they are \
            retried with backoff on the next run.
            """)
        @OptionGroup var options: InstanceOptions

        func run() throws {
            try options.run { try $0.send() }
        }
    }
}

/// The instance and the night a step runs for.
struct NightOptions: ParsableArguments {
    @OptionGroup var instance: InstanceOptions

    @Option(help: ArgumentHelp("Plan for this local date instead of today (YYYY-MM-DD).", valueName: "DATE"))
    var date: String?

    /// Runs one step for the date given (nil: today), as `InstanceOptions.run` does.
    func run<S: StepSummary>(_ step: (NightJob, CivilDate?) throws -> S) throws {
        try instance.run { night in try step(night, try date.map { try parseDate($0, option: "--date") }) }
    }
}
