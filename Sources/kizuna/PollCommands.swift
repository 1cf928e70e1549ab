import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs
import Logging

extension Kizuna {
    struct Poll: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read new mail from the [imap] mailbox and each [edition.imap]: subscribe, confirm, stop, pause, … by email.",
            discussion: """
            Each new message is fetched whole into spool/inbound, classified (command, bounce, \
            complaint, autoreply, other), applied in one transaction, answered through the spool \
            (run `kizuna send` or `nightly` to deliver) and moved to processed_mailbox. Safe to \
            re-run at any time: a message is applied once. An administrator's OpenPGP-signed \
            mail (PGP/MIME, encrypted, or inline) is verified against the keyring and the admin \
            roles, carried out once and answered encrypted; unsigned or badly signed mail that \
            reads like an administrator's command is refused and listed in the daily report. \
            Mail read from an edition's own mailbox acts on that edition only. Exits 69 when a \
            mailbox cannot be reached, 75 when a fetch failed half-way (run again later), 78 \
            without any mailbox; one mailbox that fails is named and the others are read.
            """)
        @OptionGroup var options: InstanceOptions

        func run() throws {
            try options.run { try $0.poll() }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the poller would decide about message files, without touching the store.",
            discussion: """
            Prints the kind (command, bounce, complaint, autoreply, other, unreadable), the command \
            with its arguments, the decoded subject and new text, and why. Uses the editions of \
            the configuration when one is found, else a sample edition; with a configuration, a \
            bounce's VERP is checked with the instance's secret (read only: the store is not \
            changed), else it shows as unverified. Exits 65 when a message is unreadable, 66 when a \
            file or directory does not exist.
            """)
        @Option(name: .long, help: ArgumentHelp("The configuration file (for the editions and the VERP secret).", valueName: "PATH"))
        var config: String?
        @Flag(help: "Print one JSON object per file (JSON Lines).")
        var json = false
        @Option(help: ArgumentHelp("Read dates as of this day (YYYY-MM-DD; default today).", valueName: "DATE"))
        var date: String?
        @Argument(help: "Message files (RFC 5322, e.g. .eml), or directories of them (a Maildir: its new/ and cur/).")
        var files: [String]

        func run() throws {
            try guarded {
                let job = try InspectJob(config: config, clock: Kizuna.clock, logger: Logger(label: "kizuna"), tell: printError)
                let day = try date.map { try parseDate($0, option: "--date") }
                let summary = try job.run(paths: files, date: day, json: json) { print($0) }
                if summary.exitStatus != ExitStatus.ok { throw ExitCode(summary.exitStatus) }
            }
        }
    }
}
