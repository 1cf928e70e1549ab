import ArgumentParser
import Foundation
import KizunaContent
import KizunaCore
import KizunaJobs

extension Kizuna {
    struct Content: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the catalog and see what families receive.",
            subcommands: [Lint.self, Calendar.self, Preview.self])
    }
}

extension Kizuna.Content {
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load every template and report problems.",
            discussion: "Exits 65 when there are errors (sample or unreviewed content is an error with --production or `production = true`).")
        @OptionGroup var options: InstanceOptions
        @Flag(help: "Judge as production: sample or unreviewed content is an error.") var production = false

        func run() throws {
            try guarded {
                let report = try ContentTools(instance: options.instance()).lint(production: production)
                for f in report.findings { print(f) }
                print(report.line)
                if report.exitStatus != ExitStatus.ok { throw ExitCode(report.exitStatus) }
            }
        }
    }

    struct Calendar: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Which message goes out on which day for a due or birth date.")
        @OptionGroup var options: InstanceOptions
        @Option(help: ArgumentHelp("Due date (pregnancy).", valueName: "DATE")) var due: String?
        @Option(help: ArgumentHelp("Birth date (child).", valueName: "DATE")) var birth: String?
        @Option(help: ArgumentHelp("Language (default: the first edition's).", valueName: "LANG")) var lang: String?

        func validate() throws {
            if (due == nil) == (birth == nil) { throw ValidationError("give exactly one of --due DATE or --birth DATE") }
        }

        func run() throws {
            try guarded {
                let (track, anchor) = due != nil ? (Track.pregnancy, try parseDate(due!, option: "--due")) : (Track.child, try parseDate(birth!, option: "--birth"))
                for e in try ContentTools(instance: options.instance()).calendar(track: track, anchor: anchor, language: lang) {
                    print("\(e.date)\t\(e.messageKey)\t\(e.language)\t\(e.subject)")
                }
            }
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the .eml a message renders to (for a sample subscriber).",
            discussion: "Example: kizuna content preview pregnancy/d0140 --lang en > week20.eml && mutt -f week20.eml")
        @OptionGroup var options: InstanceOptions
        @Argument(help: "The message key, e.g. pregnancy/d0140, child/d0100, child/m03.") var key: String
        @Option(help: ArgumentHelp("Language.", valueName: "LANG")) var lang: String?
        @Option(help: ArgumentHelp("Nickname to fill in.", valueName: "NAME")) var name: String?
        @Option(help: ArgumentHelp("Edition id.", valueName: "ID")) var edition: String?
        @Option(help: ArgumentHelp("Area, for local information.", valueName: "AREA")) var area: String?

        func run() throws {
            try guarded {
                let bytes = try ContentTools(instance: options.instance())
                    .preview(messageKey: key, language: lang, nickname: name, editionID: edition, area: area)
                FileHandle.standardOutput.write(Data(bytes))
            }
        }
    }
}
