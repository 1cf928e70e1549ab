/// Kizuna's one JSON writer: a value written with sorted keys, either on one line with no
/// insignificant white space (the bounce verdicts', the poller's decisions' and `kizuna inspect
/// --json`'s) or indented the way Foundation's `.prettyPrinted` does (`kizuna stats --json`).
public enum JSONValue: Sendable {
    /// An object member. An object's keys are distinct; they may come in any order.
    public typealias Member = (key: String, value: JSONValue)

    case null, bool(Bool), int(Int), string(String), array([JSONValue]), object([Member])

    /// The value on one line.
    public var serialized: String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// An object on one line with `leading` as its first member and its own members after it,
    /// sorted (`kizuna inspect --json` starts each line with the file). Other values ignore
    /// `leading`.
    public func serialized(leading: Member) -> String {
        guard case .object(let members) = self else { return serialized }
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        out.append(0x7B)
        Self.writeMember(leading, into: &out)
        for m in Self.sorted(members) {
            out.append(0x2C)
            Self.writeMember(m, into: &out)
        }
        out.append(0x7D)
        return String(decoding: out, as: UTF8.self)
    }

    /// The value indented by two spaces a level, `"key" : value`, an empty object or array
    /// as an empty line: byte for byte what `JSONSerialization` writes with `.sortedKeys` and
    /// `.prettyPrinted` for keys and strings without `/` or control characters.
    public var prettyPrinted: String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        writePretty(into: &out, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .null, .bool, .int, .string: writeScalar(into: &out)
        case .array(let a):
            out.append(0x5B)
            for (i, v) in a.enumerated() { if i > 0 { out.append(0x2C) }; v.write(into: &out) }
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            for (i, m) in Self.sorted(o).enumerated() {
                if i > 0 { out.append(0x2C) }
                Self.writeMember(m, into: &out)
            }
            out.append(0x7D)
        }
    }

    private func writePretty(into out: inout [UInt8], indent: Int) {
        func newline(_ level: Int) {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: 2 * level))
        }
        switch self {
        case .null, .bool, .int, .string: writeScalar(into: &out)
        case .array(let a):
            out.append(0x5B)
            if a.isEmpty { out.append(0x0A) }
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(0x2C) }
                newline(indent + 1)
                v.writePretty(into: &out, indent: indent + 1)
            }
            newline(indent)
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            if o.isEmpty { out.append(0x0A) }
            for (i, m) in Self.sorted(o).enumerated() {
                if i > 0 { out.append(0x2C) }
                newline(indent + 1)
                Self.quote(m.key, into: &out)
                out.append(contentsOf: " : ".utf8)
                m.value.writePretty(into: &out, indent: indent + 1)
            }
            newline(indent)
            out.append(0x7D)
        }
    }

    private func writeScalar(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .string(let s): Self.quote(s, into: &out)
        case .array, .object: write(into: &out)
        }
    }

    // Our keys are ASCII: String order is byte order.
    private static func sorted(_ members: [Member]) -> [Member] { members.sorted(by: { $0.key < $1.key }) }

    private static func writeMember(_ m: Member, into out: inout [UInt8]) {
        quote(m.key, into: &out)
        out.append(0x3A)
        m.value.write(into: &out)
    }

    /// A JSON string: quote, backslash and control characters escaped; other UTF-8 as is.
    static func quote(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        ByteSearch.withBytes(of: s) { bytes in
            // Most strings need no escape: copy them whole.
            guard bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { out.append(contentsOf: bytes); return }
            escape(bytes, into: &out)
        }
        out.append(0x22)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// Copies the runs between the bytes that need an escape whole.
    private static func escape(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var run = 0
        for (i, b) in bytes.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
            out.append(0x5C)
            switch b {
            case 0x22, 0x5C: out.append(b)
            case 0x0A: out.append(0x6E)
            case 0x0D: out.append(0x72)
            case 0x09: out.append(0x74)
            default:
                out.append(0x75); out.append(0x30); out.append(0x30)
                out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            }
            run = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
    }
}
