/// Which edition a message is, from its recipients and the mailbox it was read from, and
/// whether it was read outside that edition's mailbox.
///
/// - An edition's own mailbox (`[edition.imap]`): that edition's, whatever its To says, unless
///   it was written (To, Cc) to another edition's address and not to its own: then it is that
///   other edition's, read outside its mailbox.
/// - The shared mailbox (`[imap]`) carries the editions without a mailbox of their own: the
///   message is the edition it was written to (To, Cc; one with a +detail first), or, written
///   to none, delivered to (Delivered-To, X-Original-To, Envelope-To). When only editions with
///   a mailbox of their own are named, it is one of those, read outside its mailbox. Named to
///   no edition: the first edition the shared mailbox carries.
///
/// Of mail read outside its edition's mailbox only a stop or a loss report, or the confirmation
/// of one held, is acted on (the care rule: a stop is honoured whenever a parent plausibly asked
/// for it); the rest is set aside for a person, and an administrator's mail there is never bound
/// to that edition (the To is not signed; an edition with its own mailbox takes administrators'
/// mail only there).
public struct EditionPlace {
    public var edition: Edition?
    /// The +detail of the recipient address that named the edition (`c-TOKEN`, `stop`, …).
    public var plusDetail: String?
    /// The edition's id when the message was read outside its mailbox.
    public var outsideItsMailbox: String?

    public static func find(recipients: [EmailAddress], written: [EmailAddress], editions: [Edition],
                            mailboxEdition: String?) -> EditionPlace {
        if let bound = mailboxEdition.flatMap({ id in editions.first { $0.id == id } }) {
            let writtenToIt = written.contains { InboundClassifier.sameMailbox($0, bound.address) }
            if !writtenToIt, let other = editions.first(where: { e in
                e.id != bound.id && written.contains { InboundClassifier.sameMailbox($0, e.address) }
            }) {
                return EditionPlace(edition: other, plusDetail: detail(recipients, other), outsideItsMailbox: other.id)
            }
            return EditionPlace(edition: bound, plusDetail: detail(recipients, bound), outsideItsMailbox: nil)
        }
        // What it was written to (To, Cc) first: in a shared mailbox the delivery headers
        // (Delivered-To, X-Original-To) name the shared mailbox's own address.
        let carried = editions.filter { $0.imap == nil }
        for candidates in [written, recipients] {
            if let (e, d) = addressed(candidates, among: carried) {
                return EditionPlace(edition: e, plusDetail: d ?? detail(recipients, e), outsideItsMailbox: nil)
            }
            if let (e, d) = addressed(candidates, among: editions) {
                return EditionPlace(edition: e, plusDetail: d ?? detail(recipients, e), outsideItsMailbox: e.id)
            }
        }
        guard let fallback = carried.first ?? editions.first else { return EditionPlace(edition: nil, plusDetail: nil, outsideItsMailbox: nil) }
        return EditionPlace(edition: fallback, plusDetail: nil, outsideItsMailbox: fallback.imap == nil ? nil : fallback.id)
    }

    /// The edition a recipient names: the last one that is an edition's address, unless one
    /// with a +detail comes first (that one then).
    static func addressed(_ recipients: [EmailAddress], among editions: [Edition]) -> (Edition, String?)? {
        var found: (Edition, String?)?
        for r in recipients {
            for e in editions where InboundClassifier.sameMailbox(r, e.address) {
                let d = InboundClassifier.plusDetail(of: r, edition: e.address)
                found = (e, d)
                if d != nil { return found }
            }
        }
        return found
    }

    /// The first +detail among the recipients that are the edition's address.
    static func detail(_ recipients: [EmailAddress], _ edition: Edition) -> String? {
        recipients.lazy.filter { InboundClassifier.sameMailbox($0, edition.address) }
            .compactMap { InboundClassifier.plusDetail(of: $0, edition: edition.address) }.first
    }
}
