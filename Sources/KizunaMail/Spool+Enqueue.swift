import Foundation
@preconcurrency import Glibc

/// A batch on its way into `incoming`: what is in `tmp` and what was renamed so far, so that a
/// failure can take all of it back, and the descriptors a small batch keeps open for its fsync.
private struct PendingBatch {
    /// Small batches keep their descriptors open and fsync each at the end; large ones close
    /// as they go and sync the whole file system once (a million descriptors would not fit,
    /// and syncfs also flushes whatever else is dirty on the disk).
    let fsyncEach: Bool
    var written: [(id: Int64, tmp: String)] = []
    var renamed: [String] = []
    var open: [(fd: Int32, path: String)] = []

    init(count: Int) {
        fsyncEach = count <= Spool.fsyncEachLimit
        written.reserveCapacity(count)
    }

    /// Removes every file of the batch from `tmp` and `incoming`.
    func rollBack() {
        for r in renamed { try? POSIX.unlink(r) }
        for w in written { try? POSIX.unlink(w.tmp) }
    }

    func closeOpenFiles() {
        for o in open { Glibc.close(o.fd) }
    }
}

extension Spool {
    /// Writes a batch of messages and makes it durable with one group commit before any of it
    /// appears in `incoming`: each file is written to `tmp` (O_EXCL), the file system is synced
    /// once, each file is renamed into `incoming`, and the touched directories are fsynced.
    /// Only after this returns may the caller record the deliveries as queued. On failure
    /// (e.g. a full disk) nothing of the batch is left in `tmp` or `incoming`.
    @discardableResult
    public func enqueue(_ items: [(SpoolEnvelope, [UInt8])]) throws -> EnqueueResult {
        try Self.validate(items)
        var result = EnqueueResult(queued: [], alreadyQueued: [])
        var batch = PendingBatch(count: items.count)
        defer { batch.closeOpenFiles() }
        do {
            try writeToTmp(items, &batch, &result)
            guard !batch.written.isEmpty else { return result }
            let tmpFD = try POSIX.open(tmpDirectory, O_RDONLY | O_DIRECTORY)
            defer { Glibc.close(tmpFD) }
            try makeDurable(&batch, tmpFD: tmpFD)
            try moveIntoIncoming(&batch, &result)
            try POSIX.fsync(tmpFD, path: tmpDirectory)
        } catch {
            batch.rollBack()
            throw Self.notQueued(error, what: "a batch of \(items.count) message(s)")
        }
        return result
    }

    /// Refuses a batch with a delivery twice, one without a recipient, or an address that
    /// would break the envelope's lines.
    private static func validate(_ items: [(SpoolEnvelope, [UInt8])]) throws {
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
    }

    /// Writes each message to `tmp` (O_EXCL), except those already in a state other than
    /// `incoming`, which go to `alreadyQueued`.
    private func writeToTmp(_ items: [(SpoolEnvelope, [UInt8])], _ batch: inout PendingBatch, _ result: inout EnqueueResult) throws {
        for (env, message) in items {
            // `incoming` is checked by the rename later (it refuses to replace a file), which
            // saves one of the look-ups that dominate the cost of writing a file here.
            if Self.statesBesidesIncoming.contains(where: { POSIX.exists(path($0, id: env.deliveryID)) }) {
                result.alreadyQueued.append(env.deliveryID)
                continue
            }
            let tmp = "\(tmpDirectory)/\(Self.fileName(env.deliveryID))"
            let fd = try POSIX.open(tmp, O_WRONLY | O_CREAT | O_EXCL)
            batch.written.append((env.deliveryID, tmp))
            if batch.fsyncEach { batch.open.append((fd, tmp)) }
            do {
                try POSIX.writeAll(fd, SpoolFileFormat.header(env), message, path: tmp)
            } catch {
                if !batch.fsyncEach { Glibc.close(fd) }
                throw error
            }
            if !batch.fsyncEach { try POSIX.close(fd, path: tmp) }
        }
    }

    /// The group commit: nothing is renamed into incoming before all of it is on disk.
    private func makeDurable(_ batch: inout PendingBatch, tmpFD: Int32) throws {
        guard batch.fsyncEach else {
            try POSIX.syncFileSystem(tmpFD, path: tmpDirectory)
            return
        }
        for o in batch.open { try POSIX.fsync(o.fd, path: o.path) }
        let all = batch.open
        batch.open.removeAll()
        for o in all { try POSIX.close(o.fd, path: o.path) }
    }

    /// Renames the batch's files into `incoming` and fsyncs the buckets it touched. A file
    /// queued meanwhile by someone else stands, and its copy in `tmp` goes.
    private func moveIntoIncoming(_ batch: inout PendingBatch, _ result: inout EnqueueResult) throws {
        var buckets = Set<Int>()
        for w in batch.written {
            let b = Self.bucket(of: w.id)
            let dest = "\(directory(.incoming, bucket: b))/\(Self.fileName(w.id))"
            do {
                try POSIX.renameNoReplace(w.tmp, dest)
            } catch let e as SystemCallError where e.errno == EEXIST {
                try? POSIX.unlink(w.tmp)
                result.alreadyQueued.append(w.id)
                continue
            }
            batch.renamed.append(dest)
            buckets.insert(b)
            result.queued.append(w.id)
        }
        for b in buckets.sorted() { try POSIX.fsyncDirectory(directory(.incoming, bucket: b)) }
    }

    private static func notQueued(_ error: Error, what: String) -> SpoolError {
        if let e = error as? SystemCallError {
            if e.isDiskFull {
                return SpoolError(code: .diskFull, message: "the spool's disk is full (\(e)); \(what) was not queued and nothing of it was left behind")
            }
            return SpoolError(code: .io, message: "\(what) was not queued: \(e)")
        }
        return SpoolError(code: .io, message: "\(what) was not queued: \(error)")
    }
}
