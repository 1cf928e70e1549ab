import Foundation
@preconcurrency import Glibc

/// An exclusive `flock` on a file that holds the holder's pid, for the message a second run
/// prints (the lock itself is the flock). Released by `close()`, on deinit, or by the kernel
/// when the process dies. `InstanceLock` and `SpoolLock` are its two uses.
final class PIDLock {
    /// Why the lock was not taken.
    enum Failure: Error {
        /// The lock file could not be opened or created.
        case open(SystemCallError)
        /// `flock` refused with `errno` (EWOULDBLOCK: another process holds the lock);
        /// `holder` is the pid the file names, empty when it names none.
        case refused(errno: Int32, holder: String)
    }

    private var fd: Int32

    /// Takes the lock; while another process holds it, tries again every 0.2 s for up to
    /// `wait` seconds.
    init(path: String, wait: TimeInterval = 0) throws(Failure) {
        do {
            fd = try POSIX.open(path, O_RDWR | O_CREAT, mode: 0o644)
        } catch {
            throw .open(error)
        }
        // Monotonic: a wall-clock step while waiting must not stretch or cut the wait.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(wait))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            guard err == EWOULDBLOCK, clock.now < deadline else {
                let holder = (try? POSIX.readAll(fd, path: path)).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
                // Not Glibc.close: deinit runs after a throw here and must not close it again.
                close()
                throw .refused(errno: err, holder: holder)
            }
            usleep(200_000)
        }
        _ = ftruncate(fd, 0)
        _ = try? POSIX.writeAll(fd, Array("\(getpid())\n".utf8), path: path)
    }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    deinit { close() }
}
