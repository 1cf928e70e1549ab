@preconcurrency import Glibc


/// An operating-system call that failed, with the errno it left.
public struct SystemCallError: Error, CustomStringConvertible, Sendable, Equatable {
    public let call: String
    public let path: String
    public let errno: Int32

    public var description: String {
        "\(call) \(path): \(String(cString: strerror(errno)))"
    }
    public var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }
}

/// Thin, throwing wrappers around the few system calls the spool and the Maildir
/// transport need. Everything here retries EINTR and reports errno with the path.
enum POSIX {
    static func fail(_ call: String, _ path: String) -> SystemCallError {
        SystemCallError(call: call, path: path, errno: errno)
    }

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(SystemCallError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw fail("open", path) }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("write", path)
            }
            offset += n
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    /// Writes `first` then `second` with one `writev` (a spool file's envelope and message),
    /// finishing with plain writes if the kernel takes less.
    static func writeAll(_ fd: Int32, _ first: [UInt8], _ second: [UInt8], path: String) throws {
        let n: Int = first.withUnsafeBytes { a in
            second.withUnsafeBytes { b in
                var iov = [iovec(iov_base: UnsafeMutableRawPointer(mutating: a.baseAddress), iov_len: a.count),
                           iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)]
                while true {
                    let n = Glibc.writev(fd, &iov, 2)
                    if n >= 0 || errno != EINTR { return n }
                }
            }
        }
        if n < 0 { throw fail("write", path) }
        if n < first.count {
            try first.withUnsafeBytes { try writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[n...]), path: path) }
            try writeAll(fd, second, path: path)
        } else if n < first.count + second.count {
            try second.withUnsafeBytes { try writeAll(fd, UnsafeRawBufferPointer(rebasing: $0[(n - first.count)...]), path: path) }
        }
    }

    /// The whole file behind `fd`, read from its start.
    static func readAll(_ fd: Int32, path: String) throws -> [UInt8] {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("fstat", path) }
        var out = [UInt8](repeating: 0, count: Int(st.st_size))
        var offset = 0
        try out.withUnsafeMutableBytes { buf in
            while offset < buf.count {
                let n = pread(fd, buf.baseAddress! + offset, buf.count - offset, off_t(offset))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fail("read", path)
                }
                if n == 0 { break }
                offset += n
            }
        }
        if offset < out.count { out.removeLast(out.count - offset) }
        return out
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { Glibc.close(fd) }
        return try readAll(fd, path: path)
    }

    static func fsync(_ fd: Int32, path: String) throws {
        while Glibc.fsync(fd) != 0 {
            if errno != EINTR { throw fail("fsync", path) }
        }
    }

    static func close(_ fd: Int32, path: String) throws {
        // Linux closes the descriptor even when close reports an error; never retry.
        if Glibc.close(fd) != 0 && errno != EINTR { throw fail("close", path) }
    }

    static func fsyncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { Glibc.close(fd) }
        try fsync(fd, path: path)
    }

    static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw fail("rename", "\(from) -> \(to)") }
    }

    /// Renames without replacing an existing `to`: the spool must never overwrite a message
    /// that is already queued under the same delivery id.
    static func renameNoReplace(_ from: String, _ to: String) throws {
        if let renameat2 = renameat2Function {
            if renameat2(AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */) == 0 { return }
            if errno != EINVAL && errno != ENOSYS { throw fail("rename", "\(from) -> \(to)") }
        }
        // Fallback for file systems without RENAME_NOREPLACE: link refuses an existing name.
        if Glibc.link(from, to) != 0 { throw fail("link", "\(from) -> \(to)") }
        if Glibc.unlink(from) != 0 { throw fail("unlink", from) }
    }

    static func unlink(_ path: String) throws {
        if Glibc.unlink(path) != 0 && errno != ENOENT { throw fail("unlink", path) }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    static func mkdirIfMissing(_ path: String, mode: mode_t = 0o700) throws {
        if Glibc.mkdir(path, mode) != 0 && errno != EEXIST { throw fail("mkdir", path) }
    }

    /// Sets access and modification time; the spool keeps a deferred file's next attempt in
    /// its mtime (as Postfix does) so a scan needs a stat, not a read.
    static func setTimes(_ fd: Int32, seconds: Int, path: String) throws {
        var ts = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        if futimens(fd, &ts) != 0 { throw fail("futimens", path) }
    }

    /// Flushes every dirty page of the file system holding `fd` in one go: the group commit.
    /// Falls back to `fsync` of the one descriptor when syncfs is unavailable.
    static func syncFileSystem(_ fd: Int32, path: String) throws {
        if let syncfs = syncfsFunction {
            if syncfs(fd) == 0 { return }
            throw fail("syncfs", path)
        }
        try fsync(fd, path: path)
    }

    // Glibc declares syncfs and renameat2 only under _GNU_SOURCE, which Swift's Glibc module
    // does not set; look them up once with their C calling convention.
    private typealias SyncFS = @convention(c) (Int32) -> Int32
    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    private static let syncfsFunction: SyncFS? = dlsym(nil, "syncfs").map { unsafeBitCast($0, to: SyncFS.self) }
    private static let renameat2Function: RenameAt2? = dlsym(nil, "renameat2").map { unsafeBitCast($0, to: RenameAt2.self) }
}

/// Lazily reads the names in one directory, a `getdents` buffer at a time, so a bucket of
/// any size costs only a small buffer.
final class DirectoryStream {
    private var dir: OpaquePointer?
    let path: String

    init?(path: String) {
        guard let d = opendir(path) else { return nil }
        self.dir = d
        self.path = path
    }

    /// The next entry name other than `.` and `..`, or nil at the end.
    func next() -> String? {
        guard let d = dir else { return nil }
        while let entry = readdir(d) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            return name
        }
        close()
        return nil
    }

    func close() {
        if let d = dir { closedir(d); dir = nil }
    }

    deinit { close() }
}
