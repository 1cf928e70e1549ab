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

/// A test helper's failure with a message.
public struct SupportFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The built `kizuna` beside the test bundle (`swift build --build-tests` puts both in one directory).
public func kizunaBinary() throws -> URL {
    var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("kizuna")]
    for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
        candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("kizuna"))
    }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw SupportFailure("the kizuna binary is missing beside the test bundle; build it with `swift build --build-tests`")
    }
    return found
}

/// Runs a program in `dir` without `KIZUNA_CONFIG` from the caller's environment, returning its
/// exit status and its output (both streams, through a file so that no pipe can fill up).
@discardableResult
public func runProcess(_ exe: URL, _ args: [String], env: [String: String] = [:], in dir: URL) throws -> (status: Int32, output: String) {
    let out = dir.appendingPathComponent(".out-\(UUID().uuidString.prefix(6))")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: out) }
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    p.currentDirectoryURL = dir
    var e = ProcessInfo.processInfo.environment
    e.removeValue(forKey: "KIZUNA_CONFIG")
    for (k, v) in env { e[k] = v }
    p.environment = e
    let handle = try FileHandle(forWritingTo: out)
    p.standardOutput = handle
    p.standardError = handle
    p.standardInput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return (p.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
}
