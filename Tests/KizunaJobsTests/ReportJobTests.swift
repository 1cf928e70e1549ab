import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
@testable import KizunaStore
import XCTest

/// A transport that refuses one recipient with a 550 and hands the rest to `inner`.
final class RefusingTransport: MailTransport {
    let inner: MailTransport
    let refused: String
    init(inner: MailTransport, refusing: String) { self.inner = inner; self.refused = refusing }
    func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws {
        try inner.deliver(next: {
            while let m = next() {
                guard m.rcptTo == refused else { return m }
                onResult(m, .rejected(code: 550, reply: "550 5.1.1 <\(m.rcptTo)>: Recipient address rejected: User unknown"))
            }
            return nil
        }, onResult: onResult)
    }
}

/// The text of a single-part base64 message (the report is text/plain only).
func singlePartText(_ mail: DeliveredMail) -> String {
    let t = mail.text
    guard let r = t.range(of: "\r\n\r\n") else { return "" }
    let b64 = t[r.upperBound...].components(separatedBy: .whitespacesAndNewlines).joined()
    return Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self) } ?? "<bad base64>"
}

/// `kizuna report`: its text over a store with trouble in it, once per recipient and day, and
/// a crash on either side of the spool write.
final class ReportJobTests: XCTestCase {
    let day = CivilDate(iso: "2026-05-01")!
    var noon: Date { noonInTokyo(day) }

    func reportConfig(_ to: [String] = ["admin@clinic.example"]) -> String {
        maildirConfig() + "\n\n[bounces]\nthreshold = 2.0\n\n[report]\nto = [\(to.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
    }

    /// The sample families' night at noon, with one recipient refused at SMTP time.
    func nightWithSamples(config: String? = nil, refusing: String = "aiko.sample@families.example") throws -> NightInstance {
        let night = try NightInstance(config: config ?? reportConfig())
        for s in InitJob.sampleFamilies(today: day, edition: "sakura") {
            try night.store.addSubscriber(s.subscriber, today: day, at: noon, source: "test")
        }
        XCTAssertEqual(try night.batch(day).queued, 8)
        let transport = RefusingTransport(inner: MaildirTransport(path: night.maildir), refusing: refusing)
        let send = try night.send(at: noon, transport: transport)
        XCTAssertEqual(send.sent, 7)
        XCTAssertEqual(send.bounced, 1)
        return night
    }

    func reportMails(_ night: NightInstance) throws -> [DeliveredMail] {
        try night.delivered().filter { $0.header("Auto-Submitted") == "auto-generated" }
    }

