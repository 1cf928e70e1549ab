/// The schedule each edition's families follow. An edition whose catalog overlay adds stages
/// (message keys the shared catalog does not have) follows its own: the shared stages and its
/// added ones. Every other edition follows the shared schedule. Whatever decides something for a
/// family — tonight's message, catch-up, the end of a track, the welcome, "next mail", whether a
/// new subscription is covered — asks the schedule of that family's edition, so an edition's
/// added stage never reaches another edition's families and never ends its own families' tracks early.
public struct EditionSchedules: Sendable, Hashable {
    /// The shared catalog's schedule.
    public let shared: Schedule
    /// The schedules of the editions whose overlay adds stages, by edition id.
    public let own: [String: Schedule]

    public init(shared: Schedule, own: [String: Schedule] = [:]) {
        self.shared = shared; self.own = own
    }

    /// The schedule the families of `editionID` follow.
    public func schedule(editionID: String) -> Schedule { own[editionID] ?? shared }
}
