import Foundation
@preconcurrency import Glibc

/// Delivers into a Maildir (`tmp` → `new`, each file synced before its rename) so a person
/// can read a run's output with `mutt -f PATH`. Adds `Return-Path:` and `Delivered-To:`
/// as a delivery agent does, and stores lines with LF endings as local delivery agents do
/// (CRLF is for the wire; mail readers show a stored CR as `^M`).
public final class MaildirTransport: MailTransport {
    public let path: URL
    private let hostname: String
    /// One counter for the process: editions' Maildirs may be delivered into on threads of their
    /// own (`RoutedTransport`), and two transports on one directory must never make one name.
    private static let counterLock = NSLock()
    nonisolated(unsafe) private static var counter = 0

    public init(path: URL) {
        self.path = path
        var buf = [UInt8](repeating: 0, count: 256)
        let h = gethostname(&buf, buf.count) == 0 ? String(decoding: buf.prefix(while: { $0 != 0 }), as: UTF8.self) : "localhost"
        // The Maildir convention escapes "/" and ":" in the host part of a name.
        hostname = h.replacingOccurrences(of: "/", with: "\\057").replacingOccurrences(of: ":", with: "\\072")
    }

    public func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws {
        let base = path.path
        do {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            for d in ["tmp", "new", "cur"] { try POSIX.mkdirIfMissing("\(base)/\(d)") }
        } catch {
            throw TransportConfigurationError("cannot create the Maildir \(base): \(error)")
        }
        var delivered = 0
        while let m = next() {
            do {
                let name = try store(m, base: base)
                delivered += 1
                onResult(m, .accepted(code: 250, reply: "250 delivered to \(base)/new/\(name)"))
            } catch {
                onResult(m, .deferred(code: nil, reply: "maildir: \(error)"))
            }
        }
        // The renames into new/ become durable together.
        if delivered > 0 { try? POSIX.fsyncDirectory("\(base)/new") }
    }

    /// A unique name per the Maildir convention: time, microseconds, pid and a counter, host.
    private func uniqueName() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        let n = Self.counterLock.withLock { Self.counter += 1; return Self.counter }
        return "\(tv.tv_sec).M\(tv.tv_usec)P\(getpid())Q\(n).\(hostname)"
    }

    /// The message with each CRLF turned into LF.
    static func localLineEndings(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(data.count)
        var i = 0
        while i < data.count {
            if data[i] == 13, i + 1 < data.count, data[i + 1] == 10 { i += 1 }
            out.append(data[i])
            i += 1
        }
        return out
    }

    private func store(_ m: OutboundMessage, base: String) throws -> String {
        let name = uniqueName()
        let tmp = "\(base)/tmp/\(name)"
        let header = "Return-Path: <\(m.mailFrom)>\nDelivered-To: \(m.rcptTo)\n"
        let fd = try POSIX.open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
        do {
            try POSIX.writeAll(fd, Array(header.utf8), path: tmp)
            try POSIX.writeAll(fd, Self.localLineEndings(m.data), path: tmp)
            try POSIX.fsync(fd, path: tmp)
        } catch {
            Glibc.close(fd)
            try? POSIX.unlink(tmp)
            throw error
        }
        do {
            try POSIX.close(fd, path: tmp)
        } catch {
            try? POSIX.unlink(tmp)
            throw error
        }
        do {
            try POSIX.renameNoReplace(tmp, "\(base)/new/\(name)")
        } catch {
            try? POSIX.unlink(tmp)
            throw error
        }
        return name
    }
}
