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

/// An exclusive, non-blocking `flock` on a file, so that two `kizuna nightly` or `batch`
/// runs never work on one instance at once. Released on `close()` or deinit (and by the
/// kernel if the process dies).
public final class InstanceLock {
    private var fd: Int32

    /// Takes the lock or throws an `InstanceLockError` naming the holder. With `wait` > 0, a
    /// lock that is held is tried again for up to that many seconds before giving up.
    public init(path: String, purpose: String, wait: TimeInterval = 0) throws(InstanceLockError) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let deadline = Date(timeIntervalSinceNow: wait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0, errno == EWOULDBLOCK, Date() < deadline {
            usleep(200_000)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buf, 32, 0)
            let holder = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "unknown"
            Glibc.close(fd)
            throw .held(purpose: purpose, holder: holder)
        }
        _ = ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    deinit { close() }
}
