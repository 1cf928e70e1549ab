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

    /// The templates as written, loaded once: for the tools that show or check content (lint,
    /// calendar, preview, review), which must work on unreviewed content. A local info file or an
    /// overlay naming an edition the configuration does not have is a load error here, where the
    /// configuration is known.
    public private(set) lazy var catalogAsWrittenResult: Result<ContentCatalog, Error> = Result {
        let catalog = try ContentCatalog.load(directory: URL(fileURLWithPath: configuration.templatesPath))
        try catalog.checkEditions(known: Set(configuration.editions.map(\.id)), configFile: configuration.file)
        // Surveys name editions; only the configuration knows which exist.
        try catalog.checkSurveyEditions(configuration.editions.map(\.id))
        return catalog
    }
    public func catalogAsWritten() throws -> ContentCatalog { try catalogAsWrittenResult.get() }

    /// The catalog that mail to families is rendered from — the one gate every sending step passes:
    /// with `production = true` it refuses (exit 78, naming the first offending file) unless every
    /// text that can reach a family, the configuration's support contacts included, is reviewed
    /// and not sample text; with `[openpgp] require_signed_reviews`, also approved by a reviewer
    /// key's signature over its file's current bytes. Checked once per run, each file verified once.
    public private(set) lazy var catalogResult: Result<ContentCatalog, Error> = Result {
        let catalog = try catalogAsWritten()
        guard configuration.production else { return catalog }
        let signatures = configuration.openpgp.requireSignedReviews
            ? try reviewSignatureChecks(ReviewGate.texts(catalog: catalog, configuration: configuration)) : nil
        if let refusal = ReviewGate.refusal(catalog: catalog, configuration: configuration, signatures: signatures) { throw refusal }
        return catalog
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

    /// The edition's day: its own `time_zone`, else the instance's (also for an edition that is
    /// not configured, so that a stray subscriber is judged by the instance's day).
    public func timeZone(edition id: String) -> TimeZone {
        edition(id: id)?.timeZone(instance: timeZone) ?? timeZone
    }

    /// The local date of `instant` in the edition's zone.
    public func today(edition id: String, at instant: Date) -> CivilDate { CivilDate(instant, in: timeZone(edition: id)) }

    /// Each edition's local date at `instant` (`--date` gives one date to all: `EditionDates(date)`).
    public func dates(at instant: Date) -> EditionDates {
        EditionDates(today(at: instant), byEdition: Dictionary(uniqueKeysWithValues: configuration.editions.map { ($0.id, today(edition: $0.id, at: instant)) }))
    }

    /// The transports the configuration names: the instance's (`[smtp]` or the Maildir) and each
    /// edition's own, with their passwords read now; each message goes through its edition's.
    public func transport() throws -> MailTransport {
        let shared = try transport(configuration.transport, table: "smtp")
        var own: [String: MailTransport] = [:]
        for (i, e) in configuration.editions.enumerated() {
            if let t = e.transport { own[e.id] = try transport(t, table: "edition[\(i)].smtp") }
        }
        return RoutedTransport(shared: shared, own: own)
    }

    /// One relay, or the Maildir; `table` names it in a configuration error.
    func transport(_ configured: TransportConfiguration, table: String) throws -> MailTransport {
        switch configured {
        case .maildir(let path):
            return MaildirTransport(path: URL(fileURLWithPath: path))
        case .smtp(let c):
            let password = try password(env: c.passwordEnv, file: c.passwordFile, table: table)
            let settings = SMTPSettings(url: c.url, starttls: StartTLSPolicy(rawValue: c.starttls.rawValue) ?? .required, username: c.username, password: password,
                                        connections: c.connections, connectTimeout: c.connectTimeout,
                                        responseTimeout: Int(c.responseTimeout), verifyPeer: c.verifyPeer, caFile: c.caFile)
            return SMTPTransport(settings: settings, logger: logger)
        }
    }

    /// The mailbox the configuration's `[imap]` table names, with its password read now.
    public func mailbox() throws -> InboundMailbox {
        guard let c = configuration.imap else {
            throw JobError("\(configuration.file): no [imap] table: there is no mailbox to poll", exitCode: ExitStatus.config)
        }
        return try mailbox(c, table: "imap", name: nil)
    }

    /// Every mailbox the poller reads: the instance's `[imap]` (shared by the editions without
    /// one of their own), then each edition's own. Each opens when it is read.
    public func polledMailboxes() throws -> [PolledMailbox] {
        var out: [PolledMailbox] = []
        if configuration.imap != nil { out.append(PolledMailbox(edition: nil, label: "[imap]") { try self.mailbox() }) }
        for (i, e) in configuration.editions.enumerated() {
            guard let c = e.imap else { continue }
            out.append(PolledMailbox(edition: e.id, label: "edition \(e.id)") {
                try self.mailbox(c, table: "edition[\(i)].imap", name: Self.ledgerName(mailbox: c.mailbox, edition: e.id))
            })
        }
        guard !out.isEmpty else {
            throw JobError("\(configuration.file): no [imap] table: there is no mailbox to poll", exitCode: ExitStatus.config)
        }
        return out
    }

    /// The name an edition's own mailbox is kept under in the store and `spool/inbound`
    /// (`edition:ID:MAILBOX`): apart from the shared one's and from each other's, and naming
    /// the edition, so a message fetched before a crash is still that edition's after it.
    public static func ledgerName(mailbox: String, edition: String) -> String { "edition:\(edition):\(mailbox)" }

    func mailbox(_ c: IMAPConfiguration, table: String, name: String?) throws -> InboundMailbox {
        let password = try password(env: c.passwordEnv, file: c.passwordFile, table: table) ?? ""
        let settings = IMAPSettings(url: c.url, starttls: StartTLSPolicy(rawValue: c.starttls.rawValue) ?? .required, username: c.username,
                                    password: password, mailbox: c.mailbox, connectTimeout: c.connectTimeout,
                                    responseTimeout: Int(c.responseTimeout), verifyPeer: c.verifyPeer, caFile: c.caFile)
        do {
            return IMAPMailbox(client: try IMAPClient(settings: settings), processed: c.processedMailbox, failed: c.failedMailbox,
                               logger: logger, name: name)
        } catch let e as TransportConfigurationError {
            throw JobError("\(configuration.file): \(table): \(e)", exitCode: ExitStatus.config)
        }
    }

    /// The instance's OpenPGP keyring (`[openpgp] home`), with its passphrase read now.
    public func keyring() throws -> OpenPGPKeyring {
        let c = configuration.openpgp
        let passphrase = try password(env: c.passphraseEnv, file: c.passphraseFile, table: "openpgp", kind: "passphrase")
        return try OpenPGPKeyring(home: c.home, passphrase: passphrase)
    }

    /// A password (or, by `kind`, a passphrase) from the environment variable or file the
    /// configuration's `table` names (nil when it names neither); a missing one is a configuration error.
    public func password(env: String?, file: String?, table: String, kind: String = "password") throws -> String? {
        if let env {
            guard let v = ProcessInfo.processInfo.environment[env], !v.isEmpty else {
                throw JobError("\(configuration.file): \(table).\(kind)_env: the environment variable \(env) is not set", exitCode: ExitStatus.config)
            }
            return v
        }
        guard let file else { return nil }
        guard let data = FileManager.default.contents(atPath: file), let v = String(data: data, encoding: .utf8) else {
            throw JobError("\(configuration.file): \(table).\(kind)_file: cannot read \(file)", exitCode: ExitStatus.config)
        }
        return v.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func edition(id: String) -> Edition? { configuration.editions.first { $0.id == id } }

    /// The edition an option names (nil: the first), or the usage error (64) listing the editions.
    public func namedEdition(_ id: String?) throws -> Edition {
        guard let edition = configuration.edition(id: id) else {
            throw JobError("no edition \"\(id ?? "")\" in \(configuration.file) (its editions: \(configuration.editions.map(\.id).joined(separator: ", ")))",
                           exitCode: ExitStatus.usage)
        }
        return edition
    }
}
