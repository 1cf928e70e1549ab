import ArgumentParser
import Foundation
import KizunaJobs

extension Kizuna {
    struct Bounces: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Addresses that bounce: list them, show the evidence, reset one.",
            discussion: """
            A hard bounce counts 1, a soft one 0.5, at most one a day; at 5 the subscriber is set \
            to bouncing and no longer sent to. A score with no bounce for 7 days is stale. A reply \
            from the parent, or a later 250 after SMTP refusals, clears it.
            """,
            subcommands: [List.self, Show.self, Reset.self])
    }
}

extension Kizuna.Bounces {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bouncing and scored addresses, highest score first (address, edition, status, score, bounces, last bounce).")
        @OptionGroup var options: InstanceOptions

        func run() throws {
            try guarded {
                for line in try BounceAdmin(instance: options.instance()).list() { print(line) }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One address's score and every bounce, refusal and complaint with its evidence.")
        @OptionGroup var options: InstanceOptions
        @Argument(help: "The parent's email address.") var email: String
        @Option(help: ArgumentHelp("Edition id, when the address is in several.", valueName: "ID")) var edition: String?

        func run() throws {
            try guarded {
                for line in try BounceAdmin(instance: options.instance()).show(email: email, edition: edition) { print(line) }
            }
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Clear an address's score; a bouncing subscriber becomes active again (recorded as an event).")
        @OptionGroup var options: InstanceOptions
        @Argument(help: "The parent's email address.") var email: String
        @Option(help: ArgumentHelp("Edition id, when the address is in several.", valueName: "ID")) var edition: String?

        func run() throws {
            try guarded {
                print(try BounceAdmin(instance: options.instance()).reset(email: email, edition: edition))
            }
        }
    }
}
