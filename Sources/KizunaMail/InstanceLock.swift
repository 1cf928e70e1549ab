import Foundation
@preconcurrency import Glibc

/// Why the instance's lock was not taken.
public enum InstanceLockError: Error, CustomStringConvertible, Sendable {
    /// The lock file could not be opened or created, for the system's `reason`.
    case cannotOpen(path: String, reason: String)
    /// Another run holds the lock; `holder` is its pid as the lock file says, or "unknown".
    case held(purpose: String, holder: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the lock file \(path): \(reason)"
        case .held(let purpose, let holder): "another kizuna \(purpose) is running on this instance (pid \(holder)); not starting a second one"
        }
    }
}

/// The instance's lock: an exclusive `flock` on a file, so that two `kizuna nightly` or
/// `batch` runs never work on one instance at once. Released on `close()` or deinit (and by
/// the kernel if the process dies).
public final class InstanceLock {
    private let lock: PIDLock

    /// Takes the lock or throws an `InstanceLockError` naming the holder. With `wait` > 0, a
    /// lock that is held is tried again for up to that many seconds before giving up.
    public init(path: String, purpose: String, wait: TimeInterval = 0) throws(InstanceLockError) {
        do {
            lock = try PIDLock(path: path, wait: wait)
        } catch {
            switch error {
            case .open(let e): throw .cannotOpen(path: path, reason: String(cString: strerror(e.errno)))
            case .refused(_, let holder): throw .held(purpose: purpose, holder: holder.isEmpty ? "unknown" : holder)
            }
        }
    }

    public func close() { lock.close() }
}
