/// One command of an administrator's signed mail, read from one line in the CLI's own words
/// (`subscribers add hanako@example.jp --due 2027-05-01`). It names no edition: every command
/// acts on the edition the mail was addressed to.
public enum AdminCommand: Sendable, Equatable {
    case subscribersAdd(EmailAddress, track: Track, date: CivilDate, name: String?, language: String?, area: String?)
    case subscribersShow(EmailAddress)
    case subscribersRemove(EmailAddress, reason: String?)
    case subscribersList(status: SubscriberStatus?, limit: Int?, offset: Int?)
    /// The CSV is the mail's attachment (the CLI's FILE).
    case subscribersImport(language: String?)
    case born(EmailAddress, CivilDate)
    case loss(EmailAddress)
    case pause(EmailAddress, until: CivilDate?)
    case resume(EmailAddress)
    case bouncesList
    case bouncesShow(EmailAddress)
    case bouncesReset(EmailAddress)
    case stats(json: Bool)
    case report(date: CivilDate?)
    case contentLint(production: Bool)
    case help

    /// Whether carrying it out changes the store (the others only read).
    public var changesState: Bool {
        switch self {
        case .subscribersAdd, .subscribersRemove, .subscribersImport, .born, .loss, .pause, .resume, .bouncesReset: return true
        case .subscribersShow, .subscribersList, .bouncesList, .bouncesShow, .stats, .report, .contentLint, .help: return false
        }
    }

    /// Whether its answer can name a family (an address, a date): help and lint answers cannot.
    public var answersWithPersonalData: Bool {
        switch self {
        case .help, .contentLint: return false
        default: return true
        }
    }

    /// The address it acts on, if it names one.
    public var address: EmailAddress? {
        switch self {
        case .subscribersAdd(let a, _, _, _, _, _), .subscribersShow(let a), .subscribersRemove(let a, _), .born(let a, _),
             .loss(let a), .pause(let a, _), .resume(let a), .bouncesShow(let a), .bouncesReset(let a):
            return a
        case .subscribersList, .subscribersImport, .bouncesList, .stats, .report, .contentLint, .help:
            return nil
        }
    }
}

/// A command with the line it was read from (1-based, counting every line of the text).
public struct AdminCommandLine: Sendable, Equatable {
    public var line: Int
    /// The line as written, trimmed.
    public var text: String
    public var command: AdminCommand

    public init(line: Int, text: String, command: AdminCommand) {
        self.line = line; self.text = text; self.command = command
    }
}

/// Why one line of an administrator's mail cannot be carried out.
public struct AdminCommandProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based; 0 for the message as a whole (e.g. no command at all).
    public var line: Int
    public var text: String
    public var reason: String

    public init(line: Int, text: String, reason: String) {
        self.line = line; self.text = text; self.reason = reason
    }

    public var description: String { line == 0 ? reason : "line \(line): \(text)\n  \(reason)" }
}

extension AdminCommand {
    /// The commands, in the CLI's words (the reply to `help`).
    public static let synopsis: [String] = [
        "subscribers add EMAIL (--due DATE | --birth DATE) [--name N] [--lang L] [--area A]",
        "subscribers show EMAIL",
        "subscribers remove EMAIL [--reason TEXT]",
        "subscribers list [--status S] [--limit N] [--offset N]",
        "subscribers import [--lang L]          (the CSV file attached to the mail)",
        "born EMAIL DATE",
        "loss EMAIL",
        "pause EMAIL [--until DATE]",
        "resume EMAIL",
        "bounces list",
        "bounces show EMAIL",
        "bounces reset EMAIL",
        "stats [--json]",
        "report [--date DATE]",
        "content lint [--production]",
        "help",
    ]

    /// Example lines, each also a valid `kizuna` command line (tests hold both to it).
    public static let examples: [String] = [
        "subscribers add hanako@example.jp --due 2027-05-01 --name はな --lang ja",
        "subscribers show hanako@example.jp",
        "pause hanako@example.jp --until 2027-03-01",
        "resume hanako@example.jp",
        "born hanako@example.jp 2027-04-28",
        "bounces show hanako@example.jp",
        "bounces reset hanako@example.jp",
        "subscribers list --status active",
        "bounces list",
        "stats",
        "report --date 2027-04-28",
        "content lint",
        "loss hanako@example.jp",
        "subscribers remove hanako@example.jp --reason \"moved away\"",
    ]

    /// The reply to `help`: what may be written, and the all-or-nothing rule.
    public static var helpText: String {
        """
        One command per line, in the words of the kizuna command line. Every command acts on this \
        edition only. Dates are YYYY-MM-DD. Blank lines, quoted lines (>) and the signature \
        (from a line "-- ") are ignored.

        Nothing is half done: when any line is unknown or invalid, no line is carried out and the \
        reply lists every such line with the reason.

        Commands:
        \(synopsis.map { "  " + $0 }.joined(separator: "\n"))

        Examples:
        \(examples.map { "  " + $0 }.joined(separator: "\n"))
        """
    }
}
