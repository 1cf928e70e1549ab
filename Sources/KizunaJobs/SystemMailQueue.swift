import Foundation
import KizunaMail
import KizunaStore

/// System mail (replies, confirmations, the daily report) from the store into the spool. The
/// store keeps each message's bytes from the transaction that planned it until this has run,
/// so a crash in between never loses one: whoever runs next (poll, report) spools it then.
/// Callers hold the instance's `.batch.lock`, so two of them never spool the same row at once.
enum SystemMailQueue {
    /// Writes the messages not yet in the spool (one group commit), then marks all of them
    /// `queued` and drops their stored bytes.
    static func queue(_ mail: [PendingSystemMail], spool: any BatchSpool, ledger: any BatchLedger, now: Date) throws {
        guard !mail.isEmpty else { return }
        let missing = mail.filter { spool.state(ofDelivery: $0.deliveryID) == nil }
        if !missing.isEmpty {
            try spool.enqueue(missing.map {
                (SpoolEnvelope(deliveryID: $0.deliveryID, mailFrom: $0.content.mailFrom, rcptTo: $0.recipient,
                               firstQueued: Int(now.timeIntervalSince1970), edition: $0.edition), $0.content.bytes)
            })
        }
        try ledger.markSystemMailQueued(mail, at: now)
    }
}
