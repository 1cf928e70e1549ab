import Foundation
import GRDB
import KizunaCore

/// The text form of instants in the store: ISO 8601 in UTC with milliseconds,
/// `2026-05-01T03:04:05.678Z`. Fixed width, so text order is time order.
enum Timestamp {
    static func string(from date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let msPerDay: Int64 = 86_400_000
        var day = ms / msPerDay, rest = ms % msPerDay
        if rest < 0 { day -= 1; rest += msPerDay }
        let civil = CivilDate(dayNumber: Int(day))
        let h = rest / 3_600_000, m = rest / 60_000 % 60, s = rest / 1000 % 60, f = rest % 1000
        func pad(_ v: Int64, _ n: Int) -> String {
            let t = String(v)
            return String(repeating: "0", count: max(0, n - t.count)) + t
        }
        return "\(civil.iso)T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }

    /// Reads what `string(from:)` writes; the milliseconds may be left out.
    static func date(from text: String) -> Date? {
        let u = Array(text.utf8)
        guard u.count == 20 || u.count == 24, u[10] == UInt8(ascii: "T"), u.last == UInt8(ascii: "Z"),
              let day = CivilDate(iso: text.prefix(10)) else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            var v: Int64 = 0
            for b in u[from..<from + count] {
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int64(b - 48)
            }
            return v
        }
        guard u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let h = number(11, 2), let m = number(14, 2), let s = number(17, 2), h < 24, m < 60, s < 60 else { return nil }
        var ms: Int64 = 0
        if u.count == 24 {
            guard u[19] == UInt8(ascii: "."), let f = number(20, 3) else { return nil }
            ms = f
        }
        let total = Int64(day.dayNumber) * 86_400_000 + ((h * 60 + m) * 60 + s) * 1000 + ms
        return Date(timeIntervalSince1970: Double(total) / 1000)
    }
}

extension Timestamp {
    /// A `Timestamp` column of a row, for records that read their rows by hand.
    static func decode(_ row: Row, _ column: String) throws -> Date {
        let text = try row.decode(String.self, forColumn: column)
        guard let date = Timestamp.date(from: text) else {
            throw StoreError.invalidValue(field: "timestamp in \(column)", value: text)
        }
        return date
    }

    /// For records: instants as `Timestamp` text rather than GRDB's default format.
    static let encoding = DatabaseDateEncodingStrategy.custom { Timestamp.string(from: $0) }
    static let decoding = DatabaseDateDecodingStrategy.custom { String.fromDatabaseValue($0).flatMap(Timestamp.date(from:)) }
}

/// A record whose instants are stored as `Timestamp` text, the store's one form for instants.
public protocol TimestampedRecord: EncodableRecord, FetchableRecord {}

extension TimestampedRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { Timestamp.encoding }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { Timestamp.decoding }
}

// Domain values are stored as their plain text forms (`2027-04-28`, `taro@example.jp`, `child`).

extension CivilDate: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { iso.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> CivilDate? {
        String.fromDatabaseValue(dbValue).flatMap { CivilDate(iso: $0) }
    }
}

extension EmailAddress: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> EmailAddress? {
        String.fromDatabaseValue(dbValue).flatMap { try? EmailAddress(parsing: $0) }
    }
}

extension Track: DatabaseValueConvertible {}
extension SubscriberStatus: DatabaseValueConvertible {}
extension SubscriptionStatus: DatabaseValueConvertible {}
extension SubscriptionEndReason: DatabaseValueConvertible {}
// The ledgers' states, stored as their raw values (GRDB's RawRepresentable conformance).
extension DeliveryKind: DatabaseValueConvertible {}
extension DeliveryStatus: DatabaseValueConvertible {}
extension DeliveryItemStatus: DatabaseValueConvertible {}
extension InboundStatus: DatabaseValueConvertible {}
extension InboundKind: DatabaseValueConvertible {}
extension BounceEventKind: DatabaseValueConvertible {}
extension EventKind: DatabaseValueConvertible {}
