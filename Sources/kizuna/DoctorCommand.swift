import ArgumentParser
import Foundation
import KizunaJobs

/// `kizuna doctor`: a checklist of everything a night needs, for the operator or for monitoring.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration, catalog, spool, database, relays, mailboxes, keyring and clock.",
        discussion: """
        Sends no mail and changes nothing in the database (the spool's directories and the IMAP \
        processed/failed folders are created when missing, as the first run would). Exit 0 when \
        everything a night needs passes (warnings do not count), else the first failure's status: \
        78 configuration, catalog or a refused password; 69 a relay or IMAP server unavailable or \
        untrusted; 73 the spool cannot be created or written; 74 the database cannot be read or is damaged.
        """
    )

    @OptionGroup var options: InstanceOptions

    @Flag(name: .long, help: "Print the checks as JSON (keys: ok, exit_status, checks[kind, name, status, detail, fix]).")
    var json = false

    func run() throws {
        let job = DoctorJob(configPath: ConfigurationLoader.locate(explicit: options.config), clock: Kizuna.clock, logger: options.logger)
        let checks = job.run()
        let status = DoctorJob.exitStatus(checks)
        if json {
            print(DoctorReport(ok: status == 0, exitStatus: status, checks: checks).json)
        } else {
            for c in checks {
                let mark = c.status == .ok ? "✓" : c.status == .warn ? "!" : "✗"
                print("\(mark) \(c.name): \(c.detail)")
                if let fix = c.fix { print("    → \(fix)") }
            }
            let failures = checks.filter { $0.status == .fail }.count
            print(failures == 0 ? "ready for a night" : "\(failures) check(s) failed: not ready for a night")
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// The `--json` document: stable keys, documented in the README.
struct DoctorReport: Encodable {
    var ok: Bool
    var exitStatus: Int32
    var checks: [DoctorCheck]

    enum CodingKeys: String, CodingKey { case ok, exitStatus = "exit_status", checks }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
