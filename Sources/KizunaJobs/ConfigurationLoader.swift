import Foundation
import KizunaContent
import KizunaCore
import TOMLKit

/// A problem in `kizuna.toml`: which file, which key, what is wrong.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var key: String?
    public var problem: String
    public var description: String {
        if let key { return "\(file): \(key): \(problem)" }
        return "\(file): \(problem)"
    }
}

/// Reads `kizuna.toml` into a `Configuration`, resolving relative paths against the file's directory.
public enum ConfigurationLoader {
    /// `--config PATH`, else `KIZUNA_CONFIG`, else `./kizuna.toml`.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = environment["KIZUNA_CONFIG"], !env.isEmpty { return env }
        return "kizuna.toml"
    }

    public static func load(path: String) throws -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, key: nil, problem: "cannot read the file (run `kizuna init DIR` to create one, or pass --config PATH)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, key: nil, problem: "the file is not UTF-8")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> Configuration {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw ConfigurationError(file: file, key: nil, problem: "line \(e.source.begin.line), column \(e.source.begin.column): \(e.description)")
        }
        let r = Reader(table: table, file: file, prefix: "", base: URL(fileURLWithPath: file).deletingLastPathComponent())
        try r.allow(["database", "templates", "spool", "time_zone", "catch_up_days", "production", "smtp", "maildir", "retry", "edition", "imap", "bounces", "report", "care", "openpgp"])
        // In this order, so that a file with several problems always names the same one first.
        let zone = try timeZone(r)
        let catchUp = try catchUpDays(r)
        let transport = try self.transport(r) ?? .maildir(path: r.path("outbox"))
        let retry = try self.retry(r)
        let bounces = try self.bounces(r)
        let imap = try self.imap(r)
        let report = try self.report(r)
        let care = try self.care(r)
        let openpgp = try self.openpgp(r)
        let editions = try self.editions(r, instanceIMAP: imap)
        if report == nil, let i = editions.firstIndex(where: { !$0.reportTo.isEmpty }) {
            // The report's sender and sealing (`from`, `encrypt`) are the instance's: an edition's
            // recipients without them would silently get nothing.
            throw r.error("edition[\(i)].report_to", "needs a [report] table (its to, from and encrypt serve every edition)")
        }

        var configuration = Configuration(
            file: file, databasePath: r.path(try r.string("database") ?? "kizuna.sqlite"),
            templatesPath: r.path(try r.string("templates") ?? "templates"), spoolPath: r.path(try r.string("spool") ?? "spool"),
            timeZoneIdentifier: zone, catchUpDays: catchUp, production: try r.bool("production") ?? false,
            transport: transport, retry: retry, editions: editions, imap: imap)
        configuration.bounces = bounces
        configuration.report = report
        configuration.care = care
        configuration.openpgp = openpgp
        return configuration
    }

    static func timeZone(_ r: Reader) throws -> String {
        let zone = try r.string("time_zone") ?? "Asia/Tokyo"
        guard TimeZone(identifier: zone) != nil else {
            throw r.error("time_zone", "unknown time zone \"\(zone)\" (use an IANA name such as Asia/Tokyo)")
        }
        return zone
    }

    static func catchUpDays(_ r: Reader) throws -> Int {
        let catchUp = try r.int("catch_up_days") ?? 2
        guard (0...14).contains(catchUp) else { throw r.error("catch_up_days", "must be between 0 and 14, not \(catchUp)") }
        return catchUp
    }

    /// `[smtp]`, else `[maildir]`, else nil (the instance's default: the Maildir `outbox` beside
    /// the file; an edition's: the instance's relay).
    static func transport(_ r: Reader) throws -> TransportConfiguration? {
        if let s = try r.table("smtp") {
            try s.allow(["url", "starttls", "username", "password_env", "password_file", "connections", "connect_timeout", "response_timeout", "verify_peer", "ca_file"])
            let (url, tls) = try s.serverURL(schemes: ("smtp", "smtps"), example: "smtp://host:port or smtps://host:465")
            let connections = try s.int("connections") ?? 4
            guard (1...64).contains(connections) else { throw s.error("connections", "must be between 1 and 64") }
            let pwEnv = try s.string("password_env"), pwFile = try s.string("password_file")
            if pwEnv != nil && pwFile != nil { throw s.error("password_file", "give password_env or password_file, not both") }
            return .smtp(SMTPConfiguration(
                url: url, starttls: tls, username: try s.string("username"), passwordEnv: pwEnv,
                passwordFile: pwFile.map(r.path), connections: connections,
                connectTimeout: try s.double("connect_timeout") ?? 15, responseTimeout: try s.double("response_timeout") ?? 60,
                verifyPeer: try s.bool("verify_peer") ?? true, caFile: try s.string("ca_file").map(r.path)))
        } else if let m = try r.table("maildir") {
            try m.allow(["path"])
            return .maildir(path: r.path(try m.string("path") ?? "outbox"))
        }
        return nil
    }

    static func retry(_ r: Reader) throws -> RetryPolicy {
        var retry = RetryPolicy()
        guard let t = try r.table("retry") else { return retry }
        try t.allow(["minimum_backoff", "maximum_backoff", "lifetime_hours"])
        retry.minimumBackoff = try t.int("minimum_backoff") ?? retry.minimumBackoff
        retry.maximumBackoff = try t.int("maximum_backoff") ?? retry.maximumBackoff
        retry.lifetime = (try t.int("lifetime_hours")).map { $0 * 3600 } ?? retry.lifetime
        guard retry.minimumBackoff > 0, retry.maximumBackoff >= retry.minimumBackoff else {
            throw t.error("maximum_backoff", "must be at least minimum_backoff, and both positive")
        }
        return retry
    }

    static func bounces(_ r: Reader) throws -> BounceScorePolicy {
        var bounces = BounceScorePolicy.standard
        guard let t = try r.table("bounces") else { return bounces }
        try t.allow(["hard_weight", "soft_weight", "threshold", "stale_after_days"])
        bounces.hardWeight = try t.double("hard_weight") ?? bounces.hardWeight
        bounces.softWeight = try t.double("soft_weight") ?? bounces.softWeight
        bounces.threshold = try t.double("threshold") ?? bounces.threshold
        bounces.staleAfterDays = try t.int("stale_after_days") ?? bounces.staleAfterDays
        for (key, v) in [("hard_weight", bounces.hardWeight), ("soft_weight", bounces.softWeight), ("threshold", bounces.threshold)]
        where !(v > 0 && v <= 1000) {
            throw t.error(key, "must be a number above 0 (at most 1000)")
        }
        guard (1...365).contains(bounces.staleAfterDays) else { throw t.error("stale_after_days", "must be 1–365") }
        return bounces
    }

    static func imap(_ r: Reader) throws -> IMAPConfiguration? {
        guard let t = try r.table("imap") else { return nil }
        try t.allow(["url", "starttls", "mailbox", "username", "password_env", "password_file", "processed_mailbox",
                     "failed_mailbox", "connect_timeout", "response_timeout", "verify_peer", "ca_file"])
        let (url, tls) = try t.serverURL(schemes: ("imap", "imaps"), example: "imap://host:port or imaps://host:993")
        guard let username = try t.string("username"), !username.isEmpty else { throw t.error("username", "is required") }
        let pwEnv = try t.string("password_env"), pwFile = try t.string("password_file")
        if pwEnv != nil && pwFile != nil { throw t.error("password_file", "give password_env or password_file, not both") }
        if pwEnv == nil && pwFile == nil { throw t.error("password_env", "give password_env or password_file (never the password itself)") }
        let mailbox = try t.string("mailbox") ?? "INBOX"
        guard !mailbox.isEmpty else { throw t.error("mailbox", "must not be empty") }
        let processed = try t.string("processed_mailbox"), failed = try t.string("failed_mailbox")
        for (key, value) in [("processed_mailbox", processed), ("failed_mailbox", failed)] {
            if let value, value.isEmpty || value == mailbox { throw t.error(key, "must name a mailbox other than \"\(mailbox)\"") }
        }
        let connect = try t.double("connect_timeout") ?? 15, response = try t.double("response_timeout") ?? 60
        guard connect > 0, response > 0 else { throw t.error("response_timeout", "timeouts must be positive") }
        return IMAPConfiguration(url: url, starttls: tls, mailbox: mailbox, username: username, passwordEnv: pwEnv,
                                 passwordFile: pwFile.map(r.path), processedMailbox: processed, failedMailbox: failed,
                                 connectTimeout: connect, responseTimeout: response,
                                 verifyPeer: try t.bool("verify_peer") ?? true, caFile: try t.string("ca_file").map(r.path))
    }

    static func report(_ r: Reader) throws -> ReportConfiguration? {
        guard let t = try r.table("report") else { return nil }
        try t.allow(["to", "from", "encrypt"])
        guard t.value("to") != nil else { throw t.error("to", "is required: the administrators' addresses, e.g. to = [\"admin@clinic.example\"]") }
        let to = try t.addresses("to", empty: "must name at least one address") ?? []
        let encryptText = try t.string("encrypt") ?? ReportEncryption.whenKey.rawValue
        guard let encrypt = ReportEncryption(rawValue: encryptText) else {
            throw t.error("encrypt", "must be required, when_key or off, not \"\(encryptText)\"")
        }
        return ReportConfiguration(to: to, from: try t.string("from").map { try t.address("from", $0) }, encrypt: encrypt)
    }

    /// `[care]`: whole days, 0 for never. When both are set, the switch must come after the
    /// check-in, so a family is asked before anything is assumed.
    static func care(_ r: Reader) throws -> CareConfiguration {
        var care = CareConfiguration()
        guard let t = try r.table("care") else { return care }
        try t.allow(["overdue_check_in_days", "auto_switch_days"])
        care.overdueCheckInDays = try t.int("overdue_check_in_days") ?? care.overdueCheckInDays
        care.autoSwitchDays = try t.int("auto_switch_days") ?? care.autoSwitchDays
        for (key, days) in [("overdue_check_in_days", care.overdueCheckInDays), ("auto_switch_days", care.autoSwitchDays)]
        where !(0...NewSubscriber.dueDateMaxDaysPast).contains(days) {
            throw t.error(key, "must be a whole number of days from 0 (never) to \(NewSubscriber.dueDateMaxDaysPast), not \(days)")
        }
        if care.autoSwitchDays > 0, care.overdueCheckInDays > 0, care.autoSwitchDays <= care.overdueCheckInDays {
            throw t.error("auto_switch_days", "must be more than overdue_check_in_days (\(care.overdueCheckInDays)), so that families "
                + "are asked for the birth date before one is assumed; or set overdue_check_in_days = 0")
        }
        return care
    }

    /// `[openpgp]`: the keyring's home (default `gnupg` beside the file), where its passphrase
    /// comes from (never the passphrase itself), how old a signed command may be, and whether
    /// production needs reviews signed by a reviewer key.
    static func openpgp(_ r: Reader) throws -> OpenPGPConfiguration {
        var openpgp = OpenPGPConfiguration(home: r.path("gnupg"))
        guard let t = try r.table("openpgp") else { return openpgp }
        try t.allow(["home", "passphrase_env", "passphrase_file", "max_age_hours", "require_signed_reviews"])
        if let home = try t.string("home") {
            guard !home.isEmpty else { throw t.error("home", "must not be empty") }
            openpgp.home = r.path(home)
        }
        let env = try t.string("passphrase_env"), file = try t.string("passphrase_file")
        if env != nil && file != nil { throw t.error("passphrase_file", "give passphrase_env or passphrase_file, not both") }
        openpgp.passphraseEnv = env
        openpgp.passphraseFile = file.map(r.path)
        openpgp.maxAgeHours = try t.int("max_age_hours") ?? openpgp.maxAgeHours
        guard (1...720).contains(openpgp.maxAgeHours) else { throw t.error("max_age_hours", "must be between 1 and 720, not \(openpgp.maxAgeHours)") }
        openpgp.requireSignedReviews = try t.bool("require_signed_reviews") ?? false
        return openpgp
    }

    static func editions(_ r: Reader, instanceIMAP: IMAPConfiguration?) throws -> [Edition] {
        guard let editionArray = r.value("edition")?.array, !editionArray.isEmpty else {
            throw r.error("edition", "at least one [[edition]] is required")
        }
        var editions: [Edition] = []
        for (i, value) in editionArray.enumerated() {
            guard let table = value.table else { throw r.error("edition[\(i)]", "must be a table ([[edition]])") }
            let e = Reader(table: table, file: r.file, prefix: "edition[\(i)].", base: r.base)
            editions.append(try edition(e, besides: editions))
        }
        try checkMailboxesDistinct(editions, instance: instanceIMAP, r)
        return editions
    }

    /// Every mailbox is read once and bound to one owner: two editions (or an edition and the
    /// instance) naming the same account's same mailbox would each act on the other's mail.
    static func checkMailboxesDistinct(_ editions: [Edition], instance: IMAPConfiguration?, _ r: Reader) throws {
        func place(_ c: IMAPConfiguration) -> String { "\(c.url.lowercased())|\(c.username.lowercased())|\(c.mailbox)" }
        var seen: [String: String] = instance.map { [place($0): "[imap]"] } ?? [:]
        for (i, e) in editions.enumerated() {
            guard let c = e.imap else { continue }
            if let owner = seen[place(c)] {
                throw r.error("edition[\(i)].imap.mailbox", "\(c.username)'s \"\(c.mailbox)\" is already read for \(owner): "
                    + "an edition's own mailbox must be its alone (leave [edition.imap] out to share the instance's)")
            }
            seen[place(c)] = "edition \(e.id)"
        }
    }

    /// One `[[edition]]`; its id must differ from the editions read before it.
    static func edition(_ e: Reader, besides earlier: [Edition]) throws -> Edition {
        try e.allow(["id", "name", "address", "from_name", "languages", "plus_addressing", "unsubscribe_url", "support_contacts",
                     "support_contacts_review", "max_auto_replies_per_day", "trusted_authserv_id", "report_to", "time_zone",
                     "smtp", "maildir", "imap"])
        guard let id = try e.string("id"), !id.isEmpty else { throw e.error("id", "is required") }
        guard id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw e.error("id", "may hold only ASCII letters, digits, - and _")
        }
        guard !earlier.contains(where: { $0.id == id }) else { throw e.error("id", "\"\(id)\" is used by two editions") }
        guard let addrText = try e.string("address") else { throw e.error("address", "is required") }
        let address = try e.address("address", addrText)
        let name = try e.string("name") ?? id
        let languages = try e.strings("languages") ?? ["ja", "en"]
        guard !languages.isEmpty else { throw e.error("languages", "must name at least one language") }
        let unsub = try e.string("unsubscribe_url")
        if let unsub, !unsub.hasPrefix("https://") || !unsub.contains("{token}") {
            throw e.error("unsubscribe_url", "must be an https:// URL containing {token}")
        }
        let maxReplies = try e.int("max_auto_replies_per_day") ?? 3
        guard (0...100).contains(maxReplies) else { throw e.error("max_auto_replies_per_day", "must be between 0 and 100, not \(maxReplies)") }
        var edition = Edition(
            id: id, name: name, address: address, fromName: try e.string("from_name") ?? name,
            languages: languages, plusAddressing: try e.bool("plus_addressing") ?? false,
            unsubscribeURL: unsub, supportContacts: try e.string("support_contacts"),
            maxAutoRepliesPerDay: maxReplies, trustedAuthservID: try e.string("trusted_authserv_id"))
        edition.supportContactsReview = try supportContactsReview(e)
        edition.reportTo = try reportTo(e)
        if e.value("time_zone") != nil { edition.timeZoneIdentifier = try timeZone(e) }
        // The instance's readers, so an edition's relay and mailbox take the same keys and checks.
        edition.transport = try transport(e)
        edition.imap = try imap(e)
        return edition
    }

    /// `report_to = ["a@x", …]`: each address checked, each once, at least one when given.
    static func reportTo(_ e: Reader) throws -> [EmailAddress] {
        try e.addresses("report_to", empty: "must name at least one address (or be left out)") ?? []
    }

    /// `support_contacts_review = { status = "reviewed", reviewer = …, field = …, reviewed_on = …,
    /// sha256 = … }`, written by `kizuna content review kizuna.toml`.
    static func supportContactsReview(_ e: Reader) throws -> ReviewRecord? {
        guard let value = e.value("support_contacts_review") else { return nil }
        guard let table = value.table else {
            throw e.error("support_contacts_review", "must be an inline table { status = …, reviewer = …, field = …, reviewed_on = …, sha256 = … }")
        }
        do { return try ReviewTOML.read(table) } catch { throw e.error("support_contacts_review", error.message) }
    }

    /// Typed access to one TOML table, with errors that name the key.
    struct Reader {
        let table: TOMLTable
        let file: String
        let prefix: String
        /// The configuration file's directory: relative paths are relative to it.
        let base: URL

        func error(_ key: String, _ problem: String) -> ConfigurationError {
            ConfigurationError(file: file, key: prefix + key, problem: problem)
        }
        func allow(_ keys: Set<String>) throws {
            for k in table.keys where !keys.contains(k) {
                throw error(k, "unknown key (known: \(keys.sorted().joined(separator: ", ")))")
            }
        }
        func value(_ key: String) -> TOMLValueConvertible? { table[key] }
        /// The value at `key` as `convert` reads it; nil when absent, and an error saying what it
        /// `must` be when `convert` cannot read it.
        func typed<T>(_ key: String, must: String, _ convert: (TOMLValueConvertible) -> T?) throws -> T? {
            guard let v = value(key) else { return nil }
            guard let t = convert(v) else { throw error(key, must) }
            return t
        }
        func string(_ key: String) throws -> String? { try typed(key, must: "must be a string") { $0.string } }
        func int(_ key: String) throws -> Int? { try typed(key, must: "must be an integer") { $0.int } }
        func double(_ key: String) throws -> Double? { try typed(key, must: "must be a number") { $0.int.map(Double.init) ?? $0.double } }
        func bool(_ key: String) throws -> Bool? { try typed(key, must: "must be true or false") { $0.bool } }
        func strings(_ key: String) throws -> [String]? {
            try typed(key, must: "must be an array of strings") { v in
                v.array.flatMap { a in
                    let strings = a.compactMap { $0.string }
                    return strings.count == a.count ? strings : nil
                }
            }
        }
        func table(_ key: String) throws -> Reader? {
            guard let v = value(key) else { return nil }
            guard let t = v.table else { throw error(key, "must be a table ([\(key)])") }
            return Reader(table: t, file: file, prefix: prefix + key + ".", base: base)
        }

        /// A path from the file: absolute as written, else relative to the file's directory.
        func path(_ p: String) -> String {
            p.hasPrefix("/") ? p : base.appendingPathComponent(p).standardizedFileURL.path
        }

        /// The addresses at `key` (nil when absent): each checked, none named twice, at least one
        /// (else the error `empty`).
        func addresses(_ key: String, empty: String) throws -> [EmailAddress]? {
            guard let texts = try strings(key) else { return nil }
            guard !texts.isEmpty else { throw error(key, empty) }
            var addresses: [EmailAddress] = []
            for text in texts {
                let address = try self.address(key, text)
                guard !addresses.contains(where: { $0.matchKey == address.matchKey }) else { throw error(key, "\"\(text)\" is named twice") }
                addresses.append(address)
            }
            return addresses
        }

        /// An email address at `key` (`text` is its value).
        func address(_ key: String, _ text: String) throws -> EmailAddress {
            do { return try EmailAddress(parsing: text) } catch { throw self.error(key, "\"\(text)\": \(error)") }
        }

        /// A server's `url` (required; `plain://` or `tls://` as `schemes` name them) and its
        /// `starttls` (by default `off` for the TLS scheme, else `required`).
        func serverURL(schemes: (plain: String, tls: String), example: String) throws -> (url: String, starttls: StartTLS) {
            guard let url = try string("url") else { throw error("url", "is required (\(example))") }
            guard url.hasPrefix("\(schemes.plain)://") || url.hasPrefix("\(schemes.tls)://") else {
                throw error("url", "must start with \(schemes.plain):// or \(schemes.tls)://, not \"\(url)\"")
            }
            let tlsText = try string("starttls") ?? (url.hasPrefix("\(schemes.tls)://") ? "off" : "required")
            guard let tls = StartTLS(rawValue: tlsText) else { throw error("starttls", "must be required, optional or off, not \"\(tlsText)\"") }
            return (url, tls)
        }
    }
}
