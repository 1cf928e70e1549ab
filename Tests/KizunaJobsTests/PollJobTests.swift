import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaMIME
@testable import KizunaStore
import XCTest

/// An IMAP mailbox in memory: messages by UID, a UIDVALIDITY, and what was filed where.
final class FakeMailbox: InboundMailbox {
    let name = "INBOX"
    var validity: UInt32 = 7
    var messages: [UInt32: [UInt8]] = [:]
    var filed: [UInt32: Bool] = [:]
    var failFetchAt: UInt32?
    var nextUID: UInt32 = 1

    @discardableResult
    func deliver(_ bytes: [UInt8]) -> UInt32 {
        let uid = nextUID
        messages[uid] = bytes
        nextUID += 1
        return uid
    }

    func uidValidity() throws -> UInt32 { validity }
    func search(uidFrom: UInt32) throws -> [UInt32] { messages.keys.filter { $0 >= uidFrom }.sorted() }
    func fetch(uid: UInt32) throws -> [UInt8] {
        if uid == failFetchAt { throw TestFailure("connection dropped") }
        guard let m = messages[uid] else { throw TestFailure("no UID \(uid)") }
        return m
    }
    func file(uids: [UInt32], handled: Bool) throws {
        for uid in uids {
            filed[uid] = handled
            messages[uid] = nil
        }
    }
}

/// A parent's email as a phone would send it (UTF-8, 8bit).
func parentMail(from: String = "parent@families.example", to: String = "kizuna@clinic.example", subject: String, body: String,
                messageID: String = UUID().uuidString + "@families.example", extra: [String] = []) -> [UInt8] {
    var lines = ["Return-Path: <\(from)>", "From: \(from)", "To: \(to)", "Subject: \(subject)", "Message-ID: <\(messageID)>",
                 "Date: Wed, 25 Nov 2026 09:00:00 +0900", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
                 "Content-Transfer-Encoding: 8bit"]
    lines += extra
    return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").utf8)
}

final class PollJobTests: XCTestCase {
    let day = CivilDate(iso: "2026-11-25")!
    var now: Date { noonInTokyo(day) }

    func poll(_ night: NightInstance, _ box: FakeMailbox, on date: CivilDate? = nil) throws -> PollSummary {
        try PollJob(instance: night.instance).run(now: noonInTokyo(date ?? day), mailbox: box)
    }

    func subscriber(_ night: NightInstance, _ email: String = "parent@families.example") throws -> SubscriberDetail? {
        try night.store.subscriber(address: try EmailAddress(parsing: email), edition: "sakura")
    }

    /// Sends what is in the spool into the Maildir and returns the new messages.
    func sendAll(_ night: NightInstance, seen: inout Int) throws -> [DeliveredMail] {
        _ = try night.send(at: now)
        let all = try night.delivered()
        defer { seen = all.count }
        return Array(all.dropFirst(seen))
    }

    func testSubscribeConfirmReplayStopJourney() throws {
        let night = try NightInstance(config: maildirConfig())
        let box = FakeMailbox()
        var seen = 0
        box.deliver(parentMail(subject: "登録", body: "出産予定日　２０２７年５月１日\nよろしくお願いします"))
        var s = try poll(night, box)
        XCTAssertEqual(s.applied, 1, s.line)
        XCTAssertEqual(s.replies, 1, s.line)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .pending)
        XCTAssertEqual(box.filed, [1: true])
        XCTAssertTrue(try InboundSpool(root: night.spoolRoot).waiting().isEmpty)

        let confirmation = try XCTUnwrap(try sendAll(night, seen: &seen).first)
        let replyTo = try XCTUnwrap(confirmation.header("Reply-To"))
        XCTAssertTrue(replyTo.contains("kizuna+c-"), replyTo)
        let token = String(replyTo[replyTo.range(of: "+")!.upperBound...].prefix { $0 != "@" })
        let subject = try XCTUnwrap(confirmation.subject)
        XCTAssertTrue(subject.contains(token), subject)
        XCTAssertEqual(confirmation.header("Auto-Submitted"), "auto-replied")

