import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaStore
import Logging

/// One Kizuna installation: its configuration and the store, catalog and spool it names.
/// Each part opens on first use, so `kizuna stats` does not load templates and `kizuna send`
/// does not parse them.
public final class Instance {
    public let configuration: Configuration
    public let logger: Logger
    public let timeZone: TimeZone

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.timeZone = TimeZone(identifier: configuration.timeZoneIdentifier) ?? TimeZone(identifier: "Asia/Tokyo")!
    }

    public static func open(configPath: String, logger: Logger) throws -> Instance {
        Instance(configuration: try ConfigurationLoader.load(path: configPath), logger: logger)
    }

    public private(set) lazy var storeResult: Result<Store, Error> = Result {
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: configuration.databasePath).deletingLastPathComponent(), withIntermediateDirectories: true)
        return try Store(path: configuration.databasePath)
    }
    public func store() throws -> Store { try storeResult.get() }

    public private(set) lazy var catalogResult: Result<ContentCatalog, Error> = Result {
        try ContentCatalog.load(directory: URL(fileURLWithPath: configuration.templatesPath))
    }
    public func catalog() throws -> ContentCatalog { try catalogResult.get() }

    public func spool() throws -> Spool {
        try Spool(root: URL(fileURLWithPath: configuration.spoolPath), logger: logger)
    }

    public func tokens() throws -> AddressTokens { AddressTokens(secret: try store().secret()) }

    /// The tokens for checking, read without opening the store for writing (no migration, no
    /// new secret): nil when the instance has no database or secret yet.
    public func existingTokens() throws -> AddressTokens? {
        try Store.existingSecret(databasePath: configuration.databasePath).map(AddressTokens.init(secret:))
    }

    /// The local date in the configured time zone.
    public func today(at now: Date = Date()) -> CivilDate {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.year, .month, .day], from: now)
        return CivilDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    public func edition(id: String) -> Edition? { configuration.editions.first { $0.id == id } }
}
