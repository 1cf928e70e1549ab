import Foundation
import KizunaCore

/// What `kizuna inspect` and the inbound ledger call a message: the classification's
/// `InboundKind`, or `unreadable` when the bytes are no message.
public enum InboundDecisionKind: String, Sendable, Codable, Equatable {
    case command, bounce, complaint, autoreply, other
    /// The bytes could not be parsed as a message.
    case unreadable

    public init(_ kind: InboundKind) {
        switch kind {
        case .command: self = .command
        case .bounce: self = .bounce
        case .complaint: self = .complaint
        case .autoreply: self = .autoreply
        case .other: self = .other
        }
    }

    /// The classification's kind; nil for an unreadable message.
    public var inboundKind: InboundKind? {
        switch self {
        case .command: .command
        case .bounce: .bounce
        case .complaint: .complaint
        case .autoreply: .autoreply
        case .other: .other
        case .unreadable: nil
        }
    }
}

/// What the poller decides about one message before it touches the store — the same
/// decision `kizuna inspect` prints (as JSON with these keys).
public struct InboundDecision: Sendable, Codable, Equatable {
    public struct CommandInfo: Sendable, Codable, Equatable {
        public var name: String
        public var arguments: [String: String]
    }

    public var kind: InboundDecisionKind
    /// Why the message is not read as a command (nil for a command).
    public var reason: String?
    public var from: String?
    public var messageID: String?
    public var edition: String?
    /// The decoded subject.
    public var subject: String
    /// The new text of the body (quoted earlier messages removed).
    public var text: String
    public var command: CommandInfo?
    public var language: String?
    /// The evidence for the command, one line each.
    public var why: [String]
    /// Whether the message may be answered at all (loop prevention; the daily limit comes later).
    public var mayReply: Bool
    public var defects: [String]
    /// Failed DMARC/SPF/DKIM results from the edition's trusted authserv-id (empty: none, or not checked).
    public var authenticationFailures: [String] = []

    enum CodingKeys: String, CodingKey {
        case kind, reason, from, command, language, why, subject, text, edition, defects
        case authenticationFailures = "authentication_failures"
        case messageID = "message_id", mayReply = "may_reply"
    }

    /// The decision as one JSON object, keys sorted; absent values are left out.
    public var jsonValue: JSONValue {
        func optional(_ key: String, _ value: String?) -> [JSONValue.Member] { value.map { [(key, .string($0))] } ?? [] }
        var o: [JSONValue.Member] = [
            ("kind", .string(kind.rawValue)), ("subject", .string(subject)), ("text", .string(text)), ("why", .array(why.map(JSONValue.string))),
            ("may_reply", .bool(mayReply)), ("defects", .array(defects.map(JSONValue.string))),
            ("authentication_failures", .array(authenticationFailures.map(JSONValue.string))),
        ]
        o += optional("reason", reason) + optional("from", from) + optional("message_id", messageID) + optional("edition", edition)
            + optional("language", language)
        if let command {
            o.append(("command", .object([("name", .string(command.name)),
                                          ("arguments", .object(command.arguments.map { ($0.key, .string($0.value)) }))])))
        }
        return .object(o)
    }

    public func json() -> String { jsonValue.serialized }
}

/// A message read for the poller: the decision, and what the lifecycle needs.
public struct InboundReading: Sendable {
    public var decision: InboundDecision
    public var parsed: ParsedCommand?
    public var sender: EmailAddress?
    public var edition: Edition?
    public var messageID: String?
    /// The parsed message (nil when unreadable), so that bounce analysis need not parse it again.
    public var message: IncomingMessage? = nil
    /// What its content says about a mail system's notice, when it was examined (nil: the
    /// header settled it), so that bounce analysis need not examine it again.
    public var notice: MailSystemNotice? = nil
    /// The OpenPGP a person's message carries (signed or encrypted), found before any command
    /// was read from it; the poller verifies it.
    public var pgp: PGPMail? = nil
    /// True when the message is an administrator's: encrypted, or its first line is shaped like
    /// one of the CLI's commands. Its text was then never read as a parent's command. A signed
    /// message without such a line (a parent whose mail client signs everything) is read as a
    /// parent's too, for the poller to use when the keyring does not hold its key.
    public var isAdministrators = false
    /// The editions whose address is among the recipients (To, Cc, Delivered-To, …): an
    /// administrator's mail acts on exactly one.
    public var addressedEditions: [String] = []
    /// The edition whose own mailbox the message was read from (it acts on that edition only); nil: a shared mailbox.
    public var mailboxEdition: String? = nil
    /// The edition the message was written to (it is then `edition` too) when it was read outside
    /// that edition's mailbox: in another edition's own mailbox, or in the shared one while that
    /// edition has its own. Of such mail only a stop or a loss report is acted on, for that
    /// edition; the rest is set aside (`EditionPlace`).
    public var outsideItsMailbox: String? = nil
}