        // The parent replies to the Reply-To address.
        box.deliver(parentMail(to: "kizuna+\(token)@clinic.example", subject: "Re: \(subject)", body: "はい"))
        s = try poll(night, box)
        XCTAssertEqual(s.applied, 1, s.line)
        let detail = try XCTUnwrap(try subscriber(night))
        XCTAssertEqual(detail.subscriber.status, .active)
        XCTAssertTrue(detail.events.contains { $0.kind == .status && ($0.detail ?? "").contains("consent") })
        let welcome = try XCTUnwrap(try sendAll(night, seen: &seen).first)
        XCTAssertTrue(welcome.subject?.contains("ようこそ") ?? false, welcome.subject ?? "")

        // The same confirmation again (another copy, another Message-ID): nothing happens, no mail.
        box.deliver(parentMail(to: "kizuna+\(token)@clinic.example", subject: "Re: \(subject)", body: "はい"))
        s = try poll(night, box)
        XCTAssertEqual(s.replies, 0, s.line)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .active)
        XCTAssertTrue(try subscriber(night)!.events.contains { $0.kind == .confirmationReplayed })

        box.deliver(parentMail(subject: "配信停止", body: ""))
        s = try poll(night, box)
        XCTAssertEqual(s.applied, 1)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .stopped)
        XCTAssertEqual(try sendAll(night, seen: &seen).first?.subject, "配信を停止しました")

        let next = day.adding(days: 1)
        XCTAssertEqual(try night.batch(next).queued, 0)
        XCTAssertEqual(try subscriber(night)?.subscriptions.map(\.status), [.stopped])
        XCTAssertEqual(try night.store.inboundMessages(status: .applied).count, 4)
    }

    func testPauseAndLossFromAnActiveParent() throws {
        let night = try NightInstance(config: maildirConfig())
        try night.add("parent@families.example", track: .pregnancy, anchor: day.adding(days: 140), language: "ja", today: day)
        let box = FakeMailbox()
        box.deliver(parentMail(subject: "一時停止", body: ""))
        var s = try poll(night, box)
        XCTAssertEqual(s.applied, 1, s.line)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .paused)
        XCTAssertEqual(try night.batch(day.adding(days: 1)).queued, 0)

        box.deliver(parentMail(subject: "ご報告", body: "先日、流産しました。配信を止めてください。"))
        s = try poll(night, box)
        XCTAssertEqual(s.applied, 1, s.line)
        let detail = try XCTUnwrap(try subscriber(night))
        XCTAssertEqual(detail.subscriptions.map(\.status), [.ended])
        var seen = 0
        let mails = try sendAll(night, seen: &seen)
        XCTAssertEqual(Set(mails.compactMap(\.subject)), ["配信をお休みしています", "Sakura Clinicより"])
    }

    func testAutoRepliesListsReportsAndOurOwnMailAreNeverAnswered() throws {
        let night = try NightInstance(config: maildirConfig())
        let box = FakeMailbox()
        box.deliver(parentMail(subject: "Out of office", body: "help", extra: ["Auto-Submitted: auto-replied"]))
        box.deliver(parentMail(subject: "help", body: "help", extra: ["Precedence: bulk"]))
        box.deliver(parentMail(subject: "help", body: "help", extra: ["List-Id: <parents.lists.example>"]))
        box.deliver(parentMail(subject: "help", body: "help", extra: ["X-Autoreply: yes"]))
        box.deliver(parentMail(from: "MAILER-DAEMON@mx.example", subject: "Undelivered", body: "stop"))
        box.deliver(parentMail(from: "kizuna@clinic.example", subject: "help", body: "help"))
        var empty = parentMail(subject: "help", body: "help")
        empty.replaceSubrange(0..<"Return-Path: <parent@families.example>".utf8.count, with: Array("Return-Path: <>".utf8))
        box.deliver(empty)
        let s = try poll(night, box)
        XCTAssertEqual(s.ignored, 7, s.line)
        XCTAssertEqual(s.replies, 0)
        XCTAssertEqual(try night.deliveries().count, 0)
        XCTAssertEqual(Set(try night.store.inboundMessages().map(\.kind)), [.autoreply, .other, .bounce])

        // A person who writes nonsense gets help, at most max_auto_replies_per_day (3) a day.
        for i in 0..<5 { box.deliver(parentMail(from: "stranger@example.org", subject: "hello \(i)", body: "what is this?")) }
        let t = try poll(night, box)
        XCTAssertEqual(t.applied, 5, t.line)
        XCTAssertEqual(t.replies, 3, t.line)
        XCTAssertEqual(try night.store.stats(on: day, now: noonInTokyo(day)).subscribersByStatus[.active] ?? 0, 0)
    }

    func testSmallChunksApplyEveryMessageOnceAndQueueEveryReply() throws {
        let night = try NightInstance(config: maildirConfig())
        let box = FakeMailbox()
        for i in 0..<7 { box.deliver(parentMail(from: "p\(i)@families.example", subject: "subscribe", body: "due 2027-05-01")) }
        let s = try PollJob(instance: night.instance, chunkSize: 2).run(now: now, mailbox: box)
        XCTAssertEqual(s.fetched, 7, s.line)
        XCTAssertEqual(s.applied, 7, s.line)
        XCTAssertEqual(s.replies, 7, s.line)
        XCTAssertEqual(try night.spoolCount(.incoming), 7)
        XCTAssertEqual(Set(try night.deliveries().map(\.status)), [.queued])
        XCTAssertEqual(box.filed.count, 7)
        XCTAssertTrue(try InboundSpool(root: night.spoolRoot).waiting().isEmpty)
    }

    func testAFailedDMARCAtTheTrustedServerHoldsACommandUntilTheParentConfirmsIt() throws {
        let night = try NightInstance(config: maildirConfig() + "\ntrusted_authserv_id = \"mx.clinic.example\"\n")
        try night.add("parent@families.example", track: .pregnancy, anchor: day.adding(days: 140), language: "en", today: day)
        let box = FakeMailbox()
        let failing = ["Authentication-Results: mx.clinic.example; spf=pass smtp.mailfrom=x; dmarc=fail header.from=families.example"]
        box.deliver(parentMail(subject: "stop", body: "", extra: failing))
        var s = try poll(night, box)
        XCTAssertEqual(s.replies, 1, s.line)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .active)
        XCTAssertTrue(try subscriber(night)!.events.contains { $0.kind == .commandHeld && ($0.detail ?? "").contains("dmarc=fail") })
        // The request goes to the address (its real owner), names the command and carries the token.
        var seen = 0
        let request = try XCTUnwrap(try sendAll(night, seen: &seen).first)
        let subject = try XCTUnwrap(request.subject)
        XCTAssertTrue(subject.hasPrefix("Please confirm your request ["), subject)
        XCTAssertTrue(request.parts.contains { $0.body.contains("stop all messages") }, "\(request.parts)")
        let token = try XCTUnwrap(subject.split(separator: "[").last?.dropLast())
        // Its Message-ID names its own delivery, as a daily mail's does (a bounce of it maps back).
        let requestID = try XCTUnwrap(request.angle("Message-ID").flatMap(OwnMessageID.deliveryID(in:)))
        XCTAssertEqual(try night.deliveries().first { $0.id == requestID }?.kind, .system)
        XCTAssertEqual(request.header("Reply-To"), "kizuna+\(token)@clinic.example")
        // The reply confirms (its own authentication does not matter: the token proves the mailbox).
        box.deliver(parentMail(to: "kizuna+\(token)@clinic.example", subject: "Re: \(subject)", body: "", extra: failing))
        s = try poll(night, box)
        XCTAssertEqual(s.applied, 1, s.line)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .stopped)
        XCTAssertTrue(try subscriber(night)!.events.contains { $0.kind == .heldCommandConfirmed })
        XCTAssertEqual(try night.store.senderState(address: EmailAddress(parsing: "parent@families.example"), edition: "sakura", today: day).held, nil)
    }

    func testAFailureClaimedByAnotherServerIsNotTrusted() throws {
        let night = try NightInstance(config: maildirConfig() + "\ntrusted_authserv_id = \"mx.clinic.example\"\n")
        try night.add("parent@families.example", track: .pregnancy, anchor: day.adding(days: 140), language: "en", today: day)
        let box = FakeMailbox()
        // Anyone can write the header: a failure claimed by another server is not trusted.
        box.deliver(parentMail(subject: "stop", body: "", extra: ["Authentication-Results: mx.evil.example; dmarc=fail"]))
        _ = try poll(night, box)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .stopped)
    }

    func testTheListUnsubscribeAddressStopsWithItsVerifiedToken() throws {
        let night = try NightInstance(config: maildirConfig() + "\ntrusted_authserv_id = \"mx.clinic.example\"\n")
        try night.add("parent@families.example", track: .pregnancy, anchor: day.adding(days: 140), language: "en", today: day)
        let id = try XCTUnwrap(try subscriber(night)?.subscriber.id)
        let token = OwnAddress.unsubscribe(subscriberID: id).detail(signedWith: try night.instance.tokens())
        let box = FakeMailbox()
        // A one-line mail from a client's unsubscribe button, failing DMARC: the token is the proof.
        box.deliver(parentMail(to: "kizuna+\(token)@clinic.example", subject: "unsubscribe", body: "",
                               extra: ["Authentication-Results: mx.clinic.example; dmarc=fail header.from=families.example"]))
        _ = try poll(night, box)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .stopped)
        XCTAssertTrue(try subscriber(night)!.events.contains { $0.kind == .unsubscribeAddress && ($0.detail ?? "").contains("verified") })
    }

    func testAFetchDroppedHalfWayAndACrashBeforeApplyingApplyEachMessageOnce() throws {
        let night = try NightInstance(config: maildirConfig())
        try night.add("parent@families.example", track: .pregnancy, anchor: day.adding(days: 140), language: "en", today: day)
        let box = FakeMailbox()
        box.deliver(parentMail(subject: "status", body: ""))
        box.deliver(parentMail(subject: "pause", body: ""))
        box.failFetchAt = 2
        XCTAssertThrowsError(try poll(night, box)) { XCTAssertEqual(($0 as? JobError)?.exitCode, ExitStatus.tempFail) }
        XCTAssertEqual(try night.store.lastUID(mailbox: "INBOX", uidValidity: 7), 1)
        box.failFetchAt = nil
        var s = try poll(night, box)
        XCTAssertEqual(s.fetched, 1, s.line)
        XCTAssertEqual(s.applied, 1, s.line)

        // A crash right after the raw message reached spool/inbound: the file is there, the ledger
        // says fetched, the position did not move, and the message is still in the mailbox.
        let stop = parentMail(subject: "stop", body: "", messageID: "stop.1@families.example")
        let uid = box.deliver(stop)
        let inbound = try InboundSpool(root: night.spoolRoot)
        let name = InboundSpool.name(mailbox: "INBOX", uidValidity: 7, uid: uid)
        try inbound.write(stop, name: name)
        try night.store.recordInboundFetched(place: InboundPlace(mailbox: "INBOX", uidValidity: 7, uid: uid), messageID: "stop.1@families.example",
                                             size: stop.count, at: now)
        s = try poll(night, box)
        XCTAssertEqual(s.recovered, 1, s.line)
        XCTAssertEqual(s.applied, 1, s.line)
        let stopEvents = try XCTUnwrap(try subscriber(night)?.events.filter { $0.kind == .stopped && $0.messageID == "stop.1@families.example" }.count)
        XCTAssertGreaterThan(stopEvents, 0)
        XCTAssertEqual(try subscriber(night)?.subscriber.status, .stopped)
        XCTAssertTrue(inbound.waiting().isEmpty)
        XCTAssertEqual(box.filed[uid], true)
        s = try poll(night, box)
        XCTAssertEqual(s.fetched + s.applied, 0, s.line)

        // The same message delivered again under a new UID: recognised by its Message-ID.
        box.deliver(stop)
        s = try poll(night, box)
        XCTAssertEqual(s.duplicates, 1, s.line)
        XCTAssertEqual(try subscriber(night)?.events.filter { $0.kind == .stopped }.count, stopEvents)
        XCTAssertEqual(try night.store.inboundMessages().filter { $0.messageID == "stop.1@families.example" }.map(\.status), [.applied])
    }

    func testSystemMailCommittedButNotSpooledIsQueuedByTheNextPoll() throws {
        let night = try NightInstance(config: maildirConfig())
        let box = FakeMailbox()
        box.deliver(parentMail(subject: "subscribe", body: "due 2027-05-01"))
        _ = try poll(night, box)
        // What a crash between the transaction and the spool leaves: planned, no file.
        let delivery = try XCTUnwrap(try night.deliveries().first)
        try night.sql("UPDATE deliveries SET status = 'planned' WHERE id = \(delivery.id!)")
        try night.sql("UPDATE system_mail SET body = X'00' WHERE delivery_id = \(delivery.id!)")
        let file = try XCTUnwrap(night.spoolFile(delivery.id!))
        try FileManager.default.removeItem(at: file.url)
        // A batch in between reconciles planned deliveries without a file; it must not drop this one.
        _ = try night.batch(day)
        XCTAssertEqual(try night.deliveries().first { $0.id == delivery.id }?.status, .planned)
        let s = try poll(night, box)
        XCTAssertEqual(s.recovered, 1, s.line)
        XCTAssertEqual(try night.deliveries().first?.status, .queued)
        XCTAssertNotNil(night.spoolFile(delivery.id!))
    }

    func testAUIDValidityChangeReadsTheMailboxAgainWithoutApplyingTwice() throws {
        let night = try NightInstance(config: maildirConfig())
        let box = FakeMailbox()
        let first = parentMail(subject: "subscribe", body: "due 2027-05-01", messageID: "sub.1@families.example")
        box.deliver(first)
        XCTAssertEqual(try poll(night, box).applied, 1)
        // The server renumbers: a new UIDVALIDITY, the old message back at UID 1 (say, restored), a new one at 2.
        box.validity = 99
        box.nextUID = 1
        box.deliver(first)
        box.deliver(parentMail(from: "other@families.example", subject: "subscribe", body: "due 2027-06-01"))
        let s = try poll(night, box)
        XCTAssertTrue(s.uidValidityChanged)
        XCTAssertEqual(s.duplicates, 1, s.line)
        XCTAssertEqual(s.applied, 1, s.line)
        XCTAssertEqual(try night.store.lastUID(mailbox: "INBOX", uidValidity: 99), 2)
    }

    func testA30MBMessageAndBinaryGarbageAreHandledAndThePollerGoesOn() throws {
        let night = try NightInstance(config: maildirConfig())
        let box = FakeMailbox()
        var big = Array("""
            From: big@families.example\r\nTo: kizuna@clinic.example\r\nSubject: status\r\nMessage-ID: <big.1@families.example>\r
            MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nstatus\r\n--b\r
            Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n
            """.utf8)
        let line = Array(String(repeating: "QUJD", count: 19).utf8) + [13, 10]
        while big.count < 30_000_000 { big += line }
        big += Array("--b--\r\n".utf8)
        box.deliver(big)
        var garbage = [UInt8](repeating: 0, count: 4096)
        for i in garbage.indices { garbage[i] = UInt8(truncatingIfNeeded: i &* 7919 &+ 13) }
        garbage[0] = 0x00
        let garbageUID = box.deliver(garbage)
        box.deliver(parentMail(subject: "help", body: ""))
        let s = try poll(night, box)
        XCTAssertEqual(s.fetched, 3, s.line)
        XCTAssertEqual(s.applied, 2, s.line)
        XCTAssertEqual(s.failed, 1, s.line)
        XCTAssertEqual(box.filed[garbageUID], false)
        let corrupt = night.spoolRoot.appendingPathComponent("corrupt/inbound")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: corrupt.path).count, 1)
        XCTAssertEqual(try night.store.inboundMessages(status: .failed).count, 1)
    }
}

