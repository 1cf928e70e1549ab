@preconcurrency import Glibc

/// What stat(2) says about a path, for callers outside the adapters (no C there).
public enum FileStatus {
    /// Whether `path` is a regular file (symbolic links followed): one stat(2), which matters
    /// when a Maildir holds many thousands of messages.
    public static func isRegularFile(atPath path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }
}
