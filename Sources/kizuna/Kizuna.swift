import ArgumentParser
import Foundation
import KizunaCore
import KizunaJobs
import Logging

@main
struct Kizuna: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kizuna",
        abstract: "Mail-first daily messages for parents, from pregnancy to the child's first years.",
        discussion: """
        A nightly batch renders each family's message of the day into a crash-safe spool and \
        submits it over SMTP (or into a Maildir). Run `kizuna nightly` from cron.

        Configuration: --config PATH, else $KIZUNA_CONFIG, else ./kizuna.toml.

        Exit status: 0 done; 64 usage; 65 bad input; 69 server unavailable; 70 internal error; \
        73 cannot create; 74 I/O error; 75 try again later (messages deferred, or another run \
        holds the lock); 78 configuration error.
        """,
        version: "0.1.0",
        subcommands: [Init.self, Nightly.self, Poll.self, Inspect.self, Batch.self, Send.self, Report.self, Subscribers.self, Born.self, Loss.self, Pause.self, Resume.self, Bounces.self, Surveys.self, Content.self, Keys.self, Stats.self, Doctor.self]
    )

    /// The process's one clock: every job asks it what time it is.
    static let clock = SystemClock()
}

/// Options every command that works on an instance takes.
struct InstanceOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "PATH"))
    var config: String?

    @Flag(name: [.short, .long], help: "Log more (repeat for debug).")
    var verbose: Int

    @Flag(name: [.short, .long], help: "Log only errors.")
    var quiet = false

    var logger: Logger {
        var l = Logger(label: "kizuna") { StreamLogHandler.standardError(label: $0) }
        l.logLevel = quiet ? .error : (verbose >= 2 ? .debug : verbose == 1 ? .info : .notice)
        if let env = ProcessInfo.processInfo.environment["KIZUNA_LOG_LEVEL"], let level = Logger.Level(rawValue: env) { l.logLevel = level }
        return l
    }

    func instance() throws -> Instance {
        do {
            return try Instance.open(configPath: ConfigurationLoader.locate(explicit: config), clock: Kizuna.clock, logger: logger)
        } catch let e as ConfigurationError {
            throw Failure(e.description, ExitStatus.config)
        }
    }

    /// The night's steps on `instance`, with a progress line on a terminal and problems on stderr.
    func night(_ instance: Instance) -> NightJob {
        NightJob(instance: instance, progress: progress, tell: printError)
    }

    /// A step's progress line: on a terminal, unless -q.
    func progress(_ label: String) -> StepProgress { TerminalProgress(label, enabled: !quiet && isatty(2) == 1) }

    /// Runs one step on the instance: prints its summary line (unless -q) and exits with its status.
    func run<S: StepSummary>(_ step: (NightJob) throws -> S) throws {
        try guarded {
            let summary = try step(night(try instance()))
            if !quiet { print(summary.line) }
            if summary.exitStatus != ExitStatus.ok { throw ExitCode(summary.exitStatus) }
        }
    }
}

/// An error message for stderr and an exit status for cron.
struct Failure: Error, CustomStringConvertible {
    var description: String
    var code: Int32
    init(_ message: String, _ code: Int32) { description = message; self.code = code }
}

/// Runs a command body, turning every error into a one-line message and a sysexits status.
func guarded(_ body: () throws -> Void) throws {
    do { try body() } catch let e as Failure {
        printError(e.description); throw ExitCode(e.code)
    } catch let e as JobError {
        printError(e.message); throw ExitCode(e.exitCode)
    } catch let e as ConfigurationError {
        printError(e.description); throw ExitCode(ExitStatus.config)
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        // A bad option value found while running (e.g. `--date 2027-13-01`) is a usage error, not an internal one.
        printError(e.message); throw ExitCode(ExitStatus.usage)
    } catch {
        printError(KizunaJobs.describe(error)); throw ExitCode(KizunaJobs.exitStatus(for: error))
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data("kizuna: \(s)\n".utf8))
}

/// A date option: YYYY-MM-DD.
func parseDate(_ s: String, option: String) throws -> CivilDate {
    guard let d = CivilDate(iso: s) else {
        throw ValidationError("\(option) \"\(s)\" is not a valid date; write it as YYYY-MM-DD, e.g. 2027-05-01")
    }
    return d
}

/// A progress line on stderr (`ProgressLine`: done / total, rate, time left) when it is a
/// terminal, redrawn at most five times a second; nothing under cron.
final class TerminalProgress: StepProgress {
    let enabled: Bool
    let label: String
    /// Elapsed time only: a monotonic clock, never the wall clock.
    let started = ContinuousClock.now
    /// When the line was last drawn; nil before the first.
    var last: ContinuousClock.Instant?
    var total: Int?
    init(_ label: String, enabled: Bool) { self.label = label; self.enabled = enabled }
    func expect(_ total: Int) { self.total = total }
    func update(_ n: Int) {
        let now = ContinuousClock.now
        guard enabled, last.map({ now - $0 > .milliseconds(200) }) ?? true else { return }
        last = now
        let line = ProgressLine.text(label: label, done: n, total: total, elapsed: (now - started) / .seconds(1))
        FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
    }
    func done() { if enabled && last != nil { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) } }
}
