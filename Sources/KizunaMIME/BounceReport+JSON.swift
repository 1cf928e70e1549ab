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

    public var jsonValue: JSONValue {
        var o: [JSONValue.Member] = [
            ("kind", .string(kind.rawValue)),
            ("delivery", delivery.map { .string(String($0)) } ?? .null),
            ("delivery_source", deliverySource.map { .string($0.rawValue) } ?? .null),
            ("verp", verp.map { .string($0.rawValue) } ?? .null),
            ("original_message_id", originalMessageID.map(JSONValue.string) ?? .null),
            ("original_list_id", originalListID.map(JSONValue.string) ?? .null),
            ("reporting_mta", reportingMTA.map(JSONValue.string) ?? .null),
            ("evidence", .array(evidence.map(JSONValue.string))),
            ("recipients", .array(recipients.map { r in
                .object([
                    ("address", .string(r.address)), ("action", .string(r.action.rawValue)),
                    ("status", r.status.map(JSONValue.string) ?? .null), ("reason", .string(r.reason.rawValue)),
                    ("hard", .bool(r.hard)), ("diagnostic", r.diagnostic.map(JSONValue.string) ?? .null),
                    ("remote_mta", r.remoteMTA.map(JSONValue.string) ?? .null),
                ])
            })),
        ]
        if let c = complaint {
            o.append(("address", c.address.map(JSONValue.string) ?? .null))
            o.append(("feedback_type", .string(c.feedbackType)))
            o.append(("user_agent", c.userAgent.map(JSONValue.string) ?? .null))
            o.append(("source_ip", c.sourceIP.map(JSONValue.string) ?? .null))
        }
        if let a = autoReply { o.append(("autoreply", .string(a.rawValue))) }
        return .object(o)
    }
}
