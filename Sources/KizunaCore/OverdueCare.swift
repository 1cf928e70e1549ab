/// How Kizuna cares for families on the paths no message covers (`[care]` in the configuration).
public struct CareConfiguration: Sendable, Hashable {
    /// Days after the due date with no birth reported before one neutral check-in mail is sent
    /// (it asks for the birth date and says how to stop); 0: never.
    public var overdueCheckInDays: Int
    /// Days after the due date with no birth reported before the pregnancy subscription switches
    /// to the child track with the due date as the assumed birth date; 0: never.
    public var autoSwitchDays: Int

    public init(overdueCheckInDays: Int = 7, autoSwitchDays: Int = 0) {
        self.overdueCheckInDays = overdueCheckInDays; self.autoSwitchDays = autoSwitchDays
    }

    /// What the overdue care decides for a pregnancy subscription on a night.
    public var overdue: OverdueCare { OverdueCare(checkInDays: overdueCheckInDays, autoSwitchDays: autoSwitchDays) }
}

/// What the night does about a pregnancy whose due date has passed with no birth reported.
public enum OverdueAction: Sendable, Hashable {
    /// Send the one neutral check-in: how to report the birth date, how to stop, whom to contact.
    case checkIn
    /// Switch to the child track with this assumed birth date (the due date).
    case assumeBirth(CivilDate)
}

/// The overdue decision, pure: a pregnancy past its due date by `checkInDays` gets one check-in;
/// by `autoSwitchDays` (when set) it switches to the child track with birth = due date. The
/// switch wins when both are due on one night (its first child message says what was assumed
/// and how to correct it, which is what the check-in would have asked).
///
/// Only subscriptions that receive mail tonight are asked about: an active pregnancy of an
/// active subscriber (or one whose pause has ended). A paused one is asked again on the first
/// night it receives mail; a stopped, bouncing or ended one (a loss) never.
public struct OverdueCare: Sendable, Hashable {
    public var checkInDays: Int
    public var autoSwitchDays: Int

    public init(checkInDays: Int, autoSwitchDays: Int) {
        self.checkInDays = checkInDays; self.autoSwitchDays = autoSwitchDays
    }

    /// Whether anything is ever decided (both settings 0: the night skips the step).
    public var isEnabled: Bool { checkInDays > 0 || autoSwitchDays > 0 }

    /// The latest due date that may need a decision on `today`: nothing due after it is overdue enough.
    public func latestDue(on today: CivilDate) -> CivilDate? {
        let days = [checkInDays, autoSwitchDays].filter { $0 > 0 }
        return days.min().map { today.adding(days: -$0) }
    }

    /// Tonight's action for a pregnancy with this due date; `checkInSent` says whether its
    /// check-in is already in the ledger (it is sent once per subscription).
    public func decide(due: CivilDate, today: CivilDate, checkInSent: Bool) -> OverdueAction? {
        let overdue = today - due
        if autoSwitchDays > 0, overdue >= autoSwitchDays { return .assumeBirth(due) }
        if checkInDays > 0, overdue >= checkInDays, !checkInSent { return .checkIn }
        return nil
    }

    /// The ledger's message key of the check-in (one per subscription, by the ledger's unique index).
    public static let checkInKey = "care/overdue-check-in"
}
