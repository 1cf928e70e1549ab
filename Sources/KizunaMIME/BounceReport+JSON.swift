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

    var jsonValue: BounceJSON {
        var o: [String: BounceJSON] = [
            "kind": .string(kind.rawValue),
            "delivery": delivery.map { .string(String($0)) } ?? .null,
            "delivery_source": deliverySource.map { .string($0.rawValue) } ?? .null,
            "verp": verp.map { .string($0.rawValue) } ?? .null,
            "original_message_id": originalMessageID.map(BounceJSON.string) ?? .null,
            "original_list_id": originalListID.map(BounceJSON.string) ?? .null,
            "reporting_mta": reportingMTA.map(BounceJSON.string) ?? .null,
            "evidence": .array(evidence.map(BounceJSON.string)),
            "recipients": .array(recipients.map { r in
                .object([
                    "address": .string(r.address), "action": .string(r.action.rawValue),
                    "status": r.status.map(BounceJSON.string) ?? .null, "reason": .string(r.reason.rawValue),
                    "hard": .bool(r.hard), "diagnostic": r.diagnostic.map(BounceJSON.string) ?? .null,
                    "remote_mta": r.remoteMTA.map(BounceJSON.string) ?? .null,
                ])
            }),
        ]
        if let c = complaint {
            o["address"] = c.address.map(BounceJSON.string) ?? .null
            o["feedback_type"] = .string(c.feedbackType)
            o["user_agent"] = c.userAgent.map(BounceJSON.string) ?? .null
            o["source_ip"] = c.sourceIP.map(BounceJSON.string) ?? .null
        }
        if let a = autoReply { o["autoreply"] = .string(a.rawValue) }
        return .object(o)
    }
}

/// A JSON value written with sorted keys and no insignificant white space.
enum BounceJSON: Equatable {
    case null, bool(Bool), string(String), array([BounceJSON]), object([String: BounceJSON])

    var serialized: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .string(let s): BounceJSON.quote(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += "," }; v.write(into: &out) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                BounceJSON.quote(k, into: &out)
                out += ":"
                o[k]!.write(into: &out)
            }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
