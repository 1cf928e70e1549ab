import Foundation

/// One edition: a clinic's or town's own address, name and languages.
public struct Edition: Sendable, Hashable {
    public var id: String
    public var name: String
    public var address: EmailAddress
    public var fromName: String
    public var languages: [String]
    public var plusAddressing: Bool
    /// An https one-click unsubscribe URL with `{token}` where the token goes (RFC 8058), if any.
    public var unsubscribeURL: String?
    /// Whom to contact for support, shown in the loss and help replies.
    public var supportContacts: String?
    /// The review of `supportContacts` (`support_contacts_review` beside it), pinned to its text.
    public var supportContactsReview: ReviewRecord?
    /// Automatic mails (replies, confirmation requests, welcomes) to one address per day.
    public var maxAutoRepliesPerDay: Int
    /// The authserv-id of the receiving MTA whose `Authentication-Results` are trusted; a failed
    /// DMARC/SPF/DKIM there holds a command from a confirmed address instead of acting on it.
    public var trustedAuthservID: String?
    /// The edition's own relay (`[edition.smtp]` or `[edition.maildir]`); nil: the instance's.
    public var transport: TransportConfiguration?
    /// The edition's own mailbox (`[edition.imap]`); nil: the instance's `[imap]`, shared by address.
    public var imap: IMAPConfiguration?
    /// Who gets this edition's section of the daily report, and nothing of another edition's
    /// (`report_to`; `[report] to` gets every section).
    public var reportTo: [EmailAddress] = []
    /// The edition's day (`time_zone`, an IANA name); nil: the instance's.
    public var timeZoneIdentifier: String?

    public init(id: String, name: String, address: EmailAddress, fromName: String, languages: [String],
                plusAddressing: Bool, unsubscribeURL: String? = nil, supportContacts: String? = nil,
                maxAutoRepliesPerDay: Int = 3, trustedAuthservID: String? = nil) {
        self.trustedAuthservID = trustedAuthservID
        self.id = id; self.name = name; self.address = address; self.fromName = fromName
        self.languages = languages; self.plusAddressing = plusAddressing
        self.unsubscribeURL = unsubscribeURL; self.supportContacts = supportContacts
        self.maxAutoRepliesPerDay = maxAutoRepliesPerDay
    }

    public var defaultLanguage: String { languages.first ?? "ja" }

    /// The List-Id value (RFC 2919): `ID.kizuna.DOMAIN`.
    public var listID: String { "\(id).kizuna.\(address.domain)" }

    /// The edition's zone (`time_zone`), else `instance` (the instance's): the edition's local
    /// date, and the offset in the `Date:` of its mail.
    public func timeZone(instance: TimeZone) -> TimeZone {
        timeZoneIdentifier.flatMap(TimeZone.init(identifier:)) ?? instance
    }
}

/// Whether STARTTLS must, may or must not be used.
public enum StartTLS: String, Sendable, CaseIterable {
    case required, optional, off
}

/// The SMTP relay settings as written in the config file.
public struct SMTPConfiguration: Sendable, Hashable {
    public var url: String
    public var starttls: StartTLS
    public var username: String?
    /// The password is never in the config: it is read from this environment variable or file.
    public var passwordEnv: String?
    public var passwordFile: String?
    public var connections: Int
    public var connectTimeout: Double
    public var responseTimeout: Double
    public var verifyPeer: Bool
    public var caFile: String?

    public init(url: String, starttls: StartTLS = .required, username: String? = nil, passwordEnv: String? = nil,
                passwordFile: String? = nil, connections: Int = 4, connectTimeout: Double = 15,
                responseTimeout: Double = 60, verifyPeer: Bool = true, caFile: String? = nil) {
        self.url = url; self.starttls = starttls; self.username = username; self.passwordEnv = passwordEnv
        self.passwordFile = passwordFile; self.connections = connections; self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout; self.verifyPeer = verifyPeer; self.caFile = caFile
    }
}

/// The mailbox the poller reads, as written in the config file (`[imap]`).
public struct IMAPConfiguration: Sendable, Hashable {
    /// `imap://host:port` or `imaps://host:993`, without the mailbox.
    public var url: String
    public var starttls: StartTLS
    public var mailbox: String
    public var username: String
    /// The password is never in the config: it is read from this environment variable or file.
    public var passwordEnv: String?
    public var passwordFile: String?
    /// Where handled messages are moved; nil: they are only flagged (`\Seen $KizunaProcessed`).
    public var processedMailbox: String?
    /// Where messages that could not be handled are moved; nil: flagged `$KizunaFailed`.
    public var failedMailbox: String?
    public var connectTimeout: Double
    public var responseTimeout: Double
    public var verifyPeer: Bool
    public var caFile: String?

