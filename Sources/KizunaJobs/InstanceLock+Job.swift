import Foundation
import KizunaMail

extension InstanceLock {
    /// The lock that `poll`, `batch` and `report` take on an instance (`spool/.batch.lock`).
    /// Throws a `JobError`: 75 when another run holds it, 73 when its file cannot be opened.
    static func forInstance(spool: Spool, purpose: String, wait: TimeInterval = 0) throws -> InstanceLock {
        do {
            return try InstanceLock(path: spool.root.appendingPathComponent(".batch.lock").path, purpose: purpose, wait: wait)
        } catch {
            guard case .held = error else { throw JobError(error.description, exitCode: ExitStatus.cannotCreate) }
            throw JobError(error.description, exitCode: ExitStatus.locked)
        }
    }
}
