import Foundation
import KizunaMail

/// A lock a run holds until it closes it (or its process dies).
public protocol RunLock: AnyObject {
    func close()
}

extension SpoolLock: RunLock {}
extension InstanceLock: RunLock {}

/// The outgoing spool as a batch fills it: `Spool` in production, a double in tests.
public protocol BatchSpool: AnyObject {
    /// The instance's lock (poll, batch and report take it); throws when another run holds it.
    func lockInstance(purpose: String) throws -> any RunLock
    /// Where a delivery's file is; nil when it is not in the spool.
    func state(ofDelivery id: Int64) -> SpoolState?
    /// Makes the messages durable in `incoming` with one group commit.
    @discardableResult
    func enqueue(_ items: [(SpoolEnvelope, [UInt8])]) throws -> EnqueueResult
}

extension Spool: BatchSpool {
    public func lockInstance(purpose: String) throws -> any RunLock { try InstanceLock.forInstance(spool: self, purpose: purpose) }
}

/// The outgoing spool as a send drives it: `Spool` in production, an in-memory double in tests.
/// See `Spool` for what each step means on disk.
public protocol SendingSpool: AnyObject {
    /// The spool's one sender lock; throws when another send holds it.
    func lockSending() throws -> any RunLock
    /// Whether the last send stopped before it finished (its mark is still there).
    var sendWasInterrupted: Bool { get }
    /// Marks a send as under way, until `clearSendInProgress`.
    func markSendInProgress()
    func clearSendInProgress()
    /// Puts messages a dead sender left claimed back to be sent.
    func recover() throws -> (requeued: Int, removedTmp: Int)
    /// Where a delivery's file is; nil when it is not in the spool.
    func state(ofDelivery id: Int64) -> SpoolState?
    /// Removes a queued delivery's file; false when there was none to remove.
    func withdraw(deliveryID id: Int64) throws -> Bool
    /// The next message due at `now` (seconds since 1970), claimed for this sender.
    func claimNext(now: Int) -> ClaimedMessage?
    /// Accepted (250): the message leaves the spool.
    func complete(_ claimed: ClaimedMessage) throws
    /// Deferred: tried again at `nextAttempt`.
    func deferMessage(_ claimed: ClaimedMessage, reply: String, nextAttempt: Int) throws
    /// Failed for good: kept in `bounced`.
    func bounceMessage(_ claimed: ClaimedMessage, reply: String) throws
    /// Files per state.
    func counts() -> [SpoolState: Int]
    /// The accepted messages' files still to unlink, when the spool keeps any.
    var acceptedFiles: SentTombstones? { get }
}

extension Spool: SendingSpool {
    public func lockSending() throws -> any RunLock { try lockForSending() }

    public var acceptedFiles: SentTombstones? { tombstones }
}
