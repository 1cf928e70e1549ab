import Foundation
import KizunaTestSupport
import XCTest
@preconcurrency import Glibc
@testable import KizunaMail

/// A CRLF message with a token in its subject and body.
func sampleMessage(token: String, from: String = "kizuna@clinic.test", to: String = "parent1@families.test",
                   bodyLines: Int = 3) -> [UInt8] {
    var s = "From: Kizuna Clinic <\(from)>\r\nTo: \(to)\r\nSubject: kizuna test \(token)\r\n"
    s += "Message-ID: <\(token)@clinic.test>\r\nDate: Mon, 24 Nov 2025 09:00:00 +0900\r\n"
    s += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    s += "きょうで妊娠20週です。token=\(token)\r\n"
    for i in 0..<bodyLines { s += "line \(i): あかちゃんの様子をお知らせします。\r\n" }
    s += ".a line that starts with a dot\r\n"
    return Array(s.utf8)
}

/// The body of a message: everything after the first empty line.
func body(of message: [UInt8]) -> [UInt8] {
    let sep: [UInt8] = [13, 10, 13, 10]
    guard message.count >= 4 else { return [] }
    for i in 0...(message.count - 4) where message[i..<i + 4].elementsEqual(sep) {
        return Array(message[(i + 4)...])
    }
    return []
}

/// Collects outcomes from `deliver` for a list of messages.
func deliverAll(_ transport: MailTransport, _ messages: [OutboundMessage]) throws -> [Int64: SendOutcome] {
    var iterator = messages.makeIterator()
    var out: [Int64: SendOutcome] = [:]
    try transport.deliver(next: { iterator.next() }, onResult: { m, o in out[m.id] = o })
    return out
}
