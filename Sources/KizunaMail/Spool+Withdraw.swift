@preconcurrency import Glibc

extension Spool {
    /// Removes delivery `id` from `incoming`, `deferred` or `hold` because the ledger says it
    /// must not go out (the family stopped after it was queued). Returns whether a file was removed.
    /// Call it holding the send lock, like `recover()`.
    @discardableResult
    public func withdraw(deliveryID id: Int64) throws -> Bool {
        for state in [SpoolState.incoming, .deferred, .hold] {
            let file = path(state, id: id)
            if unlink(file) == 0 { return true }
            if errno != ENOENT {
                throw SpoolError(code: .io, message: "cannot withdraw delivery \(id) from \(state.rawValue): \(String(cString: strerror(errno)))")
            }
        }
        return false
    }
}
