/// A command that would change a confirmed parent's subscriptions, held because its message
/// failed DMARC/SPF/DKIM at the edition's trusted mail server: the From address may be forged.
/// The parent is asked to confirm it by replying (the confirmation token in the reply proves the
/// mailbox is theirs); it is carried out then, or never.
public struct HeldCommand: Hashable, Sendable {
    public var command: MailCommand
    /// The day it was held; a confirmation later than the token lifetime finds it expired.
    public var day: CivilDate
    /// The held message's Message-ID, for the consent record.
    public var messageID: String?

    public init(command: MailCommand, day: CivilDate, messageID: String?) {
        self.command = command; self.day = day; self.messageID = messageID
    }

    public func isExpired(today: CivilDate) -> Bool { today.dayNumber - day.dayNumber >= ConfirmationToken.lifetimeDays }
}

extension MailCommand {
    /// The command as the store keeps it while it waits for confirmation — one line of words,
    /// `born 2027-05-01`, `stop nickname=はな`, `subscribe child 2027-05-01 language=en` — or
    /// nil for a command that changes nothing (status, help, unknown, a date that could not be
    /// read), which is never held.
    public var heldForm: String? {
        func field(_ key: String, _ value: String?) -> String? { value.map { "\(key)=\(Self.escape($0))" } }
        switch self {
        case .subscribe(let r):
            guard case .success(let date) = r.date else { return nil }
            return (["subscribe", (r.track ?? .pregnancy).rawValue, date.iso]
                + [field("nickname", r.nickname), field("language", r.language?.rawValue), field("area", r.area)].compactMap { $0 })
                .joined(separator: " ")
        case .stop(.all): return "stop"
        case .stop(.nickname(let name)): return "stop " + field("nickname", name)!
        case .pause(nil): return "pause"
        case .pause(.success(let d)?): return "pause \(d.iso)"
        case .resume(nil): return "resume"
        case .resume(.nickname(let name)?): return "resume " + field("nickname", name)!
        case .resume(.date(let year, let month, let day)?):
            func padded(_ n: Int, _ width: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
            return "resume date=" + (year.map { padded($0, 4) + "-" } ?? "--") + padded(month, 2) + "-" + padded(day, 2)
        case .born(.success(let d)): return "born \(d.iso)"
        case .due(.success(let d)): return "due \(d.iso)"
        case .loss(let kind): return "loss kind=\(kind.rawValue)"
        case .area(let spelling): return "area " + field("area", spelling)!
        case .pause(.failure?), .born(.failure), .due(.failure), .confirm, .status, .help, .unknown: return nil
        }
    }

    /// Reads `heldForm` back; nil for anything else.
    public init?(heldForm: String) {
        let words = heldForm.split(separator: " ").map(String.init)
        guard let verb = words.first else { return nil }
        var fields: [String: String] = [:]
        var plain: [String] = []
        for w in words.dropFirst() {
            if let eq = w.firstIndex(of: "=") {
                fields[String(w[..<eq])] = Self.unescape(String(w[w.index(after: eq)...]))
            } else {
                plain.append(w)
            }
        }
        let date = plain.last.flatMap(CivilDate.init(iso:))
        switch (verb, plain.count) {
        case ("subscribe", 2):
            guard let track = Track(rawValue: plain[0]), let date else { return nil }
            self = .subscribe(SubscribeRequest(track: track, date: .success(date), nickname: fields["nickname"],
                                               language: fields["language"].flatMap(ReplyLanguage.init(rawValue:)), area: fields["area"]))
        case ("stop", 0): self = .stop(fields["nickname"].map(StopScope.nickname) ?? .all)
        case ("pause", 0): self = .pause(until: nil)
        case ("pause", 1): guard let date else { return nil }; self = .pause(until: .success(date))
        case ("resume", 0):
            if let name = fields["nickname"] {
                self = .resume(.nickname(name))
            } else if let date = fields["date"] {
                // `2025-03-01`, or `--03-01` without a year.
                let parts = date.split(separator: "-", omittingEmptySubsequences: false)
                guard parts.count == 4 || parts.count == 3, let month = Int(parts[parts.count - 2]), let day = Int(parts[parts.count - 1]) else { return nil }
                self = .resume(.date(year: parts.count == 3 ? Int(parts[0]) : nil, month: month, day: day))
            } else {
                self = .resume(nil)
            }
        case ("area", 0): guard let spelling = fields["area"] else { return nil }; self = .area(spelling)
        case ("born", 1): guard let date else { return nil }; self = .born(.success(date))
        case ("due", 1): guard let date else { return nil }; self = .due(.success(date))
        // A bare `loss` was held before losses had kinds: its words may have been either, and
        // the kind that ends every child's messages is the one that cannot hurt.
        case ("loss", 0): self = .loss(fields["kind"].flatMap(LossKind.init(rawValue:)) ?? .unspecified)
        default: return nil
        }
    }

    /// Percent-escapes what would split a word or a field.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "%", "=", " ", "\t", "\n", "\r": out += "%" + (c.value < 16 ? "0" : "") + String(c.value, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func unescape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = s.unicodeScalars[...]
        while let c = scalars.popFirst() {
            if c == "%", scalars.count >= 2, let v = UInt8(String(String.UnicodeScalarView(scalars.prefix(2))), radix: 16) {
                out.append(Unicode.Scalar(v))
                scalars.removeFirst(2)
            } else {
                out.append(c)
            }
        }
        return String(out)
    }
}