/// The expected decision for each message of the inbound fixture corpus (what `kizuna inspect` prints).
final class InboundFixtureDecisionTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/inbound")

    /// file → (kind, command, arguments that must be present).
    let expected: [String: (kind: String, command: String?, arguments: [String: String])] = [
        "au-shiftjis-8bit.eml": ("command", "stop", ["scope": "all"]),
        "binary-garbage.eml": ("unreadable", nil, [:]),
        "bounce-dsn.eml": ("bounce", nil, [:]),
        "docomo-iso2022jp.eml": ("command", "subscribe", ["date": "2027-05-01", "track": "pregnancy"]),
        "eucjp-status.eml": ("command", "status", [:]),
        "forwarded-rfc822.eml": ("command", "stop", ["scope": "all"]),
        "gmail-stop-and-resume.eml": ("command", "stop", ["scope": "all"]),
        "gmail-reply-alternative.eml": ("command", "stop", ["scope": "all"]),
        "iphone-flowed-qp.eml": ("command", "subscribe", ["date": "2027-05-01", "track": "pregnancy"]),
        "iphone-ja-reply-paused-stop.eml": ("command", "stop", ["scope": "all"]),
        "iphone-ja-reply-daily-thanks.eml": ("command", "unknown", ["reason": "reply to our mail"]),
        "latin1-subscribe.eml": ("command", "unknown", ["reason": "no command"]),
        "long-header-100k.eml": ("command", "status", [:]),
        "missing-final-boundary.eml": ("command", "help", [:]),
        "outlook-html-only.eml": ("command", "pause", ["until": "2027-06-01"]),
        "outlook-ja-plain.eml": ("command", "stop", ["scope": "all"]),
        "outlook-ja-reply-stopped-resume.eml": ("command", "resume", [:]),
        "rfc2231-filename.eml": ("command", "due", ["date": "2027-09-09"]),
        "softbank-shiftjis-base64.eml": ("command", "born", [:]),
        "thunderbird-ja-flowed.eml": ("command", "resume", [:]),
    ]

    func testEveryFixtureGetsItsExpectedDecision() throws {
        let editions = [Edition(id: "sakura", name: "Sakura", address: try EmailAddress(parsing: "kizuna@clinic.example"),
                                fromName: "Sakura", languages: ["ja", "en"], plusAddressing: true)]
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).filter { $0.hasSuffix(".eml") }.sorted()
        XCTAssertEqual(Set(files), Set(expected.keys), "every fixture needs an expected decision")
        for file in files {
            let bytes = Array(try Data(contentsOf: Self.fixtures.appendingPathComponent(file)))
            let d = InboundReader.read(bytes, editions: editions, today: CivilDate(iso: "2026-11-25")!).decision
            guard let e = expected[file] else { continue }
            XCTAssertEqual(d.kind.rawValue, e.kind, file)
            XCTAssertEqual(d.command?.name, e.command, file)
            for (k, v) in e.arguments { XCTAssertEqual(d.command?.arguments[k], v, "\(file) \(k)") }
            XCTAssertEqual(d.mayReply, e.kind == "command", file)
            if e.command != nil { XCTAssertFalse(d.why.isEmpty && e.command != "unknown", "\(file): why is empty") }
        }
    }
}
