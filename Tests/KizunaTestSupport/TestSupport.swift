import Foundation
@preconcurrency import Glibc
import XCTest

/// Helpers shared by the test targets that use the file system, loopback ports and the
/// real mail stack.

/// A fresh directory under the system's temporary directory, removed by the caller.
public func makeTemporaryDirectory(_ label: String) throws -> URL {
    let url = URL(fileURLWithPath: NSTemporaryDirectory())
        .appendingPathComponent("kizuna-test-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

public var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func acceptsConnections(port: UInt16) -> Bool {
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
public func unusedPort() -> UInt16 {
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

/// The project's rule for tests that need the real Postfix + Dovecot: under CI=true a missing
/// stack fails; elsewhere the test is skipped, saying how to start it.
public func requireMailstack(file: StaticString = #filePath, line: UInt = #line) throws {
    let missing = [(2525, "Postfix SMTP"), (1143, "Dovecot IMAP")].filter { !acceptsConnections(port: UInt16($0.0)) }
    guard !missing.isEmpty else { return }
    let what = missing.map { "\($0.1) on 127.0.0.1:\($0.0)" }.joined(separator: " and ")
    let msg = "\(what) not reachable; start the test mail stack with `sudo scripts/mailstack/start-mailstack.sh`"
    if isCI {
        XCTFail("CI=true: \(msg)", file: file, line: line)
        throw XCTSkip("failed above: \(msg)")
    }
    throw XCTSkip(msg)
}