    func testTheReportPutsWhatNeedsAttentionFirstAndNamesTheAddresses() throws {
        let night = try nightWithSamples()
        let store = try night.store
        let deliveries = try night.deliveries()
        func delivery(_ rcpt: String) throws -> DeliveryRecord { try XCTUnwrap(deliveries.first { $0.recipient == rcpt }) }
        // hana: two hard bounces on two days (threshold 2): bouncing. sora: a complaint. yui: a held command.
        let hana = try delivery("hanako.sample@families.example")
        let policy = night.instance.configuration.bounces
        for (n, at) in [(0, noon.addingTimeInterval(-20 * 3600)), (1, noon.addingTimeInterval(3600))] {
            try BounceScoring(store: store, policy: policy).recordBounce(BounceNotice(address: "hanako.sample@families.example", deliveryID: hana.id, status: "5.1.1", reason: "userunknown",
                                                hard: true, messageID: "dsn\(n)@mx.example"),
                                                                        today: day.adding(days: n - 1), at: at)
        }
        let sora = try delivery("sora.sample@families.example")
        try BounceScoring(store: store).recordComplaint(ComplaintNotice(address: "sora.sample@families.example", deliveryID: sora.id, feedbackType: "abuse", messageID: "arf@isp.example"),
                                  today: day, at: noon.addingTimeInterval(3600))
        let yui = try delivery("yui.sample@families.example")
        try store.recordEvent(kind: .commandHeld, subscriberID: yui.subscriberID, detail: "stop: dmarc=fail at mx.clinic.example",
                              messageID: "forged@example.net", at: noon.addingTimeInterval(1800))
        // An unreadable inbound message (kept in corrupt/inbound), a corrupt spool file, one on hold.
        try store.closeInbound(place: InboundPlace(mailbox: "INBOX", uidValidity: 7, uid: 3), messageID: nil, status: .failed, kind: nil, sender: nil,
                               decision: "{}", event: nil, at: noon.addingTimeInterval(600))
        let root = night.spoolRoot
        try FileManager.default.createDirectory(at: root.appendingPathComponent("corrupt/inbound"), withIntermediateDirectories: true)
        for path in ["corrupt/inbound/m-INBOX-7-3", "corrupt/00/d999", "hold/00/d998"] {
            try Data("x".utf8).write(to: root.appendingPathComponent(path))
        }

        let summary = try ReportJob(instance: night.instance).run(date: day, now: noon.addingTimeInterval(7200))
        let text = summary.text
        XCTAssertEqual(summary.queued, ["admin@clinic.example"])
        XCTAssertEqual(summary.spooled, 1)
        // Attention comes first, before the numbers.
        let attention = try XCTUnwrap(text.range(of: "NEEDS ATTENTION\n"))
        let deliveriesHeading = try XCTUnwrap(text.range(of: "DELIVERIES FOR 2026-05-01\n"))
        XCTAssertLessThan(attention.upperBound, deliveriesHeading.lowerBound)
        let items = text[attention.upperBound..<deliveriesHeading.lowerBound].split(separator: "\n").map(String.init)
        XCTAssertEqual(items.count, 7, text)
        for expected in ["- 1 file in spool/corrupt:", "- 1 inbound message in spool/corrupt/inbound:", "- 1 message in spool/hold",
                         "- 2 deliveries failed permanently", "- 1 subscriber newly bouncing", "- 1 subscriber stopped by a complaint",
                         "- 1 command held because authentication failed"] {
            XCTAssertTrue(items.contains { $0.hasPrefix(expected) }, "\(expected) in \(items)")
        }
        // The night's numbers: aiko refused at SMTP time, hana's mail bounced afterwards.
        XCTAssertTrue(text.contains("  daily messages: 6 sent, 0 deferred, 2 failed, 0 cancelled, 0 waiting\n"), text)
        XCTAssertTrue(text.contains("  incoming 0, active 0, deferred 0, bounced 1, hold 1, corrupt 1\n"), text)
        XCTAssertTrue(text.contains("  unreadable: 1 failed (kept for a person)\n"), text)
        XCTAssertTrue(text.contains("  commands held (authentication failed): 1\n"), text)
        XCTAssertTrue(text.contains("  started: 9 subscriptions added,"), text)
        XCTAssertTrue(text.contains("  stopped: 1 subscriber,"), text)
        XCTAssertTrue(text.contains("  now: pending 0, active 6, paused 0, stopped 1, bouncing 1\n"), text)
        // The lists behind the attention items.
        XCTAssertTrue(text.contains("NEWLY BOUNCING (no more mail is sent to them)\n  hanako.sample@families.example (sakura): score 2, last 5.1.1 userunknown, hard, since 2026-05-01 13:00\n"), text)
        XCTAssertTrue(text.contains("STOPPED BY A COMPLAINT\n  sora.sample@families.example (sakura): abuse, 2026-05-01 13:00\n"), text)
        XCTAssertTrue(text.contains("COMMANDS HELD (authentication failed)\n  2026-05-01 12:30 yui.sample@families.example: stop: dmarc=fail at mx.clinic.example\n"), text)
        XCTAssertTrue(text.contains("FAILED DELIVERIES\n"), text)
        XCTAssertTrue(text.contains("  daily 2026-05-01 to aiko.sample@families.example: 550 550 5.1.1 <aiko.sample@families.example>: Recipient address rejected"), text)
        XCTAssertTrue(text.contains("  daily 2026-05-01 to hanako.sample@families.example:"), text)
        XCTAssertEqual(summary.subject, "Kizuna report 2026-05-01: 6 sent, 7 items need attention")

        // It goes out like any other mail: plain UTF-8 text, to the administrator, from the edition's address.
        let send = try night.send(at: noon.addingTimeInterval(7260))
        XCTAssertEqual(send.sent, 1)
        let mail = try XCTUnwrap(try reportMails(night).first)
        XCTAssertEqual(mail.header("To"), "admin@clinic.example")
        XCTAssertEqual(mail.header("From"), "\"Kizuna\" <kizuna@clinic.example>")
        XCTAssertEqual(mail.subject, summary.subject)
        XCTAssertEqual(mail.header("Content-Type"), "text/plain; charset=UTF-8")
        XCTAssertEqual(singlePartText(mail), text.replacingOccurrences(of: "\n", with: "\r\n"))
        let report = try XCTUnwrap(try store.reportDeliveries(on: day).first)
        XCTAssertEqual(report.status, .sent)
        XCTAssertEqual(mail.angle("Message-ID"), report.messageID)
        XCTAssertNil(OwnMessageID.deliveryID(in: report.messageID!), "a bounce of the report is never taken for a family's mail")
    }

