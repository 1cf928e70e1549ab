import Foundation
@preconcurrency import Glibc

extension Spool {
    // MARK: - Claiming

    /// Claims the next message to send: `incoming` first, then `deferred` files whose next
    /// attempt is due (≤ `now`). The file moves to `active`. Returns nil when a full pass found
    /// nothing; the following call starts a new pass. A file that cannot be parsed is moved
    /// to `corrupt` (kept for a human) and skipped.
    ///
    /// Directories are read lazily, one bucket's stream at a time, so each call costs a few
    /// system calls however large the spool is.
    public func claimNext(now: Int) -> ClaimedMessage? {
        while scanPhase != .active {
            if scanStream == nil {
                scanStream = DirectoryStream(path: directory(scanPhase, bucket: scanBucket))
                if scanStream == nil { advanceBucket(); continue }
            }
            guard let name = scanStream!.next() else {
                scanStream = nil
                advanceBucket()
                continue
            }
            let bucket = scanBucket
            let dir = directory(scanPhase, bucket: bucket)
            let from = "\(dir)/\(name)"
            guard let id = Self.deliveryID(fromFileName: name) else {
                logger.warning("spool: unexpected file name, moved to corrupt", metadata: ["spool.file": "\(from)"])
                moveToCorrupt(from, name: name, bucket: bucket)
                continue
            }
            if scanPhase == .deferred {
                // The next attempt lives in the mtime (as in Postfix): a stat decides, no read.
                if deferredThisPass.contains(id) { continue }
                var st = stat()
                guard lstat(from, &st) == 0 else { continue }
                if Int(st.st_mtim.tv_sec) > now { continue }
            }
            let to = "\(directory(.active, bucket: bucket))/\(name)"
            if Glibc.rename(from, to) != 0 {
                if errno != ENOENT {
                    logger.warning("spool: cannot claim \(name): \(String(cString: strerror(errno)))")
                }
                continue
            }
            let bytes: [UInt8]
            do {
                bytes = try POSIX.readFile(to)
            } catch {
                logger.warning("spool: cannot read claimed file, moved to corrupt: \(error)", metadata: ["spool.file": "\(to)"])
                moveToCorrupt(to, name: name, bucket: bucket)
                continue
            }
            let envelope: SpoolEnvelope, start: Int
            do {
                (envelope, start) = try SpoolFileFormat.parse(bytes)
            } catch {
                logger.warning("spool: unreadable envelope, moved to corrupt: \(error)", metadata: ["spool.file": "\(to)"])
                moveToCorrupt(to, name: name, bucket: bucket)
                continue
            }
            if scanPhase == .deferred && envelope.nextAttempt > now {
                // The mtime said due but the envelope, which is authoritative, says not yet.
                _ = Glibc.rename(to, from)
                continue
            }
            return ClaimedMessage(envelope: envelope, message: Array(bytes[start...]), path: to)
        }
        resetScan()
        return nil
    }

    private func advanceBucket() {
        scanBucket += 1
        if scanBucket == Self.bucketCount {
            scanBucket = 0
            scanPhase = scanPhase == .incoming ? .deferred : .active  // .active marks the pass's end
        }
    }

    func resetScan() {
        deferredThisPass.removeAll(keepingCapacity: true)
        scanStream = nil
        scanBucket = 0
        scanPhase = .incoming
    }

    // MARK: - Outcomes

    /// The server took the message (a 250): the file goes; the ledger keeps the record.
    ///
    /// The file leaves the spool's states at once by a rename into `sent/`, which no state scan,
    /// lookup or recovery reads: to all of them it is gone, exactly as if unlinked, and a crash
    /// leaves it there harmlessly. `tombstones.purge()` unlinks it later, off the sending thread:
    /// on ext4 an unlink costs about 15 times a rename and was the send loop's largest cost.
    public func complete(_ claimed: ClaimedMessage) throws {
        let id = claimed.envelope.deliveryID
        try POSIX.rename(claimed.path, "\(rootPath)/\(Self.sentDirectory)/\(Self.bucketName(Self.bucket(of: id)))/\(Self.fileName(id))")
    }

    /// The accepted messages' files waiting in `sent/` to be removed.
    public var tombstones: SentTombstones { SentTombstones(path: "\(rootPath)/\(Self.sentDirectory)") }

    /// A temporary failure: attempts+1, the next attempt and the reply are written into the
    /// envelope (atomically, in place) and the file moves to `deferred`.
    public func deferMessage(_ claimed: ClaimedMessage, reply: String, nextAttempt: Int) throws {
        var env = claimed.envelope
        env.attempts += 1
        env.nextAttempt = nextAttempt
        env.lastReply = reply
        try rewrite(claimed, envelope: env, mtime: nextAttempt)
        try move(claimed.path, to: .deferred, id: env.deliveryID)
        deferredThisPass.insert(env.deliveryID)
    }

    /// A permanent failure (5xx): the reply is recorded and the file moves to `bounced`.
    public func bounceMessage(_ claimed: ClaimedMessage, reply: String) throws {
        var env = claimed.envelope
        env.attempts += 1
        env.lastReply = reply
        try rewrite(claimed, envelope: env, mtime: nil)
        try move(claimed.path, to: .bounced, id: env.deliveryID)
    }

