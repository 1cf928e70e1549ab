import Foundation
import KizunaTestSupport
import XCTest

/// Submits `message` (LF line ends) into the test mail stack's Postfix on 127.0.0.1:2525 with
/// curl, as a parent's mail client would: `from` on MAIL FROM, `rcpt` on RCPT TO.
func submitToPostfix(_ message: String, from: String, rcpt: String, dir: URL, file: StaticString = #filePath, line: UInt = #line) throws {
    let eml = dir.appendingPathComponent("submitted-\(UUID().uuidString.prefix(6)).eml")
    try message.replacingOccurrences(of: "\n", with: "\r\n").write(to: eml, atomically: true, encoding: .utf8)
    let curl = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "smtp://127.0.0.1:2525", "--mail-from", from, "--mail-rcpt", rcpt, "-T", eml.path],
                              in: dir)
    XCTAssertEqual(curl.status, 0, curl.output, file: file, line: line)
}
