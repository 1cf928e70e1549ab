import Foundation
import XCTest

/// Temporary GnuPG homes for tests: never the user's ~/.gnupg, keys made at test time, and each
/// home's gpg-agent stopped afterwards.

/// The gpg binary; without it a test skips, except under CI=true where it fails.
public func requireGPG(file: StaticString = #filePath, line: UInt = #line) throws -> String {
    for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/gpg") {
        return "\(dir)/gpg"
    }
    if isCI { XCTFail("gpg is needed (apt-get install gnupg)", file: file, line: line); throw SupportFailure("no gpg") }
    throw XCTSkip("gpg is not installed (apt-get install gnupg)")
}

/// Stops the gpg-agent of every GnuPG home under `directory` (each home gpg used has one running).
public func stopGPGAgents(under directory: URL) {
    guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return }
    var homes: [String] = []
    while let entry = walker.nextObject() as? String {
        if (entry as NSString).lastPathComponent == "S.gpg-agent" {
            homes.append(directory.appendingPathComponent((entry as NSString).deletingLastPathComponent).path)
        }
    }
    for home in homes { _ = try? runTool("/usr/bin/gpgconf", ["--homedir", home, "--kill", "gpg-agent"]) }
}

/// A fresh GnuPG home (mode 0700) under a temporary directory, its agent stopped and the
/// directory removed when the test ends.
public func makeGnuPGHome(_ test: XCTestCase, _ label: String) throws -> URL {
    let dir = try makeTemporaryDirectory(label)
    test.addTeardownBlock { stopGPGAgents(under: dir); try? FileManager.default.removeItem(at: dir) }
    let home = dir.appendingPathComponent("gnupg")
    try FileManager.default.createDirectory(at: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    return home
}

/// Runs gpg on `home` in batch mode with the empty passphrase, as a user's own gpg would; returns stdout.
@discardableResult
public func gpg(_ home: URL, _ arguments: [String]) throws -> String {
    try runTool(try requireGPG(), ["--homedir", home.path, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""] + arguments)
}

/// Runs a tool to its end; a failure throws with its error output.
@discardableResult
public func runTool(_ path: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out; p.standardError = err; p.standardInput = FileHandle.nullDevice
    try p.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw SupportFailure("\(path) \(arguments.joined(separator: " ")): exit \(p.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
    }
    return String(decoding: output, as: UTF8.self)
}

/// A person's own keyring (a reviewer's, an administrator's), made at test time in a temporary
/// GnuPG home with one Ed25519 key that signs, as `gpg --quick-gen-key` makes it.
public struct GnuPGPerson {
    public let home: URL
    public let userID: String
    public let fingerprint: String

    public init(_ test: XCTestCase, _ userID: String) throws {
        home = try makeGnuPGHome(test, "person")
        self.userID = userID
        try gpg(home, ["--quick-gen-key", userID, "ed25519", "sign", "never"])
        let listing = try gpg(home, ["--with-colons", "--list-keys"])
        guard let line = listing.split(separator: "\n").first(where: { $0.hasPrefix("fpr:") }) else { throw SupportFailure("gpg made no key") }
        fingerprint = String(line.split(separator: ":", omittingEmptySubsequences: false)[9])
    }

    /// The public key, armored, in a file beside the home (as the person would send it).
    public func publicKeyFile() throws -> URL {
        let file = home.deletingLastPathComponent().appendingPathComponent("\(fingerprint).asc")
        try gpg(home, ["--armor", "--export", fingerprint]).write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Signs `file` as a reviewer does by hand: `gpg --detach-sign --armor`, giving FILE.asc beside it.
    public func detachSign(_ file: URL) throws {
        try gpg(home, ["--yes", "--local-user", fingerprint, "--detach-sign", "--armor", "--output", file.path + ".asc", file.path])
    }

    /// The revocation certificate gpg wrote when it made the key, ready to import.
    public func revocationFile() throws -> URL {
        let cert = try String(contentsOf: home.appendingPathComponent("openpgp-revocs.d/\(fingerprint).rev"), encoding: .utf8)
        let file = home.deletingLastPathComponent().appendingPathComponent("\(fingerprint).rev")
        try cert.replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN").write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