    func testQuietDayNothingNeedsAttention() throws {
        let night = try NightInstance(config: reportConfig())
        let summary = try ReportJob(instance: night.instance).run(date: day, now: noon)
        XCTAssertTrue(summary.text.contains("NEEDS ATTENTION\n  Nothing needs attention.\n"), summary.text)
        XCTAssertTrue(summary.text.contains("INBOUND MAIL\n  none handled\n"), summary.text)
        XCTAssertEqual(summary.subject, "Kizuna report 2026-05-01: 0 sent, nothing needs attention")
    }

    func testRunningTheReportTwiceADayQueuesOneAndTheNextDayCoversTheTimeSince() throws {
        let night = try nightWithSamples(config: reportConfig(["admin@clinic.example", "nurse@clinic.example"]))
        let job = ReportJob(instance: night.instance)
        let first = try job.run(date: day, now: noon.addingTimeInterval(3600))
        XCTAssertEqual(first.queued, ["admin@clinic.example", "nurse@clinic.example"])
        let second = try job.run(date: day, now: noon.addingTimeInterval(3660))
        XCTAssertEqual(second.queued, [])
        XCTAssertEqual(second.alreadyQueued, ["admin@clinic.example", "nurse@clinic.example"])
        XCTAssertEqual(second.spooled, 0)
        XCTAssertTrue(second.line.contains("already queued"), second.line)
        XCTAssertEqual(try night.store.reportDeliveries(on: day).count, 2)
        XCTAssertEqual(try night.spoolCount(.incoming), 2)

        XCTAssertEqual(try night.send(at: noon.addingTimeInterval(3700)).sent, 2)
        XCTAssertEqual(try job.run(date: day, now: noon.addingTimeInterval(3800)).spooled, 0)
        XCTAssertEqual(try night.send(at: noon.addingTimeInterval(3900)).sent, 0)
        XCTAssertEqual(try reportMails(night).map { $0.header("To") ?? "" }.sorted(), ["admin@clinic.example", "nurse@clinic.example"])

        // The next day's report starts where the last one ended, and is queued once more.
        let next = try job.run(date: day.adding(days: 1), now: noon.addingTimeInterval(86_400))
        XCTAssertEqual(next.report.since, noon.addingTimeInterval(3600))
        XCTAssertEqual(next.queued.count, 2)
        // A report for an earlier day ends with that day.
        let earlier = try job.make(date: day.adding(days: -1), now: noon)
        XCTAssertEqual(earlier.until, noonInTokyo(day).addingTimeInterval(-12 * 3600))
    }

    func testACrashBeforeTheSpoolLosesNothingAndSendsOnce() throws {
        let night = try nightWithSamples()
        struct Crash: Error {}
        let crashing = ReportJob(instance: night.instance)
        crashing.beforeSpooling = { throw Crash() }
        XCTAssertThrowsError(try crashing.run(date: day, now: noon.addingTimeInterval(3600)))
        let planned = try XCTUnwrap(try night.store.reportDeliveries(on: day).first)
        XCTAssertEqual(planned.status, .planned)
        XCTAssertNil(night.spoolFile(planned.id!))
        // A batch's reconciliation keeps it (its message waits in the store), and a send has nothing of it.
        _ = try night.batch(day, now: noon.addingTimeInterval(3700))
        XCTAssertEqual(try night.store.reportDeliveries(on: day).map(\.status), [.planned])
        XCTAssertEqual(try night.send(at: noon.addingTimeInterval(3800)).sent, 0)

        // The next run spools the stored message; it renders nothing new.
        let again = try ReportJob(instance: night.instance).run(date: day, now: noon.addingTimeInterval(3900))
        XCTAssertEqual(again.queued, [])
        XCTAssertEqual(again.spooled, 1)
        XCTAssertEqual(try night.send(at: noon.addingTimeInterval(4000)).sent, 1)
        XCTAssertEqual(try ReportJob(instance: night.instance).run(date: day, now: noon.addingTimeInterval(4100)).spooled, 0)
        XCTAssertEqual(try night.send(at: noon.addingTimeInterval(4200)).sent, 0)
        XCTAssertEqual(try reportMails(night).count, 1)
        XCTAssertEqual(try night.store.reportDeliveries(on: day).map(\.status), [.sent])
    }

