import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs

extension Kizuna {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a working instance in DIR: config, sample templates, spool, database, OpenPGP key.",
            discussion: """
            The instance delivers into DIR/outbox (a Maildir; open it with `mutt -f DIR/outbox`) until \
            you add an [smtp] table to DIR/kizuna.toml. --samples adds sample families whose \
            stages fall on today, so that `kizuna nightly --config DIR/kizuna.toml` has mail to send. \
            The instance's OpenPGP keyring is DIR/gnupg (mode 0700) with a new Ed25519 signing key \
            (user id: the first edition's name and address); init needs gpg (apt-get install gnupg) \
            and creates nothing without it. Without --templates the sample templates come from \
            $KIZUNA_TEMPLATES, else the checkout's templates/ when this binary is a build inside \
            the checkout, else <this binary's directory>/../share/kizuna/templates (where \
            `make install` puts them).
            """)
        @Argument(help: "The directory to create (or fill).") var directory: String
        @Flag(help: "Add sample families at different stages.") var samples = false
        @Option(help: ArgumentHelp("Copy templates from here instead of the bundled sample.", valueName: "DIR")) var templates: String?

        func run() throws {
            try guarded {
                let r = try InitJob.run(directory: directory, templatesSource: templates, withSamples: samples, clock: Kizuna.clock)
                print("created \(r.configPath)")
                print("signing key \(r.signingKey.fingerprint) \(r.signingKey.userIDs.first ?? "")")
                for s in r.samples { print("  sample: \(s)") }
                print("next: kizuna nightly --config \(r.configPath)")
            }
        }
    }

    struct Stats: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Subscribers, deliveries and the spool at a glance.")
        @OptionGroup var options: InstanceOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try guarded {
                let report = try StatsReport.make(instance: options.instance())
                print(json ? report.json : report.text)
            }
        }
    }
}
