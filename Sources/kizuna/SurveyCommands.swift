import ArgumentParser
import Foundation
import KizunaJobs

extension Kizuna {
    struct Surveys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reader surveys (templates/surveys/<id>.md): list them, and their results.",
            discussion: """
            A survey is sent once to each family it targets, appended to that day's mail or as a \
            mail of its own; parents answer by replying with the number of their choice.
            """,
            subcommands: [List.self, Results.self])
    }
}

extension Kizuna.Surveys {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every survey: id, editions, window, languages, number of choices, families sent it so far.")
        @OptionGroup var options: InstanceOptions

        func run() throws {
            try guarded {
                for line in try SurveyAdmin(instance: options.instance()).list() { print(line) }
            }
        }
    }
}
