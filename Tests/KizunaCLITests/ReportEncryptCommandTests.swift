import Foundation
import KizunaTestSupport
import XCTest

/// `[report] encrypt` end to end with the binary and the Maildir transport: `kizuna init` made the
/// instance's key; the administrator has none in the keyring.
final class ReportEncryptCommandTests: XCTestCase {
    func setReport(_ config: String, encrypt: String) throws {
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "\n[[edition]]\n", with: "\n[report]\nto = [\"admin@clinic.example\"]\nencrypt = \"\(encrypt)\"\n\n[[edition]]\n")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    func reportFiles(_ outbox: URL) -> [String] {
        maildirFiles(outbox).compactMap { try? String(contentsOf: $0, encoding: .utf8) }.filter { $0.contains("\nAuto-Submitted: auto-generated\n") }
    }

    let families = ["hanako.sample@families.example", "aiko.sample@families.example", "emma.sample@families.example", "yui.sample@families.example",
                    "sora.sample@families.example", "kenta.sample@families.example", "taro..sample.@docomo.ne.jp", "mika.sample@families.example"]

    func testRequiredSendsAKeylessAdministratorASignedNoticeWithoutPersonalData() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        try setReport(config, encrypt: "required")
        let night = try Kizuna.run(["nightly", "-v", "--config", config], in: dir)
        XCTAssertEqual(night.status, 0, "\(night)")
        XCTAssertEqual(night.stdoutLines.last, "nightly \(tokyoDate()): 8 queued, 9 sent, 0 deferred, 0 bounced, 0 waiting; report queued for admin@clinic.example")
        XCTAssertTrue(night.stderr.contains("report queued") && night.stderr.contains("report.form=notice without personal data, signed"), night.stderr)
        let reports = reportFiles(dir.appendingPathComponent("inst/outbox"))
        XCTAssertEqual(reports.count, 1)
        let notice = try XCTUnwrap(reports.first)
        XCTAssertTrue(notice.contains("\nSubject: Kizuna report \(tokyoDate()): ready, sent only encrypted\n"), notice)
        XCTAssertTrue(notice.contains("\nContent-Type: multipart/signed; micalg=pgp-sha"), notice)
        for family in families + ["\"taro..sample.\"@docomo.ne.jp", "families.example", "docomo"] {
            XCTAssertFalse(notice.contains(family), "the notice names no family: \(family)")
        }
        let printed = try Kizuna.run(["report", "--print", "--config", config], in: dir)
        XCTAssertTrue(printed.stdout.contains("  daily messages: 8 sent,"), "the report itself is read on the server: \(printed.stdout)")
    }

    func testRequiredOnAnInstanceWithoutAKeyQueuesNothingAndExits78() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: true)
        try setReport(config, encrypt: "required")
        // An instance made before OpenPGP: no keyring.
        stopGPGAgents(under: dir)
        let home = dir.appendingPathComponent("inst/gnupg")
        try FileManager.default.removeItem(at: home)

        let night = try Kizuna.run(["nightly", "--config", config], in: dir)
        XCTAssertEqual(night.status, 78, "\(night)")
        XCTAssertEqual(night.stdoutLines, ["nightly \(tokyoDate()): 8 queued, 8 sent, 0 deferred, 0 bounced, 0 waiting"], "the families' mail went out")
        XCTAssertTrue(night.stderr.contains("kizuna: report: report.encrypt is \"required\" but the instance has no usable OpenPGP signing key"), night.stderr)
        XCTAssertTrue(night.stderr.contains("no keyring at \(home.path)"), night.stderr)
        XCTAssertEqual(reportFiles(dir.appendingPathComponent("inst/outbox")).count, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: home.path), "the report makes no keyring")

        let report = try Kizuna.run(["report", "--config", config], in: dir)
        XCTAssertEqual(report.status, 78, "\(report)")
        XCTAssertTrue(report.stderr.contains("set encrypt = \"when_key\""), report.stderr)

        // when_key: as before, in clear, with a warning.
        var text = try String(contentsOfFile: config, encoding: .utf8)
        text = text.replacingOccurrences(of: "encrypt = \"required\"", with: "encrypt = \"when_key\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let clear = try Kizuna.run(["report", "--config", config], in: dir)
        XCTAssertEqual(clear.status, 0, "\(clear)")
        XCTAssertTrue(clear.stderr.contains("the report goes out in clear and unsigned"), clear.stderr)
        XCTAssertEqual(try Kizuna.run(["send", "--config", config], in: dir).status, 0)
        let reports = reportFiles(dir.appendingPathComponent("inst/outbox"))
        XCTAssertEqual(reports.count, 1)
        XCTAssertTrue(reports.first?.contains("\nContent-Type: text/plain; charset=UTF-8\n") ?? false, reports.first ?? "")
    }
}
