import Foundation
import Testing
@testable import KizunaContent

@Suite struct ThroughputTests {
    /// Prepares once, then composes 50,000 emails; prints the rate (never asserts on time).
    @Test func compose50000() throws {
        let templates = FileManager.default.fileExists(atPath: Fixtures.repoTemplates.appendingPathComponent("messages").path)
            ? Fixtures.repoTemplates : Fixtures.valid
        let catalog = try ContentCatalog.load(directory: templates)
        let renderer = Renderer(catalog: catalog)
        let edition = EditionInfo(id: "sakura", name: "さくらクリニック")
        let language = catalog.languages.contains("ja") ? "ja" : catalog.languages[0]
        let stages = catalog.stages(track: .pregnancy) + catalog.stages(track: .child)
        var prepared: [PreparedSection] = []
        for stage in stages {
            if let s = try? renderer.prepareSection(stage: stage, language: language, edition: edition, area: "kita", date: undatedDay) { prepared.append(s) }
        }
        try #require(!prepared.isEmpty)
        let count = 50_000
        var bytes = 0
        let start = ContinuousClock.now
        for i in 0..<count {
            let mail = renderer.compose(sections: [(prepared[i % prepared.count], nickname: "はなちゃん")], language: language,
                                        edition: edition, unsubscribeAddress: "kizuna@clinic.example")
            bytes &+= mail.text.utf8.count &+ mail.html.utf8.count
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("KizunaContent compose: \(count) emails from \(prepared.count) prepared sections (\(templates.lastPathComponent)) in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) msgs/s, \(bytes / count) bytes/email")
        #expect(bytes > 0)
    }
}
