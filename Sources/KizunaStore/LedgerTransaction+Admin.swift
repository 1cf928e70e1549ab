import Foundation
import GRDB
import KizunaCore

/// The administrator's writes inside one transaction, so that a signed mail's commands are
/// committed together or not at all; each is the store's own operation of the same name.
extension LedgerTransaction {
    /// `Store.addSubscriber` inside this transaction.
    @discardableResult
    public func addSubscriber(_ s: NewSubscriber, today: CivilDate, at: Date, source: String) throws -> (subscriberID: Int64, subscriptionID: Int64) {
        try Store.addSubscriber(db, s, status: .active, today: today, at: at, source: source)
    }

    /// `Store.importSubscribers` inside this transaction.
    @discardableResult
    public func importSubscribers(_ rows: [NewSubscriber], today: CivilDate, at: Date, source: String) throws -> (added: Int, duplicates: Int) {
        try Store.importSubscribers(db, rows, today: today, at: at, source: source)
    }

    /// `Store.clearBounces` inside this transaction.
    public func clearBounces(subscriberID: Int64, reason: String, today: CivilDate, at: Date) throws -> Bool {
        try Store.clearBounces(db, subscriberID: subscriberID, reason: reason, today: today, at: at)
    }

    /// The subscriber with this address in the edition, as this transaction sees it.
    public func subscriber(address: EmailAddress, edition: String) throws -> SubscriberDetail? {
        guard let id = try subscriberID(address: address, edition: edition) else { return nil }
        return try Store.detail(db, id: id)
    }
}
