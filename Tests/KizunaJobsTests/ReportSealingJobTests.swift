import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import KizunaTestSupport
import Logging
import XCTest

/// Log lines kept for a test to read (level and message with its metadata).
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.withLock { lines } }
    func add(_ line: String) { lock.withLock { lines.append(line) } }

    var logger: Logger {
        var l = Logger(label: "kizuna.test.captured") { _ in CapturingHandler(log: self) }
        l.logLevel = .info
        return l
    }

    struct CapturingHandler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let meta = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.add("\(event.level) \(event.message) \(meta)")
        }
    }
}

/// `[report] encrypt` when the instance cannot sign (made before OpenPGP, or no key in its
/// keyring), and which keys a report is never encrypted to. Maildir transport, keys made by gpg.
final class ReportSealingJobTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!
    var noon: Date { noonInTokyo(day) }

    func night(encrypt: String, to: [String] = ["admin@clinic.example"]) throws -> (NightInstance, Instance, CapturedLog) {
        let config = maildirConfig() + "\n\n[report]\nto = [\(to.map { "\"\($0)\"" }.joined(separator: ", "))]\nencrypt = \"\(encrypt)\"\n"
        let night = try NightInstance(config: config)
        addTeardownBlock { [dir = night.dir] in stopGPGAgents(under: dir) }
        let log = CapturedLog()
        let instance = Instance(configuration: night.instance.configuration, clock: night.instance.clock, logger: log.logger)
        try night.add("hanako.sample@families.example", track: .pregnancy, anchor: day.adding(days: 140), today: day)
        return (night, instance, log)
    }

    func reportMails(_ night: NightInstance) throws -> [DeliveredMail] {
        try night.delivered().filter { $0.header("Auto-Submitted") == "auto-generated" }
    }

    func testWhenKeyWithoutAKeyringSendsInClearWithAWarning() throws {
        let (night, instance, log) = try night(encrypt: "when_key")
        let summary = try ReportJob(instance: instance).run(date: day, now: noon)
        XCTAssertEqual(summary.forms, ["admin@clinic.example": .plain])
        XCTAssertTrue(log.all.contains { $0.hasPrefix("warning the report goes out in clear and unsigned") && $0.contains("no keyring at \(instance.configuration.openpgp.home)") },
                      "\(log.all)")
        XCTAssertTrue(log.all.contains { $0.hasPrefix("notice report queued") && $0.contains("report.form=clear, unsigned report.recipient=admin@clinic.example") }, "\(log.all)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: instance.configuration.openpgp.home), "no keyring is made by the report")
        XCTAssertEqual(try night.send(at: noon).sent, 1)
        let mail = try XCTUnwrap(try reportMails(night).first)
        XCTAssertEqual(mail.header("Content-Type"), "text/plain; charset=UTF-8")
        XCTAssertEqual(singlePartText(mail), summary.text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    func testRequiredWithoutAKeyringQueuesNothingAndSaysWhatToDo() throws {
        let (night, instance, log) = try night(encrypt: "required")
        XCTAssertThrowsError(try ReportJob(instance: instance).run(date: day, now: noon)) { error in
            XCTAssertEqual((error as? JobError)?.exitCode, ExitStatus.config)
            let message = "\(error)"
            XCTAssertTrue(message.contains("report.encrypt is \"required\" but the instance has no usable OpenPGP signing key"), message)
            XCTAssertTrue(message.contains("no report was queued"), message)
            XCTAssertTrue(message.contains("no keyring at \(instance.configuration.openpgp.home)"), message)
            XCTAssertTrue(message.contains("when_key"), message)
        }
        XCTAssertTrue(log.all.contains { $0.hasPrefix("error report not queued") }, "\(log.all)")
        XCTAssertEqual(try night.store.reportDeliveries(on: day).count, 0)
        XCTAssertEqual(try night.send(at: noon).sent, 0)
        XCTAssertEqual(try reportMails(night).count, 0, "nothing in clear, not even a notice")
        XCTAssertFalse(FileManager.default.fileExists(atPath: instance.configuration.openpgp.home))
    }

    func testRequiredWithAKeyringButNoSigningKeyQueuesNothing() throws {
        _ = try requireGPG()
        let (night, instance, _) = try night(encrypt: "required")
        _ = try instance.keyring()   // the directory, without a key
        XCTAssertThrowsError(try ReportJob(instance: instance).run(date: day, now: noon)) { error in
            XCTAssertEqual((error as? JobError)?.exitCode, ExitStatus.config)
            XCTAssertTrue("\(error)".contains("no usable signing key in the keyring \(instance.configuration.openpgp.home)"), "\(error)")
        }
        XCTAssertEqual(try night.store.reportDeliveries(on: day).count, 0)
    }

    /// Only a key brought in with `kizuna keys import` (a role in the store), able to encrypt,
    /// with the recipient's address, is encrypted to; the others get the report signed in clear.
    func testOnlyAnImportedEncryptionKeyWithTheRecipientsAddressIsUsed() throws {
        _ = try requireGPG()
        let (night, instance, log) = try night(encrypt: "when_key", to: ["a@clinic.example", "b@clinic.example", "c@clinic.example", "d@clinic.example"])
        let keyring = try instance.keyring()
        _ = try InstanceKey.ensure(in: keyring, edition: instance.configuration.editions[0])
        let home = try makeGnuPGHome(self, "people")
        func export(_ address: String, _ algorithms: [String]) throws -> URL {
            try gpg(home, ["--quick-gen-key", "Someone <\(address)>"] + algorithms)
            let file = home.deletingLastPathComponent().appendingPathComponent("\(address).asc")
            try gpg(home, ["--armor", "--output", file.path, "--export", "<\(address)>"])
            return file
        }
        // a: imported, can encrypt. b: in gpg's keyring by hand, no role. c: imported, sign-only.
        // d: imported, can encrypt, but its user id is another address.
        _ = try KeyAdmin(instance: instance).importKey(file: try export("a@clinic.example", ["future-default", "default", "never"]).path, role: .reviewer, edition: nil, field: nil)
        _ = try keyring.importKeys(try Data(contentsOf: try export("b@clinic.example", ["future-default", "default", "never"])))
        _ = try KeyAdmin(instance: instance).importKey(file: try export("c@clinic.example", ["ed25519", "sign", "never"]).path, role: .admin, edition: nil, field: nil)
        _ = try KeyAdmin(instance: instance).importKey(file: try export("d@clinic.example.org", ["future-default", "default", "never"]).path, role: .admin, edition: nil, field: nil)
        let roles = try night.store.currentKeyRoles()
        let a = try XCTUnwrap(roles.first { $0.userID.contains("<a@clinic.example>") }).fingerprint

        let summary = try ReportJob(instance: instance).run(date: day, now: noon)
        XCTAssertEqual(summary.forms, ["a@clinic.example": .encrypted(fingerprint: a), "b@clinic.example": .signed,
                                       "c@clinic.example": .signed, "d@clinic.example": .signed])
        XCTAssertTrue(log.all.contains { $0.contains("report.form=encrypted to \(a), signed report.recipient=a@clinic.example") }, "\(log.all)")
        XCTAssertFalse(log.all.contains { $0.contains("hanako") || $0.contains("daily messages") }, "the log never holds the content: \(log.all)")
        XCTAssertEqual(try night.send(at: noon).sent, 4)
        let types = Dictionary(uniqueKeysWithValues: try reportMails(night).map { ($0.header("To") ?? "", $0.header("Content-Type") ?? "") })
        XCTAssertTrue(types["a@clinic.example"]?.hasPrefix("multipart/encrypted;") ?? false, "\(types)")
        for r in ["b", "c", "d"] { XCTAssertTrue(types["\(r)@clinic.example"]?.hasPrefix("multipart/signed;") ?? false, "\(types)") }
    }
}
