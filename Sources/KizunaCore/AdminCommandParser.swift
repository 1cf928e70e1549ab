/// Reads the text of an administrator's signed mail into commands, one per line, in the words
/// of the `kizuna` command line; every line that cannot be read is a problem with its line
/// number and reason, so that the caller can refuse the whole message and say why per line.
///
/// Words are separated by ASCII blanks (as a shell separates them; a full-width space is part
/// of a word, as it is for the CLI); a word may be quoted with "…" or '…'. An option is
/// `--name value` or `--name=value`. A leading `kizuna` (a line copied from a terminal) is
/// allowed.
public enum AdminCommandParser {
    /// The commands of `text`, and every problem. `edition` is the edition the mail acts on: an
    /// `--edition` naming it is allowed (the CLI's words), any other is a problem.
    public static func parse(_ text: String, edition: String) -> (commands: [AdminCommandLine], problems: [AdminCommandProblem]) {
        var commands: [AdminCommandLine] = []
        var problems: [AdminCommandProblem] = []
        var number = 0
        // `isNewline`: CRLF is one Character in Swift, and mail text has CRLF line ends.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            // The signature block: RFC 3676's "-- " (some clients drop the blank).
            if line == "-- " || line == "--" { break }
            let trimmed = line.trimmingBlanks()
            if trimmed.isEmpty || trimmed.hasPrefix(">") { continue }
            do {
                commands.append(AdminCommandLine(line: number, text: trimmed, command: try command(trimmed, edition: edition)))
            } catch let reason as Reason {
                problems.append(AdminCommandProblem(line: number, text: trimmed, reason: reason.text))
            } catch {
                problems.append(AdminCommandProblem(line: number, text: trimmed, reason: "\(error)"))
            }
        }
        if commands.isEmpty && problems.isEmpty {
            problems.append(AdminCommandProblem(line: 0, text: "", reason: "the message holds no command; write \"help\" for the list"))
        }
        return (commands, problems)
    }

    struct Reason: Error { var text: String; init(_ t: String) { text = t } }

    /// CLI commands that exist but are not offered by mail, with where to run them.
    static let serverOnly: Set<String> = ["init", "nightly", "poll", "inspect", "batch", "send", "keys"]

    /// One line's command.
    static func command(_ line: String, edition: String) throws -> AdminCommand {
        var words = try AdminWords.split(line)[...]
        if words.first == "kizuna" { words.removeFirst() }
        guard let head = words.popFirst() else { throw Reason("no command") }
        switch head {
        case "subscribers": return try subscribers(&words, edition: edition)
        case "bounces": return try bounces(&words, edition: edition)
        case "content":
            guard let sub = words.popFirst() else { throw Reason("content needs a subcommand: content lint") }
            guard sub == "lint" else {
                throw Reason(["review", "calendar", "preview", "coverage"].contains(sub)
                    ? "\"content \(sub)\" is not offered by mail; run it on the server"
                    : "unknown command \"content \(sub)\"; by mail: content lint")
            }
            let a = try AdminArguments(words, flags: ["--production"], edition: edition)
            try a.positionals([])
            return .contentLint(production: a.flag("--production"))
        case "born":
            let a = try AdminArguments(words, edition: edition)
            let p = try a.positionals(["EMAIL", "DATE"])
            return .born(try address(p[0]), try dateValue(p[1], what: "the birth date"))
        case "loss", "resume":
            let a = try AdminArguments(words, edition: edition)
            let email = try address(try a.positionals(["EMAIL"])[0])
            return head == "loss" ? .loss(email) : .resume(email)
        case "pause":
            let a = try AdminArguments(words, values: ["--until"], edition: edition)
            let email = try address(try a.positionals(["EMAIL"])[0])
            return .pause(email, until: try a["--until"].map { try dateValue($0, what: "--until") })
        case "stats":
            let a = try AdminArguments(words, flags: ["--json"], edition: nil)
            try a.positionals([])
            return .stats(json: a.flag("--json"))
        case "report":
            let a = try AdminArguments(words, values: ["--date"], edition: nil)
            try a.positionals([])
            return .report(date: try a["--date"].map { d in
                // The CLI's `report --date` takes YYYY-MM-DD only.
                guard let date = CivilDate(iso: d) else { throw Reason("--date \"\(d)\" is not a valid date; write it as YYYY-MM-DD, e.g. 2027-05-01") }
                return date
            })
        case "help":
            try AdminArguments(words, edition: nil).positionals([])
            return .help
        default:
            if serverOnly.contains(head) { throw Reason("\"\(head)\" is not offered by mail; run it on the server") }
            throw Reason("unknown command \"\(head)\"; write \"help\" for the list")
        }
    }

    static func subscribers(_ words: inout ArraySlice<String>, edition: String) throws -> AdminCommand {
        guard let sub = words.popFirst() else { throw Reason("subscribers needs a subcommand: add, show, remove, list or import") }
        switch sub {
        case "add":
            let a = try AdminArguments(words, values: ["--due", "--birth", "--name", "--lang", "--area"], edition: edition)
            let email = try address(try a.positionals(["EMAIL"])[0])
            let (track, text, option): (Track, String, String)
            switch (a["--due"], a["--birth"]) {
            case (let d?, nil): (track, text, option) = (.pregnancy, d, "--due")
            case (nil, let b?): (track, text, option) = (.child, b, "--birth")
            case (nil, nil): throw Reason("give --due DATE (pregnancy) or --birth DATE (child)")
            default: throw Reason("give either --due or --birth, not both")
            }
            return .subscribersAdd(email, track: track, date: try dateValue(text, what: option),
                                   name: a["--name"], language: a["--lang"], area: a["--area"])
        case "show":
            let a = try AdminArguments(words, edition: edition)
            return .subscribersShow(try address(try a.positionals(["EMAIL"])[0]))
        case "remove":
            let a = try AdminArguments(words, values: ["--reason"], edition: edition)
            return .subscribersRemove(try address(try a.positionals(["EMAIL"])[0]), reason: a["--reason"])
        case "list":
            let a = try AdminArguments(words, values: ["--status", "--limit", "--offset"], edition: edition)
            try a.positionals([])
            let status = try a["--status"].map { s in
                guard let status = SubscriberStatus(rawValue: s) else {
                    throw Reason("unknown status \"\(s)\"; use one of \(SubscriberStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
            return .subscribersList(status: status, limit: try a["--limit"].map { try count($0, "--limit") },
                                    offset: try a["--offset"].map { try count($0, "--offset") })
        case "import":
            let a = try AdminArguments(words, values: ["--lang"], edition: edition)
            if let file = a.arguments.first {
                throw Reason("by mail the CSV file is the attachment: write \"subscribers import\" without \"\(file)\"")
            }
            return .subscribersImport(language: a["--lang"])
        case "export":
            throw Reason("\"subscribers export\" is not offered by mail; run it on the server")
        default:
            throw Reason("unknown command \"subscribers \(sub)\"; use add, show, remove, list or import")
        }
    }

    static func bounces(_ words: inout ArraySlice<String>, edition: String) throws -> AdminCommand {
        guard let sub = words.popFirst() else { throw Reason("bounces needs a subcommand: list, show or reset") }
        switch sub {
        case "list":
            try AdminArguments(words, edition: nil).positionals([])
            return .bouncesList
        case "show", "reset":
            let email = try address(try AdminArguments(words, edition: edition).positionals(["EMAIL"])[0])
            return sub == "show" ? .bouncesShow(email) : .bouncesReset(email)
        default:
            throw Reason("unknown command \"bounces \(sub)\"; use list, show or reset")
        }
    }

    static func address(_ text: String) throws -> EmailAddress {
        do { return try EmailAddress(parsing: text) } catch {
            throw Reason("\"\(text)\" is not a usable email address: \(error)")
        }
    }

    /// A date as the CLI's `--due`/`--birth` read it (YYYY-MM-DD, or YYYY/M/D).
    static func dateValue(_ text: String, what: String) throws -> CivilDate {
        switch SubscriberCSV.parseDate(text) {
        case .success(let d): return d
        case .failure(let p): throw Reason("\(what): \(p)")
        }
    }

    static func count(_ text: String, _ option: String) throws -> Int {
        guard let n = Int(text), n >= 0 else { throw Reason("\(option) \"\(text)\" is not a number (0 or more)") }
        return n
    }
}

/// The words of one command line: separated by ASCII blanks, a word may be quoted.
enum AdminWords {
    static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(c)
                inWord = true
            }
        }
        if let q = quote { throw AdminCommandParser.Reason("a quote \(q) is not closed") }
        if inWord { words.append(current) }
        return words
    }
}

