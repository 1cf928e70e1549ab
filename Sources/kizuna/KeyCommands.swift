import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs

extension Kizuna {
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "OpenPGP keys: who may run an edition (admin) or approve texts (reviewer).",
            discussion: """
            Keys live in the instance's keyring ([openpgp] home); a key's role lives in the store, \
            with an event, never in its user id. Expired, revoked or unusable keys are refused.
            """,
            subcommands: [List.self, Import.self, Remove.self, Export.self])
    }
}

extension KeyRole: ExpressibleByArgument {}

extension Kizuna.Keys {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every key in the keyring: fingerprint, roles (instance for its own key), state, user ids.")
        @OptionGroup var options: InstanceOptions

        func run() throws {
            try guarded { for line in try KeyAdmin(instance: options.instance()).list() { print(line) } }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import the one public key in FILE and give it a role.",
            discussion: """
            FILE holds one key, armored (gpg --armor --export ADDRESS) or binary. An expired, \
            revoked or unusable key, or one that cannot sign, is refused and nothing changes. \
            Without --edition the role holds for every edition.
            """)
        @OptionGroup var options: InstanceOptions
        @Argument(help: "The key file.") var file: String
        @Option(help: "admin or reviewer.") var role: KeyRole
        @Option(help: ArgumentHelp("The edition the role is for (default: every edition).", valueName: "ID")) var edition: String?
        @Option(help: ArgumentHelp("A reviewer's field, one of the review fields (e.g. midwifery): their signature approves only reviews in it.", valueName: "FIELD")) var field: String?

        func run() throws {
            try guarded {
                print(try KeyAdmin(instance: options.instance()).importKey(file: file, role: role, edition: edition, field: field))
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End every role of a key (an event each) and delete it from the keyring.")
        @OptionGroup var options: InstanceOptions
        @Argument(help: "The key's fingerprint.") var fingerprint: String

        func run() throws {
            try guarded { print(try KeyAdmin(instance: options.instance()).remove(fingerprint: fingerprint)) }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the instance's public key, armored: administrators import it to encrypt to and verify replies.")
        @OptionGroup var options: InstanceOptions

        func run() throws {
            try guarded { print(try KeyAdmin(instance: options.instance()).export(), terminator: "") }
        }
    }
}
