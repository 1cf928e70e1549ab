/// A date given with a command: read, or the reason it could not be used.
public typealias DateArgument = Result<CivilDate, DateParseProblem>

/// What a parent asked for by email.
public enum MailCommand: Hashable, Sendable {
    case subscribe(SubscribeRequest)
    /// A reply to a confirmation request; the token as found (lower-cased), not yet verified.
    case confirm(token: String)
    case stop(StopScope)
    /// Pause, until a date (sending starts again that day) or until `resume`.
    case pause(until: DateArgument?)
    /// Resume: after a pause; or, naming a child, that child's messages after a loss ended several.
    case resume(ResumeTarget?)
    /// The baby is born on this date: the pregnancy subscription switches to the child track.
    case born(DateArgument)
    /// A corrected due date.
    case due(DateArgument)
    /// A loss: the subscriptions it may concern end for ever (see `LossKind`).
    case loss(LossKind)
    case status
    case help
    /// The parent's area, as written (`地域 北区`, `area kita`): set or changed to the declared area it names.
    case area(String)
    case unknown(UnknownReason)

    /// The command's name, as `kizuna inspect` prints it.
    public var name: String {
        switch self {
        case .subscribe: return "subscribe"
        case .confirm: return "confirm"
        case .stop: return "stop"
        case .pause: return "pause"
        case .resume: return "resume"
        case .born: return "born"
        case .due: return "due"
        case .loss: return "loss"
        case .status: return "status"
        case .help: return "help"
        case .area: return "area"
        case .unknown: return "unknown"
        }
    }
}

/// A subscribe command's arguments.
public struct SubscribeRequest: Hashable, Sendable {
    /// Pregnancy (due date) or child (birth date); nil when the date could not tell.
    public var track: Track?
    public var date: DateArgument
    public var nickname: String?
    /// `ja` or `en` when the parent chose one.
    public var language: ReplyLanguage?
    public var area: String?
    /// Addresses written in the command lines; a subscribe for any address but the sender's is refused.
    public var mentionedAddresses: [EmailAddress]

    public init(track: Track?, date: DateArgument, nickname: String? = nil, language: ReplyLanguage? = nil,
                area: String? = nil, mentionedAddresses: [EmailAddress] = []) {
        self.track = track; self.date = date; self.nickname = nickname; self.language = language
        self.area = area; self.mentionedAddresses = mentionedAddresses
    }
}

/// What a reported loss is, as far as the parent's words tell.
public enum LossKind: String, Hashable, Sendable {
    /// 流産, 死産, miscarriage, stillbirth, "lost the pregnancy": the pregnancy subscriptions end.
    case pregnancy
    /// 亡くなりました, 天使になりました, "passed away", "lost our baby": the words do not say which
    /// child, so every pregnancy and child subscription of the parent ends.
    case unspecified
}

/// Which child a `resume` names (`再開 ハナ`, `resume 2025-03-01`): by nickname, or by birth or due date.
public enum ResumeTarget: Hashable, Sendable {
    /// As written (width-folded); matched like a stop's nickname.
    case nickname(String)
    /// A birth or due date; `year` is nil when the parent left it out.
    case date(year: Int?, month: Int, day: Int)

    /// Whether the target names this subscription.
    public func names(nickname: String?, anchor: CivilDate) -> Bool {
        switch self {
        case .nickname(let name): return Lifecycle.sameNickname(nickname, name)
        case .date(let year, let month, let day):
            return anchor.month == month && anchor.day == day && (year == nil || year == anchor.year)
        }
    }
}

/// Which of a parent's subscriptions a stop applies to.
public enum StopScope: Hashable, Sendable {
    case all
    /// The child (or pregnancy) with this nickname; when none has it, the lifecycle stops all.
    case nickname(String)
}

/// Why a message is not a command.
public enum UnknownReason: Hashable, Sendable {
    /// Nothing to read (empty subject and body).
    case empty
    /// Text, but no command in it: the help reply.
    case noCommand
    /// A reply to one of our mails (daily or system: its In-Reply-To or References names our
    /// Message-ID, or its subject our bracketed name) with no command in its new text: chatter,
    /// recorded, not answered.
    case replyToDailyMessage
    /// Two different commands in one message (e.g. stop and resume): ask for one.
    case conflicting([String])
}

/// Where a command word was found.
public enum CommandSource: Hashable, Sendable, CustomStringConvertible {
    case subject
    /// A line of the new body text, 1-based among the non-empty lines read.
    case body(line: Int)
    /// The recipient's plus-address detail (`c-TOKEN`, `u-TOKEN`).
    case plusAddress
    /// A header that names an earlier message (`In-Reply-To`, `References`).
    case header(String)

    public var description: String {
        switch self {
        case .subject: return "subject"
        case .body(let n): return "body line \(n)"
        case .plusAddress: return "plus address"
        case .header(let name): return name
        }
    }
}

/// One piece of evidence for the decision, for `kizuna inspect`.
public struct CommandEvidence: Hashable, Sendable, CustomStringConvertible {
    public var source: CommandSource
    /// What was matched, as written (after width folding).
    public var matched: String
    /// What it was read as: `stop`, `date`, `nickname`, `ignored: quoted`, ….
    public var meaning: String

    public init(source: CommandSource, matched: String, meaning: String) {
        self.source = source; self.matched = matched; self.meaning = meaning
    }

    public var description: String { "\(source): \"\(matched)\" → \(meaning)" }
}

/// A message read as a command: the command, the language to reply in, and why.
public struct ParsedCommand: Hashable, Sendable {
    public var command: MailCommand
    /// The language the sender wrote in (or chose), for the reply; nil when the text does not tell.
    public var language: ReplyLanguage?
    public var why: [CommandEvidence]
    /// A verified-later `u-` token from the plus address (a List-Unsubscribe mailto), if any.
    public var unsubscribeToken: String?

    public init(command: MailCommand, language: ReplyLanguage?, why: [CommandEvidence], unsubscribeToken: String? = nil) {
        self.command = command; self.language = language; self.why = why; self.unsubscribeToken = unsubscribeToken
    }
}