/// A command's arguments after its name: the positionals in order and the options, which (as
/// for the CLI) may come in any order among them. An option is known, given at most once, and
/// has its value (`--name value` or `--name=value`); a flag has none.
struct AdminArguments {
    var arguments: [String] = []
    var options: [String: String] = [:]

    /// `edition`: the mail's edition, when the command takes `--edition` (naming it, and no other).
    init(_ words: ArraySlice<String>, flags: Set<String> = [], values: Set<String> = [], edition: String?) throws {
        let values = edition == nil ? values : values.union(["--edition"])
        var rest = words
        while let w = rest.popFirst() {
            guard w.hasPrefix("--"), w.count > 2 else { arguments.append(w); continue }
            var name = w, value: String?
            if let eq = w.firstIndex(of: "=") { name = String(w[..<eq]); value = String(w[w.index(after: eq)...]) }
            guard flags.contains(name) || values.contains(name) else { throw AdminCommandParser.Reason("unknown option \(name)") }
            guard options[name] == nil else { throw AdminCommandParser.Reason("\(name) is given twice") }
            if flags.contains(name) {
                if value != nil { throw AdminCommandParser.Reason("\(name) takes no value") }
                options[name] = ""
                continue
            }
            if value == nil, let next = rest.first, !next.hasPrefix("--") { value = next; rest.removeFirst() }
            guard let value, !value.isEmpty else { throw AdminCommandParser.Reason("\(name) needs a value") }
            options[name] = value
        }
        if let edition, let e = options["--edition"], e != edition {
            throw AdminCommandParser.Reason("--edition \(e): this mail acts on edition \(edition) only")
        }
    }

    subscript(_ name: String) -> String? { options[name] }
    func flag(_ name: String) -> Bool { options[name] != nil }

    /// The positionals, exactly as many as `names` (what each is, for the problem).
    @discardableResult
    func positionals(_ names: [String]) throws -> [String] {
        if arguments.count < names.count { throw AdminCommandParser.Reason("missing \(names[arguments.count])") }
        if arguments.count > names.count { throw AdminCommandParser.Reason("unexpected \"\(arguments[names.count])\"") }
        return arguments
    }
}