    public init(url: String, starttls: StartTLS = .required, mailbox: String = "INBOX", username: String,
                passwordEnv: String? = nil, passwordFile: String? = nil, processedMailbox: String? = nil,
                failedMailbox: String? = nil, connectTimeout: Double = 15, responseTimeout: Double = 60,
                verifyPeer: Bool = true, caFile: String? = nil) {
        self.url = url; self.starttls = starttls; self.mailbox = mailbox; self.username = username
        self.passwordEnv = passwordEnv; self.passwordFile = passwordFile
        self.processedMailbox = processedMailbox; self.failedMailbox = failedMailbox
        self.connectTimeout = connectTimeout; self.responseTimeout = responseTimeout
        self.verifyPeer = verifyPeer; self.caFile = caFile
    }
}

/// Where the administrator's daily report goes (`[report]`).
public struct ReportConfiguration: Sendable, Equatable {
    /// The recipients; each gets the report once per day.
    public var to: [EmailAddress]
    /// The From (and envelope sender) address; nil: the first edition's address.
    public var from: EmailAddress?
    /// Whether the report is signed and encrypted (`encrypt`; default `when_key`).
    public var encrypt: ReportEncryption

    public init(to: [EmailAddress], from: EmailAddress? = nil, encrypt: ReportEncryption = .whenKey) {
        self.to = to; self.from = from; self.encrypt = encrypt
    }
}

/// The instance's OpenPGP keyring (`[openpgp]`).
public struct OpenPGPConfiguration: Sendable, Equatable {
    /// The keyring's home directory (GnuPG's homedir, mode 0700).
    public var home: String
    /// The passphrase is never in the config: it is read from this environment variable or file
    /// (neither: the key has none).
    public var passphraseEnv: String?
    public var passphraseFile: String?
    /// A signed command older than this is refused.
    public var maxAgeHours: Int
    /// Production also needs, beside each file of text, a detached signature (`FILE.asc`) over its
    /// current bytes by a key with the reviewer role.
    public var requireSignedReviews: Bool

    public init(home: String, passphraseEnv: String? = nil, passphraseFile: String? = nil, maxAgeHours: Int = 48, requireSignedReviews: Bool = false) {
        self.home = home; self.passphraseEnv = passphraseEnv; self.passphraseFile = passphraseFile; self.maxAgeHours = maxAgeHours
        self.requireSignedReviews = requireSignedReviews
    }
}

/// Where the night's mail goes.
public enum TransportConfiguration: Sendable, Hashable {
    case smtp(SMTPConfiguration)
    /// Delivered into a Maildir a person can open with `mutt -f`.
    case maildir(path: String)
}

/// The whole of `kizuna.toml`, with paths already resolved against the file's directory.
public struct Configuration: Sendable {
    public var file: String
    public var databasePath: String
    public var templatesPath: String
    public var spoolPath: String
    public var timeZoneIdentifier: String
    public var catchUpDays: Int
    /// In production mode unreviewed or sample content is refused.
    public var production: Bool
    public var transport: TransportConfiguration
    public var retry: RetryPolicy
    public var editions: [Edition]
    /// The mailbox `kizuna poll` reads; nil: no polling (`nightly` skips the step).
    public var imap: IMAPConfiguration?
    /// How bounces weigh (`[bounces]`; Mailman-like defaults).
    public var bounces: BounceScorePolicy = .standard
    /// Where `kizuna report` sends the daily report; nil: it only prints it.
    public var report: ReportConfiguration?
    /// The care paths: the overdue check-in and the automatic switch to the child track (`[care]`).
    public var care = CareConfiguration()
    /// The instance's keyring; by default `gnupg` beside the configuration file.
    public var openpgp: OpenPGPConfiguration

    public init(file: String, databasePath: String, templatesPath: String, spoolPath: String,
                timeZoneIdentifier: String, catchUpDays: Int, production: Bool,
                transport: TransportConfiguration, retry: RetryPolicy, editions: [Edition],
                imap: IMAPConfiguration? = nil) {
        self.imap = imap
        self.openpgp = OpenPGPConfiguration(home: URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("gnupg").standardizedFileURL.path)
        self.file = file; self.databasePath = databasePath; self.templatesPath = templatesPath
        self.spoolPath = spoolPath; self.timeZoneIdentifier = timeZoneIdentifier; self.catchUpDays = catchUpDays
        self.production = production; self.transport = transport; self.retry = retry; self.editions = editions
    }

    public func edition(id: String?) -> Edition? {
        guard let id else { return editions.first }
        return editions.first { $0.id == id }
    }

    /// The editions that send through a relay of their own.
    public var editionsWithOwnRelay: [Edition] { editions.filter { $0.transport != nil } }

}
