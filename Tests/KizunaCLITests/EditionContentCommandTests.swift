import Foundation
import XCTest

/// Content that names an edition: local info files and overlays of editions the configuration
/// does not have,.
final class EditionContentCommandTests: XCTestCase {
    func testLocalInfoOrAnOverlayOfAnEditionTheConfigurationLacksIsALoadError() throws {
        let dir = try scratchDirectory(self)
        let config = try initInstance(dir, samples: false)
        let templates = dir.appendingPathComponent("inst/templates")
        XCTAssertEqual(try Kizuna.run(["content", "lint", "--config", config], in: dir).status, 0)

        // A file renamed after a misspelt edition: lint and every sending step refuse, naming the file.
        try FileManager.default.moveItem(at: templates.appendingPathComponent("local/sakura.toml"), to: templates.appendingPathComponent("local/sakra.toml"))
        for command in [["content", "lint"], ["batch"], ["nightly"], ["content", "preview", "pregnancy/d0140"]] {
            let run = try Kizuna.run(command + ["--config", config], in: dir)
            XCTAssertEqual(run.status, 78, "\(command): \(run)")
            XCTAssertTrue(run.stderr.contains("local/sakra.toml: no edition `sakra` in \(config) (its editions: sakura)"), "\(command): \(run.stderr)")
        }
        try FileManager.default.moveItem(at: templates.appendingPathComponent("local/sakra.toml"), to: templates.appendingPathComponent("local/sakura.toml"))

        // The same for an overlay directory.
        let overlay = templates.appendingPathComponent("editions/ume/system/en")
        try FileManager.default.createDirectory(at: overlay, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: templates.appendingPathComponent("system/en/help.md"), to: overlay.appendingPathComponent("help.md"))
        let lint = try Kizuna.run(["content", "lint", "--config", config], in: dir)
        XCTAssertEqual(lint.status, 78, "\(lint)")
        XCTAssertTrue(lint.stderr.contains("editions/ume: no edition `ume` in \(config)"), lint.stderr)
        // Named after the edition it serves, it loads, and lint names its sample text as the shared one's.
        try FileManager.default.moveItem(at: templates.appendingPathComponent("editions/ume"), to: templates.appendingPathComponent("editions/sakura"))
        let good = try Kizuna.run(["content", "lint", "--production", "--config", config], in: dir)
        XCTAssertEqual(good.status, 65, "\(good)")
        XCTAssertTrue(good.stdout.contains("error: editions/sakura/system/en/help.md: sample text"), good.stdout)
    }
}
