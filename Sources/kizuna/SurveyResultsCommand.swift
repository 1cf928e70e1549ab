import ArgumentParser
import Foundation
import KizunaJobs

extension Kizuna.Surveys {
    struct Results: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A survey's results: counts and shares per choice, sent, answered, response rate, comments.",
            discussion: """
            Aggregated only: no address, no subscriber, no time of an answer (a single answer is \
            tied to an address only in the store). Comments are listed by choice, then text. \
            --csv prints RFC 4180 CSV with the header survey,edition,row,choice,text,count,percent \
            (rows: choice, sent, answered, comment; see README). Exits 64 for an unknown survey or edition.
            """)
        @OptionGroup var options: InstanceOptions

        @Argument(help: ArgumentHelp("The survey's id (its file name under templates/surveys, without .md).", valueName: "ID"))
        var id: String

        @Option(help: ArgumentHelp("Count only this edition's families (default: every edition).", valueName: "E"))
        var edition: String?

        @Flag(help: "Print CSV instead of text.")
        var csv = false

        func run() throws {
            try guarded {
                let results = try SurveyAdmin(instance: options.instance()).results(id: id, edition: edition)
                FileHandle.standardOutput.write(Data((csv ? results.csv() : results.text()).utf8))
            }
        }
    }
}
