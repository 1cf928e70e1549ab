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
    let rootPath: String
    let logger: Logger

    static let bucketCount = 256
    /// Batches up to this size fsync each file; larger ones use one syncfs.
    static let fsyncEachLimit = 64
    private static let stateDirectories = SpoolState.allCases.map(\.rawValue)
    static let statesBesidesIncoming = SpoolState.allCases.filter { $0 != .incoming }
    private static let otherDirectories = ["tmp", "inbound"]
    /// Where accepted messages wait to be unlinked: not a state (see `complete`).
    static let sentDirectory = "sent"

    // claimNext's cursor (Spool+Send.swift): a pass walks incoming's buckets, then deferred's.
    var scanPhase: SpoolState = .incoming
    var scanBucket = 0
    var scanStream: DirectoryStream?
    /// Deliveries deferred since the current pass began: not claimed again until the next
    /// pass, even with a next attempt already due, so a pass always ends.
    var deferredThisPass = Set<Int64>()

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

    var tmpDirectory: String { "\(rootPath)/tmp" }

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

    // MARK: - Corrupt files

    /// Keeps a file that cannot be read in `corrupt`, for a human (a name already taken there
    /// gets a numbered suffix).
    func moveToCorrupt(_ from: String, name: String, bucket: Int) {
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
}
