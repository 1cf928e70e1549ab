/// Substring search on UTF-8 bytes. On Linux, Foundation's `contains(_:)` and `range(of:)` go
/// through NSString and the standard library's generic `firstRange(of:)` is slower still; the
/// bounce reader asks such questions of every header and every line of a report.
public enum ByteSearch {
    /// The offset of the first occurrence of `needle` in `text`; nil when there is none (or the
    /// needle is empty).
    @inlinable
    public static func firstOffset(of needle: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = needle.count
        guard n > 0, n <= text.count else { return nil }
        let first = needle[0]
        var i = 0
        let last = text.count - n
        while i <= last {
            if text[i] == first {
                var k = 1
                while k < n && text[i + k] == needle[k] { k += 1 }
                if k == n { return i }
            }
            i += 1
        }
        return nil
    }

    /// The byte offset of the first occurrence of `needle` in `text`.
    @inlinable
    public static func firstOffset(of needle: some StringProtocol, in text: some StringProtocol) -> Int? {
        withBytes(of: needle) { n in withBytes(of: text) { t in firstOffset(of: n, in: t) } }
    }

    /// The offset of the first occurrence of `needle`'s UTF-8 bytes in `text` (e.g. text from
    /// `BounceText.lowered`).
    @inlinable
    public static func firstOffset(of needle: some StringProtocol, in text: [UInt8]) -> Int? {
        withBytes(of: needle) { n in text.withUnsafeBufferPointer { firstOffset(of: n, in: $0) } }
    }

    /// Calls `body` with the UTF-8 bytes of `s`, copying only when they are not contiguous.
    /// (Inlinable, like the rest: unspecialized, each call would build generic metadata.)
    @inlinable
    public static func withBytes<R>(of s: some StringProtocol, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
        return Array(s.utf8).withUnsafeBufferPointer(body)
    }
}

extension StringProtocol {
    /// Whether `needle` occurs in the string, byte for byte: case and Unicode normalization
    /// matter (see `ByteSearch` for why this is not `contains(_:)`).
    @inlinable
    public func containsBytes(_ needle: some StringProtocol) -> Bool {
        ByteSearch.firstOffset(of: needle, in: self) != nil
    }
}
