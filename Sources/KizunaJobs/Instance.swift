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

/// A problem a job reports to the operator, with the exit status cron should see.
public struct JobError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var exitCode: Int32
    public init(_ message: String, exitCode: Int32 = ExitStatus.software) { self.message = message; self.exitCode = exitCode }
    public var description: String { message }
}

/// Exit statuses (sysexits.h), documented in the README so cron jobs can act on them.
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 64
    public static let dataError: Int32 = 65
    /// An input file or directory does not exist or cannot be listed.
    public static let noInput: Int32 = 66
    public static let unavailable: Int32 = 69
    public static let software: Int32 = 70
    public static let cannotCreate: Int32 = 73
    public static let ioError: Int32 = 74
    /// Some messages are deferred or the server was unreachable: they stay in the spool; run again later.
    public static let tempFail: Int32 = 75
    /// Another run holds the lock.
    public static let locked: Int32 = 75
    public static let config: Int32 = 78
}
