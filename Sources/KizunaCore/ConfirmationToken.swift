/// A double opt-in confirmation token, `c-ID-DAY-MAC` (built and read by
/// `OwnAddress.confirmation`): the pending subscriber's id and the day the request was issued.
///
/// It expires after `lifetimeDays`; that it works only once is the lifecycle's business (a
/// confirmed subscriber ignores a second confirmation).
public enum ConfirmationToken {
    /// A token issued on day D is good on days D … D+6 and expired from D+7 on.
    public static let lifetimeDays = 7

    /// The outcome of reading a confirmation token.
    public enum Decoded: Hashable, Sendable {
        case valid(Int64)
        /// Genuine but older than the lifetime; carries the id so a new request can be offered.
        case expired(Int64)
        /// Looks like a confirmation token but the MAC does not match, or it claims to be issued
        /// in the future: never trusted.
        case forged
        /// Not a confirmation token.
        case none
    }
}
