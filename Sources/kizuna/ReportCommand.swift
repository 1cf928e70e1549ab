import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs

extension Kizuna {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The administrator's daily report: the night's numbers and what needs attention.",
            discussion: """
            Builds the report for a day (today in the configured time zone, or --date): what needs \
            attention first (files in spool/corrupt and spool/hold, failed deliveries, subscribers \
            newly bouncing or stopped by a complaint, commands held because authentication failed), \
            then the day's deliveries, the spool, inbound mail and subscribers. Events are counted \
            since the last report (or over 24 hours).

            With a [report] table (to = ["admin@clinic.example"]), the report is queued once per \
            day and recipient as a plain-text email; `kizuna send` delivers it, and `kizuna nightly` \
            runs this step after its send and sends once more. Running it again the same day \
            queues nothing more. Without a [report] table, or with --print, the report is printed \
            and nothing is queued.

            With several editions the report has a part per edition (each on the edition's own \
            date, by its time_zone); [report] to gets every part, an edition's report_to only a \
            report of that edition alone.

            [report] encrypt (default when_key): the report is signed by the instance's key and \
            encrypted to a recipient whose key was brought in with `kizuna keys import` (PGP/MIME); \
            a recipient without a key gets it signed in clear, or with encrypt = "required" a short \
            notice that holds no personal data. encrypt = "off" sends it in clear and unsigned. \
            With "required" on an instance that has no signing key nothing is queued (exit 78).

            Exits 75 when a poll or batch held the instance's lock for two minutes (run again later).
            """)
        @OptionGroup var options: InstanceOptions

        @Option(help: ArgumentHelp("Report on this local date instead of today (YYYY-MM-DD).", valueName: "DATE"))
        var date: String?

        @Flag(help: "Print the report to standard output; queue nothing.")
        var print = false

        func run() throws {
            try guarded {
                let instance = try options.instance()
                let day = try date.map { try parseDate($0, option: "--date") }
                let summary = try options.night(instance).report(date: day, queue: !print)
                if print || !summary.configured {
                    if !summary.configured && !print {
                        instance.logger.notice("no [report] table in the configuration: the report is printed, not queued")
                    }
                    Swift.print("Subject: \(summary.subject)\n\n\(summary.text)", terminator: "")
                } else if !options.quiet {
                    Swift.print(summary.line)
                }
            }
        }
    }
}
