import Foundation
import KizunaCore
@testable import KizunaJobs
import XCTest

/// `[report] encrypt` in kizuna.toml: its three words, its default, and every bad value named with its key.
final class ReportEncryptionConfigTests: XCTestCase {
    func parse(_ report: String) throws -> ReportConfiguration? {
        try ConfigurationLoader.parse(maildirConfig() + "\n\n[report]\nto = [\"a@clinic.example\"]\n" + report, file: "k.toml").report
    }

    func testTheDefaultIsWhenKeyAndEachWordIsRead() throws {
        XCTAssertEqual(try parse("")?.encrypt, .whenKey)
        XCTAssertEqual(try parse("encrypt = \"required\"")?.encrypt, .required)
        XCTAssertEqual(try parse("encrypt = \"when_key\"")?.encrypt, .whenKey)
        XCTAssertEqual(try parse("encrypt = \"off\"")?.encrypt, .off)
    }

    func testEachBadValueIsAConfigurationErrorNamingTheKey() {
        let cases: [(String, String)] = [
            ("encrypt = \"yes\"", #"k.toml: report.encrypt: must be required, when_key or off, not "yes""#),
            ("encrypt = \"Required\"", #"k.toml: report.encrypt: must be required, when_key or off, not "Required""#),
            ("encrypt = \"when-key\"", #"k.toml: report.encrypt: must be required, when_key or off, not "when-key""#),
            ("encrypt = \"\"", #"k.toml: report.encrypt: must be required, when_key or off, not """#),
            ("encrypt = true", "k.toml: report.encrypt: must be a string"),
            ("encrypt = false", "k.toml: report.encrypt: must be a string"),
            ("encrypt = 1", "k.toml: report.encrypt: must be a string"),
            ("encrypt = [\"required\"]", "k.toml: report.encrypt: must be a string"),
        ]
        for (line, message) in cases {
            XCTAssertThrowsError(try parse(line), line) { error in
                XCTAssertEqual("\(error)", message, line)
                XCTAssertTrue(error is ConfigurationError, line)
            }
        }
        XCTAssertThrowsError(try parse("encryption = \"off\"")) { error in
            XCTAssertTrue("\(error)".hasPrefix("k.toml: report.encryption: unknown key (known: encrypt, from, to)"), "\(error)")
        }
    }

    func testTheCommentedDefaultConfigurationNamesTheSetting() throws {
        XCTAssertTrue(ConfigurationTemplate.text.contains("# encrypt = \"when_key\""), ConfigurationTemplate.text)
        // Uncommented, the template's [report] table is valid as written.
        let lines = ConfigurationTemplate.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("# [report]") }) else { return XCTFail("no [report] in the template") }
        let table = lines[start...].prefix { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)) }
            .filter { !$0.hasPrefix(" ") }.joined(separator: "\n")
        let parsed = try ConfigurationLoader.parse(maildirConfig() + "\n\n" + table + "\n", file: "k.toml").report
        XCTAssertEqual(parsed?.encrypt, .whenKey, table)
    }
}
