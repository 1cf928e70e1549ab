import Foundation
import Testing
@testable import KizunaMIME

@Suite struct RFC5322DateTests {
    @Test func knownDates() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let utc = try #require(TimeZone(identifier: "UTC"))
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 0), timeZone: utc) == "Thu, 01 Jan 1970 00:00:00 +0000")
        // 2026-11-24 10:40:30 UTC
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 1_795_516_830.75), timeZone: tokyo)
                == "Tue, 24 Nov 2026 19:40:30 +0900")
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: -1), timeZone: utc) == "Wed, 31 Dec 1969 23:59:59 +0000")
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        #expect(RFC5322Date.format(Date(timeIntervalSince1970: 0), timeZone: kolkata) == "Thu, 01 Jan 1970 05:30:00 +0530")
    }

    @Test func agreesWithDateFormatter() throws {
        let zones = ["Asia/Tokyo", "UTC", "America/New_York", "Europe/London", "Australia/Adelaide", "America/St_Johns", "Pacific/Kiritimati"]
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var rng = SplitMix64(state: 7)
        for _ in 0..<3_000 {
            // 1950 to 2100
            let t = -631_152_000 + Double(rng.next() % 4_733_510_400)
            let zone = try #require(TimeZone(identifier: zones[Int(rng.next() % UInt64(zones.count))]))
            formatter.timeZone = zone
            let date = Date(timeIntervalSince1970: t)
            #expect(RFC5322Date.format(date, timeZone: zone) == formatter.string(from: date))
        }
    }
}
