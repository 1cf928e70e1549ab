import Foundation
@preconcurrency import Glibc
import Logging

/// Where a spooled message is: the directory its file sits in.
public enum SpoolState: String, CaseIterable, Sendable, Hashable {
    case incoming, active, deferred, bounced, hold, corrupt
}

/// A message a sender has claimed: its file now sits in `active`, and the rename was the lock.
public struct ClaimedMessage: Sendable {
    public var envelope: SpoolEnvelope
    public var message: [UInt8]
    /// The file in `active`.
    public let path: String
}

/// What `Spool.enqueue` did with a batch.
public struct EnqueueResult: Sendable, Equatable {
    /// Delivery ids written and now durable in `incoming`.
    public var queued: [Int64]
    /// Delivery ids that were already in the spool (any state) and were left alone, so
    /// re-running a batch never queues a delivery twice.
    public var alreadyQueued: [Int64]
}

/// A spool operation that failed.
public struct SpoolError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable { case diskFull, sendLockHeld, invalidEnvelope, io }
    public let code: Code
    public let message: String

    public var description: String { message }
}

/// Kizuna's outgoing queue, laid out like Postfix's: plain files moved between state
/// directories by `rename(2)`, so the directory a file is in is its state and a crash leaves
/// each message in exactly one place. See DESIGN.md, "The spool".
///
/// Files are named `d<delivery id>` and hashed into 256 sub-directories (`00`…`ff`) of each
/// state directory, so a state lookup by delivery id is a handful of `lstat` calls.
/// Not thread-safe: one `Spool` per sending thread, and one sender per spool (see
/// `lockForSending`).
public final class Spool {
    public let root: URL
    private let rootPath: String
    private let logger: Logger

    static let bucketCount = 256
    /// Batches up to this size fsync each file; larger ones use one syncfs.
    static let fsyncEachLimit = 64
    private static let stateDirectories = SpoolState.allCases.map(\.rawValue)
    private static let statesBesidesIncoming = SpoolState.allCases.filter { $0 != .incoming }
    private static let otherDirectories = ["tmp", "inbound"]
    /// Where accepted messages wait to be unlinked: not a state (see `complete`).
    static let sentDirectory = "sent"

    // claimNext's cursor: a pass walks incoming's buckets, then deferred's.
    private var scanPhase: SpoolState = .incoming
    private var scanBucket = 0
    private var scanStream: DirectoryStream?
    /// Deliveries deferred since the current pass began: not claimed again until the next
    /// pass, even with a next attempt already due, so a pass always ends.
    private var deferredThisPass = Set<Int64>()

    /// Opens (creating when missing) the spool at `root`.
    public init(root: URL, logger: Logger = Logger(label: "kizuna.spool", factory: { _ in SwiftLogNoOpLogHandler() })) throws {
        self.root = root
        self.rootPath = root.path
        self.logger = logger
        try FileManager.default.createDirectory(atPath: rootPath, withIntermediateDirectories: true)
        for dir in Self.otherDirectories { try POSIX.mkdirIfMissing("\(rootPath)/\(dir)") }
        for dir in Self.stateDirectories + [Self.sentDirectory] {
            try POSIX.mkdirIfMissing("\(rootPath)/\(dir)")
            for b in 0..<Self.bucketCount { try POSIX.mkdirIfMissing("\(rootPath)/\(dir)/\(Self.bucketName(b))") }
        }
    }

    /// The directory holding fetched raw inbound messages until their effects are stored.
    public var inboundDirectory: URL { root.appendingPathComponent("inbound") }

    // MARK: - Names

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func bucketName(_ b: Int) -> String {
        String(decoding: [hexDigits[b >> 4], hexDigits[b & 15]], as: UTF8.self)
    }

    /// Consecutive delivery ids share a bucket in runs of 256 (65,536 ids fill the 256 buckets
    /// evenly). A sender claims bucket by bucket, so the outcomes it writes back land on
    /// neighbouring ledger rows: with ids hashed over the buckets, each batch of outcomes
    /// touched thousands of scattered table pages and the ledger writes slowed as it grew.
    /// Longer runs made directories so large that ext4's directory search dominated the send.
    static let bucketRun: Int64 = 256

