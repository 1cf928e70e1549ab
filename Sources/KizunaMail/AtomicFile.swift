@preconcurrency import Glibc

/// Replaces a file's content all at once (write a temporary file beside it, fsync, rename over
/// it, fsync the directory): a crash leaves the old file or the new one, never half of each.
public enum AtomicFile {
    /// Writes `bytes` to `path`, keeping the permissions of the file it replaces (0644 for a new one).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        var st = stat()
        let mode: mode_t = stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0o644
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).\(getpid()).tmp"
        let fd = try POSIX.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        do {
            defer { Glibc.close(fd) }
            try POSIX.writeAll(fd, bytes, path: temporary)
            if fchmod(fd, mode) != 0 { throw POSIX.fail("fchmod", temporary) }
            try POSIX.fsync(fd, path: temporary)
        } catch {
            try? POSIX.unlink(temporary)
            throw error
        }
        do { try POSIX.rename(temporary, path) } catch { try? POSIX.unlink(temporary); throw error }
        try POSIX.fsyncDirectory(directory.isEmpty ? "/" : directory)
    }
}
