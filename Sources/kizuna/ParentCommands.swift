import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs

// What a parent may say by mail (born, loss, pause, resume), said for them by the administrator:
// the same words as an administrator's signed mail. No mail goes to the parent.
extension Kizuna {
    struct Born: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report a birth for a parent: the pregnancy's messages switch to the child's (or an assumed birth date is corrected).",
            discussion: "A birth date in the future, or more than 20 weeks before the due date, is refused (65) and changes nothing.")
        @OptionGroup var options: InstanceOptions
        @OptionGroup var parent: ParentAddress
        @Argument(help: ArgumentHelp("The birth date (YYYY-MM-DD).", valueName: "DATE")) var date: String

        func run() throws { try parent.apply(options) { .born(try subscriptionDate(date, option: "DATE")) } }
    }

    struct Loss: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a loss for a parent: every pregnancy and child subscription ends for ever (no mail is sent).")
        @OptionGroup var options: InstanceOptions
        @OptionGroup var parent: ParentAddress

        func run() throws { try parent.apply(options) { .loss } }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a parent's messages, until a date (sending starts again that day; within a year) or until resume.")
        @OptionGroup var options: InstanceOptions
        @OptionGroup var parent: ParentAddress
        @Option(help: ArgumentHelp("Sending starts again on this date (YYYY-MM-DD).", valueName: "DATE")) var until: String?

        func run() throws { try parent.apply(options) { .pause(until: try until.map { try subscriptionDate($0, option: "--until") }) } }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused parent's messages (a parent who is not paused is refused, 65).")
        @OptionGroup var options: InstanceOptions
        @OptionGroup var parent: ParentAddress

        func run() throws { try parent.apply(options) { .resume } }
    }
}

/// The parent a command acts on.
struct ParentAddress: ParsableArguments {
    @Argument(help: "The parent's email address.") var email: String
    @Option(help: ArgumentHelp("Edition id, when the address is in several.", valueName: "ID")) var edition: String?

    /// Carries out the change and prints its summary line.
    func apply(_ options: InstanceOptions, _ change: () throws -> ParentLifecycleAdmin.Change) throws {
        try guarded { print(try ParentLifecycleAdmin(instance: options.instance()).apply(try change(), email: email, edition: edition)) }
    }
}

/// A date as `subscribers add --due` reads it (YYYY-MM-DD, or YYYY/M/D), else a data error (65).
func subscriptionDate(_ text: String, option: String) throws -> CivilDate {
    switch SubscriberCSV.parseDate(text) {
    case .success(let d): return d
    case .failure(let p): throw Failure("\(option): \(p)", ExitStatus.dataError)
    }
}
