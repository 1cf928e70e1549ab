import Foundation
import KizunaCore
import KizunaMail
import KizunaStore
import Logging

/// `kizuna init DIR`: a working, commented instance — config, a copy of the sample templates,
/// an empty spool and database, the OpenPGP keyring with the instance's signing key — and optionally sample families at different stages.
public enum InitJob {
    public struct Result: Sendable {
        public var directory: String
        public var configPath: String
        public var samples: [String]
        /// The instance's signing key in its keyring.
        public var signingKey: OpenPGPKey
    }

    /// Creates the instance. Refuses to overwrite an existing `kizuna.toml`.
    public static func run(directory: String, templatesSource: String?, withSamples: Bool, clock: any WallClock) throws -> Result {
        let now = clock.now()
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: directory).standardizedFileURL
        let configURL = dir.appendingPathComponent("kizuna.toml")
        if fm.fileExists(atPath: configURL.path) {
            throw JobError("\(configURL.path) already exists; not overwriting it", exitCode: ExitStatus.cannotCreate)
        }
        let source = try SampleTemplates.locate(given: templatesSource)
        // The keyring and its key come first: without a usable gpg, nothing is created.
        let planned = try ConfigurationLoader.parse(ConfigurationTemplate.text, file: configURL.path)
        let signingKey = try InstanceKey.ensure(in: OpenPGPKeyring(home: planned.openpgp.home), edition: planned.editions[0])
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let templates = dir.appendingPathComponent("templates")
        if !fm.fileExists(atPath: templates.path) {
            try fm.copyItem(at: URL(fileURLWithPath: source), to: templates)
        }
        try fm.createDirectory(at: dir.appendingPathComponent("spool"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("outbox"), withIntermediateDirectories: true)
        try ConfigurationTemplate.text.write(to: configURL, atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader.load(path: configURL.path)
        let today = CivilDate(now, in: TimeZone(identifier: config.timeZoneIdentifier) ?? TimeZone(identifier: "Asia/Tokyo")!)
        let store = try Store(path: config.databasePath)
        _ = try store.secret()
        var added: [String] = []
        if withSamples {
            for s in sampleFamilies(today: today, edition: config.editions[0].id) {
                _ = try store.addSubscriber(s.subscriber, today: today, at: now, source: "kizuna init --samples")
                added.append("\(s.subscriber.address) — \(s.note)")
            }
        }
        return Result(directory: dir.path, configPath: configURL.path, samples: added, signingKey: signingKey)
    }

    /// Sample families placed so that each has a message on `today`.
    public static func sampleFamilies(today: CivilDate, edition: String) -> [(subscriber: NewSubscriber, note: String)] {
        func a(_ s: String) -> EmailAddress { try! EmailAddress(parsing: s) }
        let rows: [(String, String, Track, CivilDate, String?, String)] = [
            ("hanako.sample@families.example", "ja", .pregnancy, today.adding(days: 280 - 84), "まめちゃん", "pregnancy week 12+0"),
            ("aiko.sample@families.example", "ja", .pregnancy, today.adding(days: 280 - 140), nil, "pregnancy week 20+0"),
            ("emma.sample@families.example", "en", .pregnancy, today.adding(days: 280 - 252), "Bean", "pregnancy week 36+0"),
            ("yui.sample@families.example", "ja", .child, today.adding(days: -7), "ゆいちゃん", "child day 7"),
            ("sora.sample@families.example", "en", .child, today.adding(days: -100), "Sora", "child day 100"),
            ("kenta.sample@families.example", "ja", .child, today.adding(months: -6), "けんたくん", "child 6 months"),
            ("taro..sample.@docomo.ne.jp", "ja", .child, today.adding(months: -18), nil, "child 18 months; carrier address"),
            // One parent, two children: one email with two sections.
            ("mika.sample@families.example", "ja", .child, today.adding(months: -24), "はるとくん", "child 24 months (sibling below)"),
            ("mika.sample@families.example", "ja", .pregnancy, today.adding(days: 280 - 196), nil, "pregnancy week 28+0 (same parent)"),
        ]
        return rows.map { r in
            (NewSubscriber(address: a(r.0), edition: edition, language: r.1, area: nil, track: r.2, anchor: r.3, nickname: r.4), r.5)
        }
    }
}
