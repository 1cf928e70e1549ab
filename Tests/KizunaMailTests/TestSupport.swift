import Foundation
import XCTest
@preconcurrency import Glibc
@testable import KizunaMail

/// A fresh directory under /tmp, removed by the caller.
func makeTemporaryDirectory(_ label: String) throws -> URL {
    let url = URL(fileURLWithPath: NSTemporaryDirectory())
        .appendingPathComponent("kizuna-mail-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func acceptsConnections(port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// A loopback port nothing listens on (bound, read, released).
func unusedPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
            _ = bind(fd, p, len)
            return getsockname(fd, p, &len)
        }
    }
    return UInt16(bigEndian: addr.sin_port)
}

/// The rule for tests that need the real Postfix + Dovecot: under CI=true a missing stack
/// is a failure, elsewhere the test is skipped with how to start it.
func requireMailstack(file: StaticString = #filePath, line: UInt = #line) throws {
    let missing = [(2525, "Postfix SMTP"), (1143, "Dovecot IMAP")].filter { !acceptsConnections(port: UInt16($0.0)) }
    guard !missing.isEmpty else { return }
    let what = missing.map { "\($0.1) on 127.0.0.1:\($0.0)" }.joined(separator: " and ")
    let msg = "\(what) not reachable; start the test mail stack with `sudo scripts/mailstack/start-mailstack.sh`"
    if isCI {
        XCTFail("CI=true: \(msg)", file: file, line: line)
        throw XCTSkip("failed above")
    }
    throw XCTSkip(msg)
}

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