    static func bucket(of id: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: id) / UInt64(bucketRun)) & 0xff)
    }

    static func fileName(_ id: Int64) -> String { "d\(id)" }

    static func deliveryID(fromFileName name: String) -> Int64? {
        guard name.hasPrefix("d") else { return nil }
        return Int64(name.dropFirst())
    }

    func directory(_ state: SpoolState, bucket: Int) -> String {
        "\(rootPath)/\(state.rawValue)/\(Self.bucketName(bucket))"
    }

    func path(_ state: SpoolState, id: Int64) -> String {
        "\(directory(state, bucket: Self.bucket(of: id)))/\(Self.fileName(id))"
    }

    private var tmpDirectory: String { "\(rootPath)/tmp" }

    // MARK: - Enqueue

    /// Writes a batch of messages and makes it durable with one group commit before any of it
    /// appears in `incoming`: each file is written to `tmp` (O_EXCL), the file system is synced
    /// once, each file is renamed into `incoming`, and the touched directories are fsynced.
    /// Only after this returns may the caller record the deliveries as queued. On failure
    /// (e.g. a full disk) nothing of the batch is left in `tmp` or `incoming`.
    @discardableResult
    public func enqueue(_ items: [(SpoolEnvelope, [UInt8])]) throws -> EnqueueResult {
        var seen = Set<Int64>()
        for (env, _) in items {
            guard seen.insert(env.deliveryID).inserted else {
                throw SpoolError(code: .invalidEnvelope, message: "delivery \(env.deliveryID) appears twice in one batch")
            }
            guard !env.rcptTo.isEmpty else {
                throw SpoolError(code: .invalidEnvelope, message: "delivery \(env.deliveryID) has no recipient")
            }
            for field in [env.mailFrom, env.rcptTo] where field.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) {
                throw SpoolError(code: .invalidEnvelope, message: "delivery \(env.deliveryID): address contains a line break")
            }
        }

        var result = EnqueueResult(queued: [], alreadyQueued: [])
        var written: [(id: Int64, tmp: String)] = []
        written.reserveCapacity(items.count)
        var renamed: [String] = []
        // Small batches keep their descriptors open and fsync each at the end; large ones
        // close as they go and sync the whole file system once (a million descriptors would
        // not fit, and syncfs also flushes whatever else is dirty on the disk).
        let fsyncEach = items.count <= Self.fsyncEachLimit
        var open: [(fd: Int32, path: String)] = []
        defer { for o in open { Glibc.close(o.fd) } }

        func rollBack() {
            for r in renamed { try? POSIX.unlink(r) }
            for w in written { try? POSIX.unlink(w.tmp) }
        }
        func wrap(_ error: Error, _ what: String) -> SpoolError {
            if let e = error as? SystemCallError {
                if e.isDiskFull {
                    return SpoolError(code: .diskFull, message: "the spool's disk is full (\(e)); \(what) was not queued and nothing of it was left behind")
                }
                return SpoolError(code: .io, message: "\(what) was not queued: \(e)")
            }
            return SpoolError(code: .io, message: "\(what) was not queued: \(error)")
        }
        let what = "a batch of \(items.count) message(s)"

        do {
            for (env, message) in items {
                // `incoming` is checked by the rename below (it refuses to replace a file), which
                // saves one of the look-ups that dominate the cost of writing a file here.
                if Self.statesBesidesIncoming.contains(where: { POSIX.exists(path($0, id: env.deliveryID)) }) {
                    result.alreadyQueued.append(env.deliveryID)
                    continue
                }
                let tmp = "\(tmpDirectory)/\(Self.fileName(env.deliveryID))"
                let fd = try POSIX.open(tmp, O_WRONLY | O_CREAT | O_EXCL)
                written.append((env.deliveryID, tmp))
                if fsyncEach { open.append((fd, tmp)) }
                do {
                    try POSIX.writeAll(fd, SpoolFileFormat.header(env), message, path: tmp)
                } catch {
                    if !fsyncEach { Glibc.close(fd) }
                    throw error
                }
                if !fsyncEach { try POSIX.close(fd, path: tmp) }
            }
            guard !written.isEmpty else { return result }

            // The group commit: nothing is renamed into incoming before all of it is on disk.
            let tmpFD = try POSIX.open(tmpDirectory, O_RDONLY | O_DIRECTORY)
            defer { Glibc.close(tmpFD) }
            if fsyncEach {
                for o in open { try POSIX.fsync(o.fd, path: o.path) }
                let all = open
                open.removeAll()
                for o in all { try POSIX.close(o.fd, path: o.path) }
            } else {
                try POSIX.syncFileSystem(tmpFD, path: tmpDirectory)
            }

            var buckets = Set<Int>()
            for w in written {
                let b = Self.bucket(of: w.id)
                let dest = "\(directory(.incoming, bucket: b))/\(Self.fileName(w.id))"
                do {
                    try POSIX.renameNoReplace(w.tmp, dest)
                } catch let e as SystemCallError where e.errno == EEXIST {
                    // Queued meanwhile by someone else: that copy stands.
                    try? POSIX.unlink(w.tmp)
                    result.alreadyQueued.append(w.id)
                    continue
                }
                renamed.append(dest)
                buckets.insert(b)
                result.queued.append(w.id)
            }
            for b in buckets.sorted() { try POSIX.fsyncDirectory(directory(.incoming, bucket: b)) }
            try POSIX.fsync(tmpFD, path: tmpDirectory)
        } catch {
            rollBack()
            throw wrap(error, what)
        }
        return result
    }

    // MARK: - State

    /// Where delivery `id` is in the spool, or nil when it is not there (never queued, or
    /// already sent and removed).
    public func state(ofDelivery id: Int64) -> SpoolState? {
        for s in SpoolState.allCases where POSIX.exists(path(s, id: id)) { return s }
        return nil
    }

    /// How many files each state directory holds.
    public func counts() -> [SpoolState: Int] {
        var out: [SpoolState: Int] = [:]
        for s in SpoolState.allCases {
            var n = 0
            for b in 0..<Self.bucketCount {
                guard let stream = DirectoryStream(path: directory(s, bucket: b)) else { continue }
                while stream.next() != nil { n += 1 }
            }
            out[s] = n
        }
        return out
    }

    // MARK: - Recovery

    /// Puts the spool back in order after a crash: every file in `active` returns to
    /// `incoming` and unfinished files in `tmp` are removed. Call at the start of a send,
    /// while holding `lockForSending()`, never while another sender runs.
    @discardableResult
    public func recover() throws -> (requeued: Int, removedTmp: Int) {
        var requeued = 0, removedTmp = 0
        var touched = Set<Int>()
        for b in 0..<Self.bucketCount {
            let activeDir = directory(.active, bucket: b)
            guard let stream = DirectoryStream(path: activeDir) else { continue }
            while let name = stream.next() {
                let from = "\(activeDir)/\(name)"
                do {
                    try POSIX.renameNoReplace(from, "\(directory(.incoming, bucket: b))/\(name)")
                    requeued += 1
                    touched.insert(b)
                } catch let e as SystemCallError where e.errno == EEXIST {
                    logger.warning("spool: \(name) is in both active and incoming; keeping the active copy in corrupt",
                                   metadata: ["spool.file": "\(from)"])
                    moveToCorrupt(from, name: name, bucket: b)
                }
            }
        }
        if let stream = DirectoryStream(path: tmpDirectory) {
            while let name = stream.next() {
                try POSIX.unlink("\(tmpDirectory)/\(name)")
                removedTmp += 1
            }
        }
        for b in touched.sorted() {
            try POSIX.fsyncDirectory(directory(.incoming, bucket: b))
            try POSIX.fsyncDirectory(directory(.active, bucket: b))
        }
        if removedTmp > 0 { try POSIX.fsyncDirectory(tmpDirectory) }
        if requeued > 0 || removedTmp > 0 {
            logger.notice("spool recovered", metadata: ["spool.requeued": "\(requeued)", "spool.removed_tmp": "\(removedTmp)"])
        }
        resetScan()
        return (requeued, removedTmp)
    }

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

    private func resetScan() {
        deferredThisPass.removeAll(keepingCapacity: true)
        scanStream = nil
        scanBucket = 0
        scanPhase = .incoming
    }

    private func moveToCorrupt(_ from: String, name: String, bucket: Int) {
        let dir = directory(.corrupt, bucket: bucket)
        var candidate = "\(dir)/\(name)"
        for n in 1...1000 {
            do {
                try POSIX.renameNoReplace(from, candidate)
                return
            } catch let e as SystemCallError where e.errno == EEXIST {
                candidate = "\(dir)/\(name).\(n)"
            } catch {
                logger.error("spool: cannot move \(from) to corrupt: \(error)")
                return
            }
        }
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
}

/// The spool's exclusive sender lock; released by `close()` or when it is deinitialized.
public final class SpoolLock {
    private var fd: Int32
    public let path: String

    init(path: String) throws {
        self.path = path
        do {
            fd = try POSIX.open(path, O_RDWR | O_CREAT, mode: 0o644)
        } catch {
            throw SpoolError(code: .io, message: "cannot open the send lock: \(error)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            let holder = (try? POSIX.readAll(fd, path: path)).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            Glibc.close(fd)
            if err == EWOULDBLOCK {
                throw SpoolError(code: .sendLockHeld,
                                 message: "another kizuna send is running on this spool (pid \(holder.isEmpty ? "unknown" : holder))")
            }
            throw SpoolError(code: .io, message: "cannot lock \(path): \(String(cString: strerror(err)))")
        }
        // The pid is only for the message above; the lock itself is the flock.
        _ = ftruncate(fd, 0)
        _ = try? POSIX.writeAll(fd, Array("\(getpid())\n".utf8), path: path)
    }

    /// Releases the lock now.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    deinit { close() }
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