    /// Puts a claimed message on hold for the operator.
    public func hold(_ claimed: ClaimedMessage) throws {
        try move(claimed.path, to: .hold, id: claimed.envelope.deliveryID)
    }

    /// Puts delivery `id` on hold when it waits in `incoming` or `deferred`; returns whether it did.
    @discardableResult
    public func hold(deliveryID id: Int64) throws -> Bool {
        for s in [SpoolState.incoming, .deferred] where POSIX.exists(path(s, id: id)) {
            try move(path(s, id: id), to: .hold, id: id)
            return true
        }
        return false
    }

    /// Returns delivery `id` from `hold` to `incoming`; returns whether it was held.
    @discardableResult
    public func release(deliveryID id: Int64) throws -> Bool {
        let held = path(.hold, id: id)
        guard POSIX.exists(held) else { return false }
        try move(held, to: .incoming, id: id)
        return true
    }

    private func move(_ from: String, to state: SpoolState, id: Int64) throws {
        do {
            try POSIX.renameNoReplace(from, path(state, id: id))
        } catch {
            throw SpoolError(code: .io, message: "cannot move delivery \(id) to \(state.rawValue): \(error)")
        }
    }

    /// Replaces the claimed file with one carrying `envelope`: written beside in `tmp`, synced,
    /// then renamed over the file in `active`, so a crash leaves the old or the new file.
    private func rewrite(_ claimed: ClaimedMessage, envelope: SpoolEnvelope, mtime: Int?) throws {
        let tmp = "\(tmpDirectory)/\(Self.fileName(envelope.deliveryID)).rewrite"
        do {
            let fd = try POSIX.open(tmp, O_WRONLY | O_CREAT | O_TRUNC)
            do {
                try POSIX.writeAll(fd, SpoolFileFormat.header(envelope), path: tmp)
                try POSIX.writeAll(fd, claimed.message, path: tmp)
                if let m = mtime { try POSIX.setTimes(fd, seconds: m, path: tmp) }
                try POSIX.fsync(fd, path: tmp)
            } catch {
                Glibc.close(fd)
                throw error
            }
            try POSIX.close(fd, path: tmp)
            try POSIX.rename(tmp, claimed.path)
        } catch {
            try? POSIX.unlink(tmp)
            if let e = error as? SystemCallError, e.isDiskFull {
                throw SpoolError(code: .diskFull, message: "the spool's disk is full: cannot record the outcome of delivery \(envelope.deliveryID) (\(e))")
            }
            throw SpoolError(code: .io, message: "cannot record the outcome of delivery \(envelope.deliveryID): \(error)")
        }
    }

    // MARK: - The sender's lock

    /// Takes the spool's exclusive sender lock (`flock` on `root/.send.lock`, non-blocking).
    /// Throws `SpoolError(.sendLockHeld)` naming the holder's pid when another sender runs.
    public func lockForSending() throws -> SpoolLock {
        try SpoolLock(path: "\(rootPath)/.send.lock")
    }

    // MARK: - The send marker

    /// A send's mark: `.send.in-progress` in the spool's root, holding the sender's pid.
    var sendMarker: String { root.appendingPathComponent(".send.in-progress").path }
    /// Whether the last send stopped before it finished (its mark is still there).
    public var sendWasInterrupted: Bool { FileManager.default.fileExists(atPath: sendMarker) }
    /// Marks a send as under way, until `clearSendInProgress`.
    public func markSendInProgress() {
        _ = FileManager.default.createFile(atPath: sendMarker, contents: Array("\(getpid())\n".utf8).withUnsafeBytes { Data($0) })
    }
    public func clearSendInProgress() { try? FileManager.default.removeItem(atPath: sendMarker) }
}

/// The spool's exclusive sender lock; released by `close()` or when it is deinitialized.
public final class SpoolLock {
    private let lock: PIDLock
    public let path: String

    init(path: String) throws {
        self.path = path
        do {
            lock = try PIDLock(path: path)
        } catch {
            switch error {
            case .open(let e):
                throw SpoolError(code: .io, message: "cannot open the send lock: \(e)")
            case .refused(EWOULDBLOCK, let holder):
                throw SpoolError(code: .sendLockHeld,
                                 message: "another kizuna send is running on this spool (pid \(holder.isEmpty ? "unknown" : holder))")
            case .refused(let err, _):
                throw SpoolError(code: .io, message: "cannot lock \(path): \(String(cString: strerror(err)))")
            }
        }
    }

    /// Releases the lock now.
    public func close() { lock.close() }
}

/// The files of accepted messages in `spool/sent`, kept only until they are unlinked.
/// Safe to purge from any thread, also while a sender completes more messages.
public struct SentTombstones: Sendable {
    let path: String

    /// Unlinks every file now in `sent/`; returns how many.
    @discardableResult
    public func purge() -> Int {
        var removed = 0
        for b in 0..<Spool.bucketCount {
            let dir = "\(path)/\(Spool.bucketName(b))"
            guard let stream = DirectoryStream(path: dir) else { continue }
            while let name = stream.next() {
                if Glibc.unlink("\(dir)/\(name)") == 0 { removed += 1 }
            }
        }
        return removed
    }
}
