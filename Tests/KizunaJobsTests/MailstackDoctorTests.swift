import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaTestSupport
import XCTest

/// `kizuna doctor` against the real Postfix (127.0.0.1:2525) and Dovecot (127.0.0.1:1143): all
/// green, then one failure of each kind, each named by its check with the right exit status.
final class MailstackDoctorTests: XCTestCase {
    override func setUpWithError() throws { try requireMailstack() }

    let env = ["KIZUNA_TEST_IMAP_PASSWORD": "kizuna-pass"]

    /// Runs the built binary on `config`; returns its exit status and output.
    func doctor(_ night: NightInstance, env extra: [String: String] = [:], json: Bool = false) throws -> (status: Int32, output: String) {
        try runProcess(try kizunaBinary(), ["doctor", "--config", night.dir.appendingPathComponent("kizuna.toml").path] + (json ? ["--json"] : []),
                       env: env.merging(extra) { $1 }, in: night.dir)
    }

    func checks(_ output: String) throws -> [[String: Any]] {
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        return try XCTUnwrap(doc["checks"] as? [[String: Any]])
    }

    func failed(_ output: String) throws -> [String] {
        try checks(output).filter { $0["status"] as? String == "fail" }.map { $0["name"] as! String }
    }

    /// With `[smtp] url` set to `url`, only the relay fails, as unavailable, and says `problem`.
    func assertRelayFails(url: String, naming problem: String, line: UInt = #line) throws {
        let config = mailstackConfig(edition: "sakura", languages: ["ja"]).replacingOccurrences(of: "smtp://127.0.0.1:2525", with: url)
        let r = try doctor(try NightInstance(config: config), json: true)
        XCTAssertEqual(r.status, ExitStatus.unavailable, r.output, line: line)
        XCTAssertEqual(try failed(r.output), ["relay [smtp]"], line: line)
        XCTAssertTrue(r.output.contains(": \(problem): "), r.output, line: line)
    }

    func testAllGreenAgainstTheMailStack() throws {
        let night = try NightInstance(config: mailstackConfig(edition: "sakura", languages: ["ja", "en"]))
        _ = try night.store  // the database as a first run leaves it
        let text = try doctor(night)
        XCTAssertEqual(text.status, 0, text.output)
        for line in ["✓ configuration", "✓ catalog", "✓ spool", "✓ database:", "✓ relay [smtp]", "✓ mailbox [imap]", "✓ openpgp", "✓ clock edition sakura"] {
            XCTAssertTrue(text.output.contains(line), "\(line) in\n\(text.output)")
        }
        XCTAssertTrue(text.output.contains("ready for a night"), text.output)
        let json = try doctor(night, json: true)
        XCTAssertEqual(json.status, 0, json.output)
        let all = try checks(json.output)
        XCTAssertEqual(all.map { $0["kind"] as! String },
                       ["configuration", "catalog", "spool", "database", "relay", "mailbox", "openpgp", "clock", "clock"])
        XCTAssertTrue(all.allSatisfy { $0["status"] as? String == "ok" && $0["exit_status"] as? Int == 0 }, json.output)
    }

    func testAWrongIMAPPasswordIsAConfigurationFailureOfTheMailbox() throws {
        let night = try NightInstance(config: mailstackConfig(edition: "sakura", languages: ["ja"]))
        let r = try doctor(night, env: ["KIZUNA_TEST_IMAP_PASSWORD": "not-the-password"], json: true)
        XCTAssertEqual(r.status, ExitStatus.config, r.output)
        XCTAssertEqual(try failed(r.output), ["mailbox [imap]"])
        let text = try doctor(night, env: ["KIZUNA_TEST_IMAP_PASSWORD": "not-the-password"])
        XCTAssertTrue(text.output.contains("✗ mailbox [imap]"), text.output)
        XCTAssertTrue(text.output.contains("login refused"), text.output)
        XCTAssertTrue(text.output.contains("→ Correct imap.username or the password"), text.output)
    }

    func testAStoppedRelayIsUnavailable() throws {
        try assertRelayFails(url: "smtp://127.0.0.1:\(unusedPort())", naming: "unreachable")
    }

    func testAnUnwritableSpoolCannotBeCreatedAndHidesNothingElse() throws {
        // Tests run as root, so permissions would not stop them: put the spool under a regular file.
        let config = mailstackConfig(edition: "sakura", languages: ["ja"]).replacingOccurrences(of: "@DIR@/spool", with: "@DIR@/a-file/spool")
        let night = try NightInstance(config: config)
        try Data("x".utf8).write(to: night.dir.appendingPathComponent("a-file"))
        let r = try doctor(night, json: true)
        XCTAssertEqual(r.status, ExitStatus.cannotCreate, r.output)
        XCTAssertEqual(try failed(r.output), ["spool"])
        XCTAssertEqual(try checks(r.output).filter { $0["status"] as? String == "ok" }.count, 7, r.output)
    }

    func testASpoolOwnedBySomeoneElseIsAWarningNamingTheOwner() throws {
        let night = try NightInstance(config: mailstackConfig(edition: "sakura", languages: ["ja"]))
        _ = try night.store
        let spool = night.dir.appendingPathComponent("spool").path
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        // Another user than this one (tests run as root, so root can still write there).
        let other: uid_t = geteuid() == 65534 ? 0 : 65534
        XCTAssertEqual(chown(spool, other, getegid()), 0, String(cString: strerror(errno)))
        let r = try doctor(night, json: true)
        XCTAssertEqual(r.status, 0, "a warning does not fail the night: \(r.output)")
        let check = try XCTUnwrap(try checks(r.output).first { $0["name"] as? String == "spool" }, r.output)
        XCTAssertEqual(check["status"] as? String, "warn", r.output)
        XCTAssertTrue((check["detail"] as? String ?? "").contains("owned by"), r.output)
    }

    func testABrokenTemplateIsACatalogFailure() throws {
        let templates = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-doctor-templates-\(UUID().uuidString.prefix(8))")
        try FileManager.default.copyItem(at: repoTemplates, to: templates)
        defer { try? FileManager.default.removeItem(at: templates) }
        let page = templates.appendingPathComponent("messages/en/pregnancy/d0091.md")
        try (try String(contentsOf: page, encoding: .utf8) + "\n{{#unclosed}}\n").write(to: page, atomically: true, encoding: .utf8)
        let night = try NightInstance(config: mailstackConfig(edition: "sakura", languages: ["ja", "en"]), templates: templates)
        let r = try doctor(night, json: true)
        XCTAssertEqual(r.status, ExitStatus.config, r.output)
        XCTAssertEqual(try failed(r.output), ["catalog"])
        XCTAssertTrue(r.output.contains("d0091.md"), r.output)
    }

    func testAnUntrustedCertificateIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-doctor-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let openssl = URL(fileURLWithPath: "/usr/bin/openssl")
        let made = try runProcess(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
                                            "-days", "1", "-subj", "/CN=localhost"], in: dir)
        XCTAssertEqual(made.status, 0, made.output)
        // A TLS listener with a self-signed certificate: enough for the handshake to be refused.
        let port = unusedPort()
        let server = Process()
        server.executableURL = openssl
        server.arguments = ["s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", "c.pem", "-key", "k.pem"]
        server.currentDirectoryURL = dir
        server.standardInput = FileHandle.nullDevice
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        Thread.sleep(forTimeInterval: 0.5)
        try assertRelayFails(url: "smtps://127.0.0.1:\(port)", naming: "certificate")
    }
}
