import Foundation
import Testing
@testable import KizunaCore

/// The one JSON writer: compact lines with sorted keys, and the indented form `stats --json`
/// printed through `JSONSerialization` before, byte for byte.
@Suite struct JSONValueTests {
    @Test func compactSortsKeysAndEscapesOnlyWhatJSONNeeds() {
        let v = JSONValue.object([("b", .array([.int(1), .null, .bool(false)])), ("a", .string("say \"no\"\n\t\\ é\u{1}"))])
        #expect(v.serialized == #"{"a":"say \"no\"\n\t\\ é\u0001","b":[1,null,false]}"#)
    }

    @Test func aLeadingMemberComesFirstAndTheRestSorted() {
        let v = JSONValue.object([("kind", .string("bounce")), ("delivery", .null)])
        #expect(v.serialized(leading: ("file", .string("a.eml"))) == #"{"file":"a.eml","delivery":null,"kind":"bounce"}"#)
    }

    @Test func prettyIsWhatJSONSerializationWrites() throws {
        let counts: [String: Int] = ["sent": 8, "queued": 0]
        let foundation: [String: Any] = [
            "date": "2026-12-07", "deliveries": counts, "events_last_day": [String: Int](), "list": [1, 2], "none": [Int](),
            "bounces": ["bouncing": 0, "events_last_day": ["bounce": 2]] as [String: Any],
        ]
        let ours = JSONValue.object([
            ("date", .string("2026-12-07")), ("deliveries", .object(counts.map { ($0.key, .int($0.value)) })),
            ("events_last_day", .object([])), ("list", .array([.int(1), .int(2)])), ("none", .array([])),
            ("bounces", .object([("bouncing", .int(0)), ("events_last_day", .object([("bounce", .int(2))]))])),
        ])
        let data = try JSONSerialization.data(withJSONObject: foundation, options: [.sortedKeys, .prettyPrinted])
        #expect(ours.prettyPrinted == String(decoding: data, as: UTF8.self))
    }
}