/// Reads a raw message into a decision: classification (loop rules), the edition it was sent
/// to, and the command. No store, no I/O.
public enum InboundReader {
    /// `mailboxEdition`: the edition whose own mailbox the message was read from; the message
    /// is then that edition's whatever its To says.
    public static func read(_ bytes: [UInt8], editions: [Edition], today: CivilDate, mailboxEdition: String? = nil) -> InboundReading {
        read(bytes, editions: editions, dates: EditionDates(today), mailboxEdition: mailboxEdition)
    }

    /// Reads the message's dates on its edition's own date (`time_zone`): a year-less date, a
    /// due date "after today", a pause "until" are the parent's day, as the lifecycle's checks are.
    public static func read(_ bytes: [UInt8], editions: [Edition], dates: EditionDates, mailboxEdition: String? = nil) -> InboundReading {
        let message: IncomingMessage
        do {
            message = try IncomingMessage.parse(bytes)
        } catch {
            let d = InboundDecision(kind: .unreadable, reason: "\(error)", from: nil, messageID: nil, edition: nil, subject: "",
                                    text: "", command: nil, language: nil, why: [], mayReply: false, defects: [])
            return InboundReading(decision: d, parsed: nil, sender: nil, edition: nil, messageID: nil)
        }
        let subject = message.subject ?? ""

        // The edition: what the message was written or delivered to, and the mailbox it was read from (`EditionPlace`).
        let written = message.to.map(\.address) + message.cc.map(\.address)
        var recipients = written
        for name in ["Delivered-To", "X-Original-To", "Envelope-To"] {
            for v in message.headerValues(name) {
                let bare = v.trimmingBlanks().trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
                if let a = try? EmailAddress(parsing: bare) { recipients.append(a) }
            }
        }
        let addressed = editions.filter { e in recipients.contains { InboundClassifier.sameMailbox($0, e.address) } }.map(\.id)
        let place = EditionPlace.find(recipients: recipients, written: written, editions: editions, mailboxEdition: mailboxEdition)
        let edition = place.edition
        let plusDetail = place.plusDetail

        var returnPathNull = false
        if case .null? = message.returnPath { returnPathNull = true }
        var signals = InboundSignals(
            contentType: "\(message.contentType.type)/\(message.contentType.subtype)".lowercased(),
            reportType: message.contentType.parameters["report-type"]?.lowercased(),
            partTypes: message.parts.map { "\($0.contentType.type)/\($0.contentType.subtype)".lowercased() },
            autoSubmitted: message.header("Auto-Submitted"), precedence: message.header("Precedence"),
            hasAutoreplyHeader: message.header("X-Autoreply") != nil || message.header("X-Autorespond") != nil
                || (message.header("X-Auto-Response-Suppress").map { $0.lowercased().contains("oof") } ?? false),
            listID: message.header("List-Id"), nullReturnPath: returnPathNull,
            from: message.from?.address, messageID: message.messageID)
        let ourAddresses = editions.map(\.address)
        var classification = InboundClassifier.classify(signals, ours: ourAddresses)
        // The content is read only when the header did not settle it (a report, a complaint, a
        // daemon's mail, our own): the notice rule then decides before the header's weaker signs.
        let ours = message.from.map { InboundClassifier.isOurs($0.address, ours: ourAddresses) } ?? false
        if classification.kind != .bounce && classification.kind != .complaint && !ours {
            signals.notice = MailSystemNotice.examine(NoticeFacts(message))
            classification = InboundClassifier.classify(signals, ours: ourAddresses)
        }
        // Only a command's text is separated from the message it quotes (what the command reader
        // needs); reports and auto-replies show their text's beginning as it is.
        let newText = classification.kind == .command ? ReplyText.newContent(of: message.textBody ?? "")
                                                       : ReplyText.leadingLines(of: message.textBody ?? "")

        var decision = InboundDecision(
            kind: InboundDecisionKind(classification.kind), reason: classification.reason, from: message.from?.address.description,
            messageID: message.messageID, edition: edition?.id, subject: subject, text: newText, command: nil, language: nil,
            why: [], mayReply: classification.kind == .command, defects: message.defects)
        if let trusted = edition?.trustedAuthservID {
            decision.authenticationFailures = AuthenticationResults.failures(message.headerValues("Authentication-Results"), trusted: trusted)
        }
        var parsed: ParsedCommand?
        // A report or notice shows the content evidence weighed about it.
        var explainNotice = classification.kind == .bounce
        // An administrator's mail is recognised before any parent's command is read from it.
        var pgp: PGPMail?
        var isAdministrators = false
        if classification.kind == .command {
            pgp = PGPMail.find(in: bytes, message: message)
            let form = pgp?.form
            isAdministrators = form == .encrypted || form == .inlineMessage
                || AdminCommandShape.firstLineLooksLikeCommand(pgp?.clearsignedText ?? newText, edition: edition?.id ?? "")
            if isAdministrators {
                decision.kind = .other
                decision.reason = "an administrator's mail (\(form?.rawValue ?? "unsigned")): never read as a parent's command"
                decision.mayReply = false
            }
        }
        if classification.kind == .command && !isAdministrators {
            let replyTo = edition.flatMap {
                ReplyToOurMail.find(inReplyTo: message.inReplyTo, references: message.references, domain: $0.address.domain)
            }
            let today = edition.map { dates.date(edition: $0.id) } ?? dates.instance
            let p = CommandParser.parse(subject: subject, body: newText, plusDetail: plusDetail, replyTo: replyTo, today: today)
            if let notice = signals.notice, let unanswered = InboundClassifier.withoutCommand(p.command, notice: notice, text: newText) {
                classification = unanswered
                decision.kind = InboundDecisionKind(unanswered.kind)
                decision.reason = unanswered.reason
                decision.mayReply = false
                decision.text = ReplyText.leadingLines(of: message.textBody ?? "")
                explainNotice = true
            } else {
                parsed = p
                decision.command = .init(name: p.command.name, arguments: arguments(p.command))
                decision.language = p.language?.rawValue
                decision.why = p.why.map(\.description)
            }
        }
        if explainNotice, let notice = signals.notice { decision.why = notice.lines }
        return InboundReading(decision: decision, parsed: parsed, sender: message.from?.address, edition: edition,
                              messageID: message.messageID, message: message, notice: signals.notice, pgp: pgp,
                              isAdministrators: isAdministrators, addressedEditions: addressed,
                              mailboxEdition: editions.first { $0.id == mailboxEdition }?.id, outsideItsMailbox: place.outsideItsMailbox)
    }

