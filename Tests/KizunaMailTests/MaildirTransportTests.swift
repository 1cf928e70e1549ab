import Foundation
import KizunaTestSupport
import XCTest
@testable import KizunaMail

final class MaildirTransportTests: XCTestCase {
    func testDeliversThreeMessagesIntoNew() throws {
        let dir = try makeTemporaryDirectory("maildir")
        defer { try? FileManager.default.removeItem(at: dir) }
        let box = dir.appendingPathComponent("Maildir")
        let messages = (1...3).map {
            OutboundMessage(id: Int64($0), mailFrom: "kizuna+b-\($0)-ab12cd@clinic.test", rcptTo: "\"taro..x\"@docomo.ne.jp",
                            data: sampleMessage(token: "md\($0)"))
        }
        let out = try deliverAll(MaildirTransport(path: box), messages)
        XCTAssertEqual(out.count, 3)
        XCTAssertTrue(out.values.allSatisfy { if case .accepted(250, _) = $0 { return true } else { return false } })

        let names = try FileManager.default.contentsOfDirectory(atPath: box.appendingPathComponent("new").path)
        XCTAssertEqual(names.count, 3)
        XCTAssertEqual(Set(names).count, 3)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: box.appendingPathComponent("tmp").path), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: box.appendingPathComponent("cur").path))
        var bodies: [[UInt8]] = []
        for n in names {
            XCTAssertFalse(n.contains("/") || n.contains(":"), n)
            let bytes = [UInt8](try Data(contentsOf: box.appendingPathComponent("new/\(n)")))
            let text = String(decoding: bytes, as: UTF8.self)
            let id = text.contains("token=md1") ? 1 : text.contains("token=md2") ? 2 : 3
            let head = "Return-Path: <kizuna+b-\(id)-ab12cd@clinic.test>\nDelivered-To: \"taro..x\"@docomo.ne.jp\n"
            XCTAssertEqual(Array(bytes.prefix(head.utf8.count)), Array(head.utf8), text)
            // Stored as a local delivery agent stores mail: the same message with LF line endings.
            let lf = Array(String(decoding: messages[id - 1].data, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
            XCTAssertEqual(Array(bytes.dropFirst(head.utf8.count)), lf)
            XCTAssertFalse(bytes.contains(13), "no CR is stored")
            bodies.append(bytes)
        }
        XCTAssertEqual(bodies.count, 3)
    }
}
