import Foundation
import KizunaCore

/// The RFC 5322 §3.3 date-time, e.g. `Tue, 24 Nov 2026 19:40:30 +0900`, computed without a
/// DateFormatter (English names whatever the locale, and fast enough for every message).
public enum RFC5322Date {
    public static func format(_ date: Date, timeZone: TimeZone) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(31)
        write(date, timeZone: timeZone, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let dayNames: StaticString = "SunMonTueWedThuFriSat"
    private static let monthNames: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"

    /// Appends the date-time to `out`; fractions of a second are dropped.
    static func write(_ date: Date, timeZone: TimeZone, into out: inout [UInt8]) {
        let offset = timeZone.secondsFromGMT(for: date)
        let utcSeconds = Int(date.timeIntervalSince1970.rounded(.down))
        let local = utcSeconds + offset
        let days = local >= 0 ? local / 86_400 : -((-local + 86_399) / 86_400)
        let secondOfDay = local - days * 86_400
        let civil = CivilDate(dayNumber: days)
        // 1970-01-01 was a Thursday (index 4 from Sunday).
        let weekday = ((days % 7) + 7 + 4) % 7

        let dn = dayNames.utf8Start + weekday * 3
        out.append(dn[0]); out.append(dn[1]); out.append(dn[2])
        out.append(0x2C); out.append(0x20)
        appendDigits(civil.day, width: 2, into: &out)
        out.append(0x20)
        let mn = monthNames.utf8Start + (civil.month - 1) * 3
        out.append(mn[0]); out.append(mn[1]); out.append(mn[2])
        out.append(0x20)
        appendDigits(civil.year, width: 4, into: &out)
        out.append(0x20)
        appendDigits(secondOfDay / 3600, width: 2, into: &out)
        out.append(0x3A)
        appendDigits(secondOfDay / 60 % 60, width: 2, into: &out)
        out.append(0x3A)
        appendDigits(secondOfDay % 60, width: 2, into: &out)
        out.append(0x20)
        out.append(offset < 0 ? 0x2D : 0x2B)
        let minutes = abs(offset) / 60
        appendDigits(minutes / 60, width: 2, into: &out)
        appendDigits(minutes % 60, width: 2, into: &out)
    }

    /// Appends a non-negative number with at least `width` digits, zero-padded.
    static func appendDigits(_ value: Int, width: Int, into out: inout [UInt8]) {
        var v = max(value, 0)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(0x30 + v % 10); v /= 10; n += 1
            } while (v > 0 || n < width) && n < 8
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }
}
