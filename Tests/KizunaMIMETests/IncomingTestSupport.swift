import Foundation
@testable import KizunaMIME

/// The inbound fixture messages in `Tests/Fixtures/inbound` (written by `make-fixtures.py`).
enum InboundFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent("inbound")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func message(_ name: String) throws -> IncomingMessage {
        try IncomingMessage.parse(bytes(name))
    }

    static var all: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted()
    }

    /// A UTC instant from civil fields, computed with Foundation's calendar (independent of the parser).
    static func instant(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, offsetHours: Double) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: Int(offsetHours * 3600))!
        return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
    }
}

extension Array where Element == UInt8 {
    init(crlf text: String) { self = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) }
}
