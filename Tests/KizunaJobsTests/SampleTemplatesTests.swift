import Foundation
import KizunaJobs
import KizunaTestSupport
import XCTest

/// `kizuna init` without `--templates`: an installed binary finds `../share/kizuna/templates`,
/// a build in a checkout the checkout's `templates/`, and a failure names every path tried.
final class SampleTemplatesTests: XCTestCase {
    func testAnInstalledBinaryFindsTheSharedTemplatesBesideItsPrefix() throws {
        let prefix = try makeTemporaryDirectory("prefix")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let shared = prefix.appendingPathComponent("share/kizuna/templates")
        try FileManager.default.createDirectory(at: shared.appendingPathComponent("layouts"), withIntermediateDirectories: true)
        let found = try SampleTemplates.locate(given: nil, environment: [:], executable: prefix.path + "/bin/kizuna")
        XCTAssertEqual(URL(fileURLWithPath: found).standardizedFileURL.path, shared.standardizedFileURL.path)
    }

    func testABuildInsideACheckoutUsesTheCheckoutsTemplatesFirst() throws {
        let checkout = try makeTemporaryDirectory("checkout")
        defer { try? FileManager.default.removeItem(at: checkout) }
        FileManager.default.createFile(atPath: checkout.path + "/Package.swift", contents: Data())
        let paths = SampleTemplates.candidates(given: nil, environment: [:],
                                               executable: checkout.path + "/.build/x86_64-unknown-linux-gnu/release/kizuna")
        XCTAssertEqual(paths.first, checkout.standardizedFileURL.path + "/templates")
        XCTAssertEqual(paths.count, 2, "then <bin>/../share/kizuna/templates")
    }

    func testTheOptionAndTheEnvironmentComeBeforeAnyLookup() throws {
        XCTAssertEqual(try SampleTemplates.locate(given: "/my/catalog", environment: ["KIZUNA_TEMPLATES": "/env"], executable: "/usr/bin/kizuna"),
                       "/my/catalog")
        let paths = SampleTemplates.candidates(given: nil, environment: ["KIZUNA_TEMPLATES": "/env"], executable: "/usr/bin/kizuna")
        XCTAssertEqual(paths, ["/env", "/usr/share/kizuna/templates"])
    }

    func testNothingFoundNamesEveryPathTriedAndNeverTheCurrentDirectory() throws {
        XCTAssertThrowsError(try SampleTemplates.locate(given: nil, environment: ["KIZUNA_TEMPLATES": "/nowhere/t"],
                                                        executable: "/opt/k/bin/kizuna", exists: { _ in false })) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("cannot find the sample templates"), text)
            XCTAssertTrue(text.contains("/nowhere/t, /opt/k/share/kizuna/templates"), text)
            XCTAssertTrue(text.contains("--templates DIR"), text)
        }
    }
}
