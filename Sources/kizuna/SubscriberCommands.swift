import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs
import KizunaStore

extension Kizuna {
    struct Subscribers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add, list, show, remove, import and export subscribers.",
            subcommands: [Add.self, List.self, Show.self, Remove.self, Import.self, Export.self])
    }
}

extension Kizuna.Subscribers {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a family (or another child for a known address), active at once.",
            discussion: "Dates are YYYY-MM-DD. A due date is at most 300 days ahead; a birth date is not in the future nor over 18 years ago.")
        @OptionGroup var options: InstanceOptions
        @Argument(help: "The parent's email address.") var email: String
        @Option(help: ArgumentHelp("Due date: follow a pregnancy.", valueName: "DATE")) var due: String?
        @Option(help: ArgumentHelp("Birth date: follow a child.", valueName: "DATE")) var birth: String?
        @Option(help: ArgumentHelp("The baby's or child's nickname, used in messages.", valueName: "NAME")) var name: String?
        @Option(help: ArgumentHelp("Language (default: the edition's first).", valueName: "LANG")) var lang: String?
        @Option(help: ArgumentHelp("Edition id (default: the first in the config).", valueName: "ID")) var edition: String?
        @Option(help: ArgumentHelp("Area, for local information.", valueName: "AREA")) var area: String?

        func validate() throws {
            if due == nil && birth == nil { throw ValidationError("give --due DATE (pregnancy) or --birth DATE (child)") }
            if due != nil && birth != nil { throw ValidationError("give either --due or --birth, not both") }
        }

        func run() throws {
            try guarded {
                let r = try SubscriberAdmin(instance: options.instance())
                    .add(email: email, due: due, birth: birth, name: name, language: lang, edition: edition, area: area)
                print(SubscriberAdmin.addedLine(r.subscriber, subscriberID: r.subscriberID, subscriptionID: r.subscriptionID))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscribers.")
        @OptionGroup var options: InstanceOptions
        @Option(help: ArgumentHelp("Only this edition.", valueName: "ID")) var edition: String?
        @Option(help: ArgumentHelp("Only this status: \(SubscriberStatus.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STATUS")) var status: String?
        @Option(help: "At most this many.") var limit = 100
        @Option(help: "Skip this many.") var offset = 0

        func validate() throws {
            if let status, SubscriberStatus(rawValue: status) == nil {
                throw ValidationError("unknown status \"\(status)\"; use one of \(SubscriberStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            try guarded {
                let rows = try SubscriberAdmin(instance: options.instance()).list(
                    edition: edition, status: status.flatMap(SubscriberStatus.init(rawValue:)), limit: limit, offset: offset)
                for r in rows { print(SubscriberAdmin.listLine(r)) }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one subscriber: subscriptions, recent deliveries, events.")
        @OptionGroup var options: InstanceOptions
        @Argument var email: String
        @Option(help: ArgumentHelp("Edition id, when the address is in several.", valueName: "ID")) var edition: String?

        func run() throws {
            try guarded {
                let d = try SubscriberAdmin(instance: options.instance()).find(email: email, edition: edition)
                for line in SubscriberAdmin.showLines(d) { print(line) }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop every subscription of an address (history and consent record are kept).")
        @OptionGroup var options: InstanceOptions
        @Argument var email: String
        @Option(help: ArgumentHelp("Edition id, when the address is in several.", valueName: "ID")) var edition: String?
        @Option(help: "Why, for the event log.") var reason = "removed by the administrator"

        func run() throws {
            try guarded {
                let s = try SubscriberAdmin(instance: options.instance()).remove(email: email, edition: edition, reason: reason)
                print(SubscriberAdmin.stoppedLine(s))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import subscribers from a CSV file.",
            discussion: """
            The first line names the columns: \(SubscriberCSV.standardHeader) (any order; email and \
            due or birth required). Every bad row is reported with its line number; the rest are imported. \
            Exits 65 when any row was refused.
            """)
        @OptionGroup var options: InstanceOptions
        @Argument(help: "The CSV file.") var file: String
        @Option(help: ArgumentHelp("Edition for rows without one.", valueName: "ID")) var edition: String?
        @Option(help: ArgumentHelp("Language for rows without one.", valueName: "LANG")) var lang: String?

        func run() throws {
            try guarded {
                let admin = SubscriberAdmin(instance: try options.instance())
                let progress = options.progress("import: rows")
                let report = try admin.importCSV(path: file, edition: edition, language: lang, progress: progress)
                progress.done()
                for e in report.errors { printError("\(file): \(e)") }
                print("import: \(report.added) added, \(report.duplicates) already present, \(report.errors.count) refused")
                if !report.errors.isEmpty { throw ExitCode(ExitStatus.dataError) }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the active and paused families' active subscriptions as CSV (the import format).",
            discussion: "Stopped, pending and bouncing families are left out, so that importing the file elsewhere never resubscribes anyone.")
        @OptionGroup var options: InstanceOptions
        @Option(name: [.short, .long], help: ArgumentHelp("Write here instead of standard output.", valueName: "FILE")) var output: String?

        func run() throws {
            try guarded {
                try SubscriberAdmin(instance: options.instance()).export(to: output)
            }
        }
    }
}