    func testACrashAfterTheSpoolWriteSendsOnce() throws {
        let night = try nightWithSamples()
        // Committed, then written to the spool, then the process died before the ledger said queued.
        let job = ReportJob(instance: night.instance)
        job.beforeSpooling = {
            let pending = try night.store.pendingSystemMail(purpose: "report")
            try night.spool.enqueue(pending.map { (SpoolEnvelope(deliveryID: $0.deliveryID, mailFrom: $0.content.mailFrom, rcptTo: $0.recipient, firstQueued: 0), $0.content.bytes) })
            throw CocoaError(.userCancelled)
        }
        XCTAssertThrowsError(try job.run(date: day, now: noon.addingTimeInterval(3600)))
        XCTAssertEqual(try night.spoolCount(.incoming), 1)
        // Either the next report finds the file and only marks it, or the send takes it first.
        XCTAssertEqual(try ReportJob(instance: night.instance).run(date: day, now: noon.addingTimeInterval(3700)).spooled, 1)
        XCTAssertEqual(try night.spoolCount(.incoming), 1)
        XCTAssertEqual(try night.send(at: noon.addingTimeInterval(3800)).sent, 1)
        XCTAssertEqual(try ReportJob(instance: night.instance).run(date: day, now: noon.addingTimeInterval(3900)).spooled, 0)
        XCTAssertEqual(try reportMails(night).count, 1)
    }

    func testWithoutAReportTableTheReportIsOnlyBuilt() throws {
        let night = try NightInstance(config: maildirConfig())
        let summary = try ReportJob(instance: night.instance).run(date: day, now: noon)
        XCTAssertFalse(summary.configured)
        XCTAssertTrue(summary.text.hasPrefix("Kizuna daily report for 2026-05-01\n"), summary.text)
        XCTAssertTrue(summary.line.hasPrefix("report 2026-05-01: not queued (no [report] table)"), summary.line)
        XCTAssertEqual(try night.store.reportDeliveries(on: day).count, 0)
        XCTAssertEqual(try night.spoolCount(.incoming), 0)
    }

    func testAPollOrBatchHoldingTheLockMakesTheReportWaitThenGiveUp() throws {
        let night = try NightInstance(config: reportConfig())
        _ = try night.spool
        let lock = try InstanceLock(path: night.spoolRoot.appendingPathComponent(".batch.lock").path, purpose: "poll")
        let started = Date()
        XCTAssertThrowsError(try ReportJob(instance: night.instance, lockWait: 0.5).run(date: day, now: noon)) { error in
            XCTAssertEqual((error as? JobError)?.exitCode, ExitStatus.locked)
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.5)
        XCTAssertEqual(try night.store.reportDeliveries(on: day).count, 0)
        lock.close()
        XCTAssertEqual(try ReportJob(instance: night.instance, lockWait: 0.5).run(date: day, now: noon).queued, ["admin@clinic.example"])
    }

    func testReportConfigurationErrorsNameTheKey() throws {
        func problem(_ table: String) -> String {
            do { _ = try ConfigurationLoader.parse(maildirConfig() + "\n\n" + table, file: "k.toml"); return "accepted" } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(problem("[report]\nfrom = \"kizuna@clinic.example\""), #"k.toml: report.to: is required: the administrators' addresses, e.g. to = ["admin@clinic.example"]"#)
        XCTAssertEqual(problem("[report]\nto = []"), "k.toml: report.to: must name at least one address")
        XCTAssertEqual(problem("[report]\nto = \"admin@clinic.example\""), "k.toml: report.to: must be an array of strings")
        XCTAssertEqual(problem("[report]\nto = [\"admin.clinic.example\"]"), #"k.toml: report.to: "admin.clinic.example": the address has no @"#)
        XCTAssertEqual(problem("[report]\nto = [\"a@clinic.example\", \"a@CLINIC.example\"]"), #"k.toml: report.to: "a@CLINIC.example" is named twice"#)
        XCTAssertEqual(problem("[report]\nto = [\"a@clinic.example\"]\nfrom = \"nobody\""), #"k.toml: report.from: "nobody": the address has no @"#)
        XCTAssertTrue(problem("[report]\nto = [\"a@clinic.example\"]\ncc = [\"b@clinic.example\"]").hasPrefix("k.toml: report.cc: unknown key (known: encrypt, from, to)"))
        XCTAssertThrowsError(try ConfigurationLoader.parse("report = \"admin@clinic.example\"\n" + maildirConfig(), file: "k.toml")) { error in
            XCTAssertEqual("\(error)", "k.toml: report: must be a table ([report])")
        }
        let ok = try ConfigurationLoader.parse(maildirConfig() + "\n\n[report]\nto = [\"a@clinic.example\"]\nfrom = \"reports@clinic.example\"", file: "k.toml")
        XCTAssertEqual(ok.report?.to.map(\.description), ["a@clinic.example"])
        XCTAssertEqual(ok.report?.from?.description, "reports@clinic.example")
        XCTAssertNil(try ConfigurationLoader.parse(maildirConfig(), file: "k.toml").report)
    }
}
