import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaStore
import Logging

/// One Kizuna installation: its configuration, the clock and logger the executable gives it,
/// and the store, catalog and spool it names. Each part opens on first use, so `kizuna stats`
/// does not load templates and `kizuna send` does not parse them.
public final class Instance {
    public let configuration: Configuration
    /// What time it is, for every job on this instance.
    public let clock: any WallClock
    public let logger: Logger
    public let timeZone: TimeZone

    public init(configuration: Configuration, clock: any WallClock, logger: Logger) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.timeZone = TimeZone(identifier: configuration.timeZoneIdentifier) ?? TimeZone(identifier: "Asia/Tokyo")!
    }

    public static func open(configPath: String, clock: any WallClock, logger: Logger) throws -> Instance {
        Instance(configuration: try ConfigurationLoader.load(path: configPath), clock: clock, logger: logger)
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

    /// Today in the configured time zone.
    public func today() -> CivilDate { today(at: clock.now()) }

    /// The local date of `instant` in the configured time zone.
    public func today(at instant: Date) -> CivilDate { CivilDate(instant, in: timeZone) }

    public func edition(id: String) -> Edition? { configuration.editions.first { $0.id == id } }
}