    /// A command's arguments as text, for `inspect` and the ledger.
    static func arguments(_ c: MailCommand) -> [String: String] {
        func date(_ d: DateArgument) -> String {
            switch d {
            case .success(let v): return v.iso
            case .failure(let p): return "error: \(p.code)"
            }
        }
        var out: [String: String] = [:]
        switch c {
        case .subscribe(let r):
            out["date"] = date(r.date)
            if let t = r.track { out["track"] = t.rawValue }
            if let n = r.nickname { out["nickname"] = n }
            if let l = r.language { out["language"] = l.rawValue }
            if let a = r.area { out["area"] = a }
            if !r.mentionedAddresses.isEmpty { out["addresses"] = r.mentionedAddresses.map(\.description).joined(separator: ", ") }
        case .confirm(let token): out["token"] = token
        case .stop(.all): out["scope"] = "all"
        case .stop(.nickname(let n)): out["scope"] = "nickname"; out["nickname"] = n
        case .pause(let until): if let until { out["until"] = date(until) }
        case .born(let d): out["date"] = date(d)
        case .due(let d): out["date"] = date(d)
        case .unknown(let reason):
            switch reason {
            case .empty: out["reason"] = "empty"
            case .noCommand: out["reason"] = "no command"
            case .replyToDailyMessage: out["reason"] = "reply to our mail"
            case .conflicting(let names): out["reason"] = "conflicting: \(names.joined(separator: ", "))"
            }
        case .loss(let kind): out["kind"] = kind.rawValue
        case .area(let spelling): out["area"] = spelling
        case .resume(.nickname(let n)?): out["nickname"] = n
        case .resume(.date(let year, let month, let day)?):
            out["date"] = (year.map { "\($0)-" } ?? "") + "\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
        case .resume(nil), .status, .help: break
        }
        return out
    }
}
