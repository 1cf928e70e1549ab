/// The envelope a spool file carries ahead of its message: who it is from and to, which
/// delivery of the ledger it is, and its retry history.
public struct SpoolEnvelope: Sendable, Equatable {
    public var deliveryID: Int64
    /// MAIL FROM in smtpPath form without `<>`; empty for the null sender.
    public var mailFrom: String
    /// RCPT TO in smtpPath form without `<>` (carrier local parts stay quoted).
    public var rcptTo: String
    public var attempts: Int
    /// Unix seconds when the message was first queued.
    public var firstQueued: Int
    /// Unix seconds before which a deferred message is not tried again.
    public var nextAttempt: Int
    /// The last server reply (or local error), one line.
    public var lastReply: String
    /// The edition the message is sent for, whose relay carries it; nil: the instance's relay
    /// (mail of no edition, such as the daily report, and files spooled before editions had relays).
    public var edition: String?

    public init(deliveryID: Int64, mailFrom: String, rcptTo: String, attempts: Int = 0,
                firstQueued: Int, nextAttempt: Int = 0, lastReply: String = "", edition: String? = nil) {
        self.edition = edition
        self.deliveryID = deliveryID
        self.mailFrom = mailFrom
        self.rcptTo = rcptTo
        self.attempts = attempts
        self.firstQueued = firstQueued
        self.nextAttempt = nextAttempt
        self.lastReply = lastReply
    }
}

/// The on-disk form of a spool file: `KIZUNA-SPOOL 1`, `key: value` lines, a blank line,
/// then the message bytes exactly as they go on the wire. `edition:` is written only when the
/// message has one, so a file without it is the same bytes as before editions had relays, and
/// a reader ignores lines it does not know (older files and older senders read each other's).
enum SpoolFileFormat {
    static let magic = "KIZUNA-SPOOL 1"

    enum ParseError: Error, CustomStringConvertible {
        case noMagic, noBlankLine, badLine(String), missing(String), badNumber(String)
        var description: String {
            switch self {
            case .noMagic: return "does not start with \"\(SpoolFileFormat.magic)\""
            case .noBlankLine: return "no blank line ends the envelope"
            case .badLine(let l): return "envelope line without \": \": \(l.prefix(80))"
            case .missing(let k): return "envelope has no \(k)"
            case .badNumber(let k): return "envelope \(k) is not a number"
            }
        }
    }

    /// One line, safe for the envelope: CR, LF and NUL become spaces.
    static func oneLine(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else { return s }
        return String(decoding: s.utf8.map { $0 == 13 || $0 == 10 || $0 == 0 ? 32 : $0 }, as: UTF8.self)
    }

    static func header(_ e: SpoolEnvelope) -> [UInt8] {
        var s = magic + "\n"
        s += "delivery: \(e.deliveryID)\n"
        s += "mail-from: \(oneLine(e.mailFrom))\n"
        s += "rcpt-to: \(oneLine(e.rcptTo))\n"
        s += "attempts: \(e.attempts)\n"
        s += "first-queued: \(e.firstQueued)\n"
        s += "next-attempt: \(e.nextAttempt)\n"
        s += "last-reply: \(oneLine(e.lastReply))\n"
        if let edition = e.edition { s += "edition: \(oneLine(edition))\n" }
        s += "\n"
        return Array(s.utf8)
    }

    /// Splits a spool file into its envelope and the offset where the message starts.
    static func parse(_ bytes: [UInt8]) throws -> (SpoolEnvelope, messageStart: Int) {
        let magicBytes = Array((magic + "\n").utf8)
        guard bytes.count >= magicBytes.count, bytes[0..<magicBytes.count].elementsEqual(magicBytes) else {
            throw ParseError.noMagic
        }
        var fields: [String: String] = [:]
        var lineStart = magicBytes.count
        var messageStart: Int?
        var i = lineStart
        while i < bytes.count {
            if bytes[i] == 10 {
                if i == lineStart { messageStart = i + 1; break }
                let line = String(decoding: bytes[lineStart..<i], as: UTF8.self)
                guard let colon = line.firstIndex(of: ":") else { throw ParseError.badLine(line) }
                var value = line[line.index(after: colon)...]
                if value.first == " " { value = value.dropFirst() }
                fields[String(line[..<colon])] = String(value)
                lineStart = i + 1
            }
            i += 1
        }
        guard let start = messageStart else { throw ParseError.noBlankLine }
        func text(_ k: String) throws -> String {
            guard let v = fields[k] else { throw ParseError.missing(k) }
            return v
        }
        func number(_ k: String) throws -> Int {
            guard let v = Int(try text(k)) else { throw ParseError.badNumber(k) }
            return v
        }
        guard let id = Int64(try text("delivery")) else { throw ParseError.badNumber("delivery") }
        let env = SpoolEnvelope(
            deliveryID: id, mailFrom: try text("mail-from"), rcptTo: try text("rcpt-to"),
            attempts: try number("attempts"), firstQueued: try number("first-queued"),
            nextAttempt: try number("next-attempt"), lastReply: try text("last-reply"),
            edition: fields["edition"].flatMap { $0.isEmpty ? nil : $0 })
        return (env, start)
    }
}
