import KizunaCore

/// The JSON `kizuna inspect --json` prints for a verdict. The shape is stable; keys are sorted
/// and absent values are `null` so that scripts can rely on every key being there:
///
///     {"delivery":"4411"|null, "delivery_source":"verp"|"original-verp"|"message-id"|null,
///      "evidence":["…"], "kind":"bounce"|"complaint"|"autoreply"|"delay"|"not_bounce",
///      "original_list_id":…|null, "original_message_id":…|null,
///      "recipients":[{"action":"failed","address":"…","diagnostic":…|null,"hard":true,
///                     "reason":"userunknown","remote_mta":…|null,"status":"5.1.1"|null}],
///      "reporting_mta":…|null, "verp":"valid"|"forged"|"mangled"|"unverified"|null}
///
/// plus, for a complaint, `"address"` and `"feedback_type"` (and `"user_agent"`, `"source_ip"`),
/// and for an auto-reply `"autoreply":"vacation"|"challenge"|"auto-reply"`.
extension BounceVerdict {
    public var json: String { jsonValue.serialized }

    public var jsonValue: CompactJSON {
        var o: [CompactJSON.Member] = [
            ("kind", .string(kind.rawValue)),
            ("delivery", delivery.map { .string(String($0)) } ?? .null),
            ("delivery_source", deliverySource.map { .string($0.rawValue) } ?? .null),
            ("verp", verp.map { .string($0.rawValue) } ?? .null),
            ("original_message_id", originalMessageID.map(CompactJSON.string) ?? .null),
            ("original_list_id", originalListID.map(CompactJSON.string) ?? .null),
            ("reporting_mta", reportingMTA.map(CompactJSON.string) ?? .null),
            ("evidence", .array(evidence.map(CompactJSON.string))),
            ("recipients", .array(recipients.map { r in
                .object([
                    ("address", .string(r.address)), ("action", .string(r.action.rawValue)),
                    ("status", r.status.map(CompactJSON.string) ?? .null), ("reason", .string(r.reason.rawValue)),
                    ("hard", .bool(r.hard)), ("diagnostic", r.diagnostic.map(CompactJSON.string) ?? .null),
                    ("remote_mta", r.remoteMTA.map(CompactJSON.string) ?? .null),
                ])
            })),
        ]
        if let c = complaint {
            o.append(("address", c.address.map(CompactJSON.string) ?? .null))
            o.append(("feedback_type", .string(c.feedbackType)))
            o.append(("user_agent", c.userAgent.map(CompactJSON.string) ?? .null))
            o.append(("source_ip", c.sourceIP.map(CompactJSON.string) ?? .null))
        }
        if let a = autoReply { o.append(("autoreply", .string(a.rawValue))) }
        return .object(o)
    }
}

/// A JSON value written with sorted keys and no insignificant white space (the verdicts' and
/// the poller's decisions' JSON).
public enum CompactJSON: Sendable {
    /// An object member. An object's keys are distinct; they may come in any order.
    public typealias Member = (key: String, value: CompactJSON)

    case null, bool(Bool), string(String), array([CompactJSON]), object([Member])

    public var serialized: String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .string(let s): CompactJSON.quote(s, into: &out)
        case .array(let a):
            out.append(0x5B)
            for (i, v) in a.enumerated() { if i > 0 { out.append(0x2C) }; v.write(into: &out) }
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            // Our keys are ASCII: String order is byte order.
            for (i, m) in o.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(0x2C) }
                CompactJSON.quote(m.key, into: &out)
                out.append(0x3A)
                m.value.write(into: &out)
            }
            out.append(0x7D)
        }
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
