/// Where a subscriber (one address in one edition) stands.
public enum SubscriberStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Subscribed but not yet confirmed: nothing is sent but the confirmation request.
    case pending
    case active
    /// Paused until a date (`paused_until`); subscriptions keep their place.
    case paused
    /// Said stop, or was stopped by an administrator: nothing more is ever sent.
    case stopped
    /// Mail to the address bounces; sending is held until it is resolved.
    case bouncing
}

/// Where one subscription (one pregnancy or one child) stands.
public enum SubscriptionStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case active
    case stopped
    /// The track came to its end (the child grew up, or a pregnancy became a birth).
    case ended
}

/// Why a subscription ended (status `ended`); the raw value is the stored word. One vocabulary
/// for every path that ends a thread: a birth, a loss, and the end of the content.
public enum SubscriptionEndReason: String, Sendable, Codable, CaseIterable, Hashable, StoredWord {
    /// The pregnancy became a child's subscription (`born`).
    case born
    /// A loss was reported: nothing about this pregnancy or child is ever sent again.
    case loss
    /// A loss that did not say which child ended this one with the parent's others: the parent
    /// may have it resumed by naming it (`再開 ハナ`). When only one of them is left, it is the
    /// child who was lost, and its reason becomes `loss`.
    case lossUnattributed = "loss unattributed"
    /// The child turned 18: the oldest age Kizuna follows.
    case agedOut = "aged out"
    /// The catalog has no later message for the track (the farewell was the last mail).
    case catalogEnded = "catalog ended"
}

/// A family to be subscribed: an address in an edition, following one pregnancy or one child.
public struct NewSubscriber: Sendable, Hashable {
    public var address: EmailAddress
    public var edition: String
    public var language: String
    public var area: String?
    public var track: Track
    /// The due date for a pregnancy, the birth date for a child.
    public var anchor: CivilDate
    /// Cleaned with `cleanNickname` on the way in.
    public var nickname: String?

    public init(address: EmailAddress, edition: String, language: String, area: String? = nil,
                track: Track, anchor: CivilDate, nickname: String? = nil) {
        self.address = address; self.edition = edition; self.language = language; self.area = area
        self.track = track; self.anchor = anchor
        self.nickname = NewSubscriber.cleanNickname(nickname)
    }

    /// The longest nickname kept, in characters.
    public static let nicknameLimit = 40

    /// A nickname as it may be put in a message: blanks trimmed, control characters removed,
    /// at most 40 characters; nil when nothing is left.
    public static func cleanNickname(_ raw: String?) -> String? {
        guard let raw else { return nil }
        var kept = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator:
                continue
            case .format where scalar != "\u{200D}":
                // Bidi overrides and invisible characters can disguise a message's text; the
                // zero-width joiner is kept because emoji sequences (👨‍👩‍👧) need it.
                continue
            default:
                kept.append(scalar)
            }
        }
        let trimmed = String(kept).trimming(" \u{3000}")
        guard !trimmed.isEmpty else { return nil }
        guard trimmed.count > nicknameLimit else { return trimmed }
        return String(trimmed.prefix(nicknameLimit)).trimming(" \u{3000}")
    }

    /// How far ahead a due date may be: a pregnancy is followed from about week 4+6.
    public static let dueDateMaxDaysAhead = 300
    /// How long after the due date a pregnancy is still a pregnancy; later it is a birth.
    public static let dueDateMaxDaysPast = 42
    /// The oldest child followed, in years.
    public static let childMaxYears = 18

    /// Why a due date or birth date cannot start a subscription today; nil when it can.
    public static func validateAnchor(track: Track, anchor: CivilDate, today: CivilDate) -> AnchorProblem? {
        switch track {
        case .pregnancy:
            if anchor - today > dueDateMaxDaysAhead { return .dueDateTooFarAhead(anchor) }
            if today - anchor > dueDateMaxDaysPast { return .dueDatePassed(anchor) }
        case .child:
            if anchor > today { return .birthDateInFuture(anchor) }
            if anchor < today.adding(months: -12 * childMaxYears) { return .birthDateTooLongAgo(anchor) }
        }
        return nil
    }
}

/// Why a due date or birth date cannot start a subscription; the description tells the parent
/// or administrator exactly what is wrong and what to write instead.
public enum AnchorProblem: Error, Hashable, Sendable, CustomStringConvertible {
    case dueDateTooFarAhead(CivilDate)
    case dueDatePassed(CivilDate)
    case birthDateInFuture(CivilDate)
    case birthDateTooLongAgo(CivilDate)

    public var description: String {
        switch self {
        case .dueDateTooFarAhead(let d):
            return "the due date \(d) is more than \(NewSubscriber.dueDateMaxDaysAhead) days away; "
                + "check the year and write it as YYYY-MM-DD"
        case .dueDatePassed(let d):
            return "the due date \(d) is more than \(NewSubscriber.dueDateMaxDaysPast) days ago; "
                + "if the baby is born, give the birth date instead (birth, written as YYYY-MM-DD)"
        case .birthDateInFuture(let d):
            return "the birth date \(d) is in the future; "
                + "for a baby not yet born, give the due date instead (due, written as YYYY-MM-DD)"
        case .birthDateTooLongAgo(let d):
            return "the birth date \(d) is more than \(NewSubscriber.childMaxYears) years ago; "
                + "check the year and write it as YYYY-MM-DD"
        }
    }
}

extension String {
    /// The string without the given characters at either end.
    fileprivate func trimming(_ set: String) -> String {
        guard let first = firstIndex(where: { !set.contains($0) }) else { return "" }
        let last = lastIndex(where: { !set.contains($0) })!
        return String(self[first...last])
    }
}
