import Foundation
@preconcurrency import Glibc

/// Raw fetched messages between the mailbox and the store: `spool/inbound/NAME` holds each one
/// from the moment it is fetched (written to `spool/tmp`, fsynced, renamed) until its effects
/// are committed; `spool/corrupt/inbound/NAME` keeps, for a human, what could not be read.
public struct InboundSpool: Sendable {
    public let root: URL
    private var inbound: String { root.appendingPathComponent("inbound").path }
    private var corrupt: String { root.appendingPathComponent("corrupt/inbound").path }
    private var tmp: String { root.appendingPathComponent("tmp").path }

    public init(root: URL) throws {
        self.root = root
        for dir in [root.path, tmp, inbound, root.appendingPathComponent("corrupt").path, corrupt] {
            try POSIX.mkdirIfMissing(dir)
        }
    }

    /// A file name for a mailbox place: the mailbox's characters that are not safe are hex-escaped.
    public static func name(mailbox: String, uidValidity: UInt32, uid: UInt32) -> String {
        var safe = ""
        for b in mailbox.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D {
                safe.append(Character(UnicodeScalar(b)))
            } else {
                safe += "_" + String(b, radix: 16)
            }
        }
        return "m-\(safe)-\(uidValidity)-\(uid)"
    }

    public func path(_ name: String) -> String { "\(inbound)/\(name)" }

    /// Writes a fetched message durably (tmp, fsync, rename, fsync of the directory).
    public func write(_ bytes: [UInt8], name: String) throws {
        let temp = "\(tmp)/inbound.\(getpid()).\(name)"
        let fd = try POSIX.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
        do {
            try POSIX.writeAll(fd, bytes, path: temp)
            try POSIX.fsync(fd, path: temp)
            try POSIX.close(fd, path: temp)
        } catch {
            Glibc.close(fd)
            try? POSIX.unlink(temp)
            throw error
        }
        try POSIX.rename(temp, path(name))
        try POSIX.fsyncDirectory(inbound)
    }

    /// Writes fetched messages durably as one group commit: every file written, then one
    /// `syncfs` (or an fsync each for a few), then the renames and one fsync of the directory.
    public func write(batch: [(name: String, bytes: [UInt8])]) throws {
        guard batch.count > 1 else {
            if let one = batch.first { try write(one.bytes, name: one.name) }
            return
        }
        var temps: [String] = []
        defer { for t in temps { try? POSIX.unlink(t) } }
        var lastFD: Int32 = -1
        for item in batch {
            let temp = "\(tmp)/inbound.\(getpid()).\(item.name)"
            let fd = try POSIX.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC)
            temps.append(temp)
            do {
                try POSIX.writeAll(fd, item.bytes, path: temp)
                if batch.count <= 8 { try POSIX.fsync(fd, path: temp) }
            } catch {
                Glibc.close(fd)
                throw error
            }
            if lastFD >= 0 { try POSIX.close(lastFD, path: temp) }
            lastFD = fd
        }
        if batch.count > 8 { try POSIX.syncFileSystem(lastFD, path: tmp) }
        try POSIX.close(lastFD, path: tmp)
        for (temp, item) in zip(temps, batch) { try POSIX.rename(temp, path(item.name)) }
        temps.removeAll()
        try POSIX.fsyncDirectory(inbound)
    }

    public func read(_ name: String) throws -> [UInt8] { try POSIX.readFile(path(name)) }

    public func exists(_ name: String) -> Bool { POSIX.exists(path(name)) }

    /// Removes a message whose effects are committed.
    public func remove(_ name: String) throws { try POSIX.unlink(path(name)) }

    /// Keeps an unreadable message in `corrupt/inbound` for a human. Returns its new path.
    @discardableResult
    public func moveToCorrupt(_ name: String) throws -> String {
        let to = "\(corrupt)/\(name)"
        try POSIX.rename(path(name), to)
        try POSIX.fsyncDirectory(corrupt)
        return to
    }

    /// How many unreadable messages `corrupt/inbound` keeps for a human.
    public func corruptCount() -> Int {
        guard let stream = DirectoryStream(path: corrupt) else { return 0 }
        defer { stream.close() }
        var n = 0
        while stream.next() != nil { n += 1 }
        return n
    }

    /// The names of the messages waiting in `inbound`.
    public func waiting() -> [String] {
        guard let stream = DirectoryStream(path: inbound) else { return [] }
        defer { stream.close() }
        var out: [String] = []
        while let n = stream.next() { out.append(n) }
        return out.sorted()
    }
}
