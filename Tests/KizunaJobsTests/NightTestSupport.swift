import Foundation
@preconcurrency import Glibc
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import Logging
import KizunaTestSupport
import XCTest

/// The repository's `templates/` (the shipped sample catalog).
let repoTemplates = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("templates")

let quietLogger: Logger = {
    var l = Logger(label: "kizuna.test.jobs") { StreamLogHandler.standardError(label: $0) }
    l.logLevel = .error
    return l
}()

/// Noon in Tokyo on `date`, so that `Instance.today(at:)` is `date`.
func noonInTokyo(_ date: CivilDate) -> Date {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "Asia/Tokyo")!
    return cal.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12))!
}

/// One Kizuna instance in a fresh temporary directory, built from a config text.
final class NightInstance {
    let dir: URL
    let instance: Instance

    /// `config` may use `@DIR@` for the instance's directory and `@TEMPLATES@` for the templates.
    init(config: String, templates: URL = repoTemplates, label: String = #function) throws {
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("kizuna-jobs-\(label.prefix(while: { $0 != "(" }))-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let dir = dir, file = dir.appendingPathComponent("kizuna.toml").path
        let text: (URL) -> String = {
            config.replacingOccurrences(of: "@DIR@", with: dir.path).replacingOccurrences(of: "@TEMPLATES@", with: $0.path)
        }
        var templates = templates
        if templates == repoTemplates, config.contains("@TEMPLATES@") {
            let editions = Set(try ConfigurationLoader.parse(text(templates), file: file).editions.map(\.id))
            templates = try shippedTemplates(for: editions, in: dir)
        }
        let configText = text(templates)
        try configText.write(toFile: file, atomically: true, encoding: .utf8)
        instance = Instance(configuration: try ConfigurationLoader.parse(configText, file: file), clock: TestClock(), logger: quietLogger)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    var store: Store { get throws { try instance.store() } }
    var spool: Spool { get throws { try instance.spool() } }
    var spoolRoot: URL { URL(fileURLWithPath: instance.configuration.spoolPath) }
    var maildir: URL { dir.appendingPathComponent("outbox") }

    func batch(_ date: CivilDate, now: Date? = nil) throws -> BatchSummary {
        try BatchJob(instance: instance).run(date: date, now: now ?? noonInTokyo(date))
    }

    func send(at now: Date, transport: MailTransport? = nil) throws -> SendSummary {
        try SendJob(instance: instance).run(at: now, transport: transport)
    }

    @discardableResult
    func add(_ email: String, track: Track, anchor: CivilDate, language: String = "en", nickname: String? = nil,
             edition: String? = nil, today: CivilDate) throws -> (subscriberID: Int64, subscriptionID: Int64) {
        let s = NewSubscriber(address: try EmailAddress(parsing: email), edition: edition ?? instance.configuration.editions[0].id,
                              language: language, area: nil, track: track, anchor: anchor, nickname: nickname)
        return try store.addSubscriber(s, today: today, at: noonInTokyo(today), source: "test")
    }

    /// The messages delivered into the Maildir's `new/`, in delivery order.
    func delivered() throws -> [DeliveredMail] {
        let new = maildir.appendingPathComponent("new")
        guard FileManager.default.fileExists(atPath: new.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: new.path).sorted(by: maildirOrder).map {
            DeliveredMail(bytes: Array(try Data(contentsOf: new.appendingPathComponent($0))))
        }
    }

    /// Every daily delivery of the store, by id.
    func deliveries() throws -> [DeliveryRecord] {
        try store.writer.read { db in try DeliveryRecord.order(DeliveryRecord.Columns.id).fetchAll(db) }
    }

    /// Runs SQL against the instance's database (to set up states a crash would leave).
    func sql(_ text: String) throws {
        try store.writer.write { db in try db.execute(sql: text) }
    }

    /// The spool file of a delivery, wherever it is.
    func spoolFile(_ id: Int64) -> (state: String, url: URL)? {
        for state in ["incoming", "active", "deferred", "bounced", "hold", "corrupt"] {
            let base = spoolRoot.appendingPathComponent(state)
            for bucket in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? [] {
                let f = base.appendingPathComponent(bucket).appendingPathComponent("d\(id)")
                if FileManager.default.fileExists(atPath: f.path) { return (state, f) }
            }
        }
        return nil
    }

    /// The envelope lines of a spool file (`key: value` before the blank line).
    func envelope(_ id: Int64) throws -> [String: String] {
        guard let f = spoolFile(id) else { throw TestFailure("delivery \(id) has no spool file") }
        let text = String(decoding: try Data(contentsOf: f.url), as: UTF8.self)
        var out: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            if line.isEmpty { break }
            if let colon = line.firstIndex(of: ":") {
                out[String(line[..<colon])] = String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
            }
        }
        return out
    }

    func spoolCount(_ state: SpoolState) throws -> Int { try spool.counts()[state] ?? 0 }
}

/// Repeats `step` until `done` holds, up to `seconds` (mail takes a moment through Postfix and LMTP).
func eventually(_ what: String, seconds: TimeInterval = 20, step: () throws -> Void, done: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    repeat {
        try step()
        if try done() { return }
        usleep(300_000)
    } while Date() < deadline
    throw TestFailure("timed out waiting for: \(what)")
}

/// The mail with this Message-ID above UID `seen` in an IMAP mailbox (waits up to 20 s);
/// `seen` moves past it.
func awaitMail(messageID: String, in box: IMAPClient, after seen: inout UInt32) throws -> DeliveredMail {
    var found: DeliveredMail?
    var last = seen
    try eventually("\(messageID) in the mailbox", step: {
        for uid in try box.search(uidFrom: last + 1) {
            let mail = DeliveredMail(bytes: try box.fetch(uid: uid))
            if mail.angle("Message-ID") == messageID { found = mail; last = max(last, uid) }
        }
    }, done: { found != nil })
    seen = last
    return found!
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The shipped templates as an instance with `editions` loads them: the same directory when it
/// has every edition their local info names; else a copy in `dir` without the local info of the
/// editions it lacks (the sample's `sakura`), as a real deployment replaces the sample's. That
/// local info never reached these instances' families; an instance refuses a local info file of
/// an edition it does not have (`ContentCatalog.checkEditions`).
func shippedTemplates(for editions: Set<String>, in dir: URL) throws -> URL {
    let fm = FileManager.default
    let files = try fm.contentsOfDirectory(atPath: repoTemplates.appendingPathComponent("local").path).filter { $0.hasSuffix(".toml") }
    let others = files.filter { !editions.contains(String($0.dropLast(5))) }
    guard !others.isEmpty else { return repoTemplates }
    let copy = dir.appendingPathComponent("shipped-templates")
    try fm.copyItem(at: repoTemplates, to: copy)
    for file in others { try fm.removeItem(at: copy.appendingPathComponent("local/\(file)")) }
    return copy
}

/// A Maildir config for the sample edition, with the shipped templates.
func maildirConfig(catchUp: Int = 2, languages: String = #"["ja", "en"]"#) -> String {
    """
    database = "@DIR@/kizuna.sqlite"
    templates = "@TEMPLATES@"
    spool = "@DIR@/spool"
    time_zone = "Asia/Tokyo"
    catch_up_days = \(catchUp)

    [maildir]
    path = "@DIR@/outbox"

    [[edition]]
    id = "sakura"
    name = "Sakura Clinic"
    address = "kizuna@clinic.example"
    languages = \(languages)
    plus_addressing = true
    """
}

/// A catalog with an English pregnancy message on every gestational day `days`, written into
/// `dir`, with the shipped English layouts. Subjects are `Daily day N`.
func writeDailyCatalog(into dir: URL, days: ClosedRange<Int> = 28...300) throws {
    let fm = FileManager.default
    let layouts = dir.appendingPathComponent("layouts/en")
    try fm.createDirectory(at: layouts, withIntermediateDirectories: true)
    for f in ["text.mustache", "html.mustache"] {
        try fm.copyItem(at: repoTemplates.appendingPathComponent("layouts/en/\(f)"), to: layouts.appendingPathComponent(f))
    }
    let messages = dir.appendingPathComponent("messages/en/pregnancy")
    try fm.createDirectory(at: messages, withIntermediateDirectories: true)
    for d in days {
        let text = sampleMessage(track: "pregnancy", stage: "day = \(d)", subject: "Daily day \(d)",
                                 body: "Today is gestational day \(d) ({{weeks_days}}). marker-day-\(d)\n")
        try text.write(to: messages.appendingPathComponent(String(format: "d%04d.md", d)), atomically: false, encoding: .utf8)
    }
}

/// A catalog message file: sample, unreviewed; `stage` is its stage line (`day = 140`, `month = 2`).
func sampleMessage(track: String, stage: String, subject: String, body: String) -> String {
    """
    +++
    track = "\(track)"
    \(stage)
    subject = "\(subject)"
    sample = true
    [review]
    status = "unreviewed"
    reviewer = ""
    reviewed_on = ""
    +++
    \(body)

    """
}

/// A transport that hands the first `deliverCount` messages to `inner`, then claims one more
/// (when `claimOneMore`) and "dies": it throws without reporting it, as a killed process would
/// leave things. Outcomes reported before the throw are not flushed by SendJob (the crash
/// happened after the 250 but before the ledger write).
final class DyingTransport: MailTransport {
    struct Died: Error {}
    let inner: MailTransport
    let deliverCount: Int
    let claimOneMore: Bool
    private(set) var deliveredIDs: [Int64] = []
    private(set) var claimedButDropped: Int64?

    init(inner: MailTransport, deliverCount: Int, claimOneMore: Bool) {
        self.inner = inner; self.deliverCount = deliverCount; self.claimOneMore = claimOneMore
    }

    func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws {
        var handed = 0
        try inner.deliver(next: {
            guard handed < deliverCount else { return nil }
            handed += 1
            return next()
        }, onResult: { m, o in
            deliveredIDs.append(m.id)
            onResult(m, o)
        })
        if claimOneMore { claimedButDropped = next()?.id }
        throw Died()
    }
}

/// A transport that runs `during` once, while the send is under way (holding the spool lock).
final class InterleavingTransport: MailTransport {
    let inner: MailTransport
    var during: (() -> Void)?
    init(inner: MailTransport, during: @escaping () -> Void) { self.inner = inner; self.during = during }
    func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws {
        try inner.deliver(next: {
            if let d = during { during = nil; d() }
            return next()
        }, onResult: onResult)
    }
}

/// An instance on the real mail stack: SMTP into Postfix, the kizuna@clinic.test mailbox over
/// IMAP (password from KIZUNA_TEST_IMAP_PASSWORD), one edition with plus-addressing.
/// A test user's mailbox in the mail stack's Dovecot (the password is the local part + "-pass").
func dovecotMailbox(_ user: String) throws -> IMAPClient {
    try IMAPClient(settings: IMAPSettings(url: "imap://127.0.0.1:1143", username: user,
                                          password: user.split(separator: "@")[0] + "-pass", responseTimeout: 10))
}

func mailstackConfig(edition: String, languages: [String]) -> String {
    """
    database = "@DIR@/kizuna.sqlite"
    templates = "@TEMPLATES@"
    spool = "@DIR@/spool"
    time_zone = "Asia/Tokyo"

    [smtp]
    url = "smtp://127.0.0.1:2525"
    starttls = "off"
    connections = 1
    response_timeout = 20

    [imap]
    url = "imap://127.0.0.1:1143"
    starttls = "off"
    mailbox = "INBOX"
    username = "kizuna@clinic.test"
    password_env = "KIZUNA_TEST_IMAP_PASSWORD"
    response_timeout = 20

    [[edition]]
    id = "\(edition)"
    name = "Kizuna test clinic"
    address = "kizuna@clinic.test"
    languages = [\(languages.map { "\"\($0)\"" }.joined(separator: ", "))]
    plus_addressing = true
    """
}

/// An instance sending to a loopback SMTP server on `port` (a scripted one, or a dead port),
/// with the default retry backoff spelled out.
func loopbackSMTPConfig(port: UInt16) -> String {
    """
    database = "@DIR@/kizuna.sqlite"
    templates = "@TEMPLATES@"
    spool = "@DIR@/spool"
    time_zone = "Asia/Tokyo"

    [smtp]
    url = "smtp://127.0.0.1:\(port)"
    starttls = "off"
    connections = 2
    connect_timeout = 5
    response_timeout = 20

    [retry]
    minimum_backoff = 300
    maximum_backoff = 4000

    [[edition]]
    id = "sakura"
    name = "Sakura Clinic"
    address = "kizuna@clinic.example"
    languages = ["en", "ja"]
    plus_addressing = true
    """
}

/// A Postfix-style DSN for `recipient`, sent to `verp` (the night's VERP envelope sender).
func postfixDSN(to verp: String, recipient: String, status: String = "5.1.1", messageID: String,
                date: String = "Fri, 01 May 2026 12:00:04 +0900") -> [UInt8] {
    let text = """
    Return-Path: <>
    From: MAILER-DAEMON@mx.clinic.example (Mail Delivery System)
    To: \(verp)
    Subject: Undelivered Mail Returned to Sender
    Date: \(date)
    Message-ID: <\(messageID)>
    Auto-Submitted: auto-replied
    MIME-Version: 1.0
    Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

    --b1
    Content-Type: text/plain; charset=us-ascii

    <\(recipient)>: host mx.families.example[192.0.2.10] said: 550 \(status)
        <\(recipient)>: Recipient address rejected: User unknown (in reply to RCPT TO command)

    --b1
    Content-Type: message/delivery-status

    Reporting-MTA: dns; mx.clinic.example

    Final-Recipient: rfc822; \(recipient)
    Action: failed
    Status: \(status)
    Diagnostic-Code: smtp; 550 \(status) <\(recipient)>: Recipient address rejected: User unknown

    --b1--
    """
    return Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
}
