import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs
import KizunaMIME
import Logging

extension Kizuna {
    struct Poll: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read new mail from the [imap] mailbox: subscribe, confirm, stop, pause, … by email.",
            discussion: """
            Each new message is fetched whole into spool/inbound, classified (command, bounce, \
            complaint, autoreply, other), applied in one transaction, answered through the spool \
            (run `kizuna send` or `nightly` to deliver) and moved to processed_mailbox. Safe to \
            re-run at any time: a message is applied once. Exits 69 when the mailbox cannot be \
            reached, 75 when a fetch failed half-way (run again later), 78 without [imap].
            """)
        @OptionGroup var options: InstanceOptions

        func run() throws {
            try guarded {
                let instance = try options.instance()
                let summary = try runPoll(instance)
                if !options.quiet { print(summary.line) }
            }
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
                let path = ConfigurationLoader.locate(explicit: config)
                var editions: [Edition] = []
                var zone = TimeZone(identifier: "Asia/Tokyo")!
                var tokens: AddressTokens?
                if config != nil || FileManager.default.fileExists(atPath: path) {
                    let c = try ConfigurationLoader.load(path: path)
                    editions = c.editions
                    zone = TimeZone(identifier: c.timeZoneIdentifier) ?? zone
                    do {
                        tokens = try Instance(configuration: c, clock: Kizuna.clock, logger: Logger(label: "kizuna")).existingTokens()
                    } catch {
                        printError("cannot read the instance's secret (\(KizunaJobs.describe(error))); VERPs are shown unverified")
                    }
                } else {
                    editions = [Edition(id: "sample", name: "Kizuna", address: try EmailAddress(parsing: "kizuna@clinic.example"),
                                        fromName: "Kizuna", languages: ["ja", "en"], plusAddressing: true)]
                }
                let today = try date.map { try parseDate($0, option: "--date") } ?? CivilDate(Kizuna.clock.now(), in: zone)
                var failed = false
                for file in try MessageFiles.expand(files) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw Failure("cannot read \(file)", ExitStatus.ioError)
                    }
                    let reading = InboundReader.read(Array(data), editions: editions, today: today)
                    let d = reading.decision
                    if d.kind == "unreadable" { failed = true }
                    // A report also gets the bounce analysis's verdict (README: Bounces and complaints).
                    let report = ReportInspection.make(reading, tokens: tokens)
                    if json {
                        print(ReportInspection.jsonLine(file: file, decision: d, report: report))
                    } else {
                        print(([describe(file: file, d)] + (report?.lines ?? [])).joined(separator: "\n"))
                    }
                }
                if failed { throw ExitCode(ExitStatus.dataError) }
            }
        }

        func describe(file: String, _ d: InboundDecision) -> String {
            var lines = ["\(file):", "  kind: \(d.kind)\(d.reason.map { " (\($0))" } ?? "")"]
            if let from = d.from { lines.append("  from: \(from)") }
            if let id = d.messageID { lines.append("  message-id: \(id)") }
            if let e = d.edition { lines.append("  edition: \(e)") }
            lines.append("  subject: \(d.subject)")
            if let c = d.command {
                let args = c.arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                lines.append("  command: \(c.name)\(args.isEmpty ? "" : " " + args)")
            }
            if let l = d.language { lines.append("  language: \(l)") }
            lines.append("  may reply: \(d.mayReply ? "yes" : "no")")
            for w in d.why { lines.append("  why: \(w)") }
            for w in d.defects.prefix(5) { lines.append("  defect: \(w)") }
            let text = d.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8)
            lines.append("  text: |")
            for t in text { lines.append("    \(t)") }
            return lines.joined(separator: "\n")
        }
    }
}

func runPoll(_ instance: Instance) throws -> PollSummary {
    let progress = Progress("poll: messages")
    defer { progress.done() }
    let summary = try PollJob(instance: instance).run(progress: progress.update)
    instance.logger.info("\(summary.line)")
    return summary
}
