import Foundation
import KizunaCore
import Logging
import KizunaTestSupport
import XCTest
@testable import KizunaMail

/// Outcome mapping against a scripted server and a dead port (no Postfix needed).
final class SMTPTransportTests: XCTestCase {
    let logger = Logger(label: "kizuna.test.smtp")
    var server: ScriptedSMTPServer!

    override func setUpWithError() throws { server = try ScriptedSMTPServer() }
    override func tearDown() { server?.stop() }

    func message(_ id: Int64, to rcpt: String) -> OutboundMessage {
        OutboundMessage(id: id, mailFrom: "kizuna+b-\(id)-ab12cd@clinic.test", rcptTo: rcpt, data: sampleMessage(token: "t\(id)", to: rcpt))
    }

    func testRepliesMapToOutcomesAndLaterMessagesStillGo() throws {
        let transport = SMTPTransport(settings: SMTPSettings(url: server.url, connections: 1, responseTimeout: 10, heloName: "kizuna.clinic.test"), logger: logger)
        let messages = [
            message(1, to: "ok1@families.test"),
            message(2, to: "rcpt451@families.test"),
            message(3, to: "ok2@families.test"),
            message(4, to: "rcpt550@families.test"),
            message(5, to: "ok3@families.test"),
            message(6, to: "data554@families.test"),
            message(7, to: "ok4@families.test"),
        ]
        let out = try deliverAll(transport, messages)
        XCTAssertEqual(out.count, 7)
        XCTAssertEqual(out[1], .accepted(code: 250, reply: "250 2.0.0 Ok: queued as Q1"))
        XCTAssertEqual(out[2], .deferred(code: 451, reply: "451 4.3.0 scripted: try later", forRecipient: true))
        XCTAssertEqual(out[3], .accepted(code: 250, reply: "250 2.0.0 Ok: queued as Q2"))
        XCTAssertEqual(out[4], .rejected(code: 550, reply: "550 5.1.1 scripted: no such user"))
        XCTAssertEqual(out[5], .accepted(code: 250, reply: "250 2.0.0 Ok: queued as Q3"))
        XCTAssertEqual(out[6], .rejected(code: 554, reply: "554 5.7.1 scripted: content rejected"))
        XCTAssertEqual(out[7], .accepted(code: 250, reply: "250 2.0.0 Ok: queued as Q4"))
        let log = server.log
        XCTAssertTrue(log.contains("CMD EHLO kizuna.clinic.test"), "\(log.prefix(5))")
        print("fake server: \(log.filter { $0 == "CONNECT" }.count) connection(s) for 7 messages with two refused recipients")
    }

    func testConnectionIsReusedAcrossMessages() throws {
        let transport = SMTPTransport(settings: SMTPSettings(url: server.url, connections: 1), logger: logger)
        let out = try deliverAll(transport, (1...5).map { message(Int64($0), to: "ok\($0)@families.test") })
        XCTAssertEqual(out.values.filter { if case .accepted = $0 { return true } else { return false } }.count, 5)
        XCTAssertEqual(server.log.filter { $0 == "CONNECT" }.count, 1)
        XCTAssertEqual(server.log.filter { $0.hasPrefix("CMD EHLO") }.count, 1)
    }

    func testQuotedCarrierLocalPartGoesQuotedOnTheWire() throws {
        let carrier = try EmailAddress(localPart: "taro..x", domain: "docomo.ne.jp")
        let transport = SMTPTransport(settings: SMTPSettings(url: server.url), logger: logger)
        let out = try deliverAll(transport, [OutboundMessage(id: 1, mailFrom: "", rcptTo: carrier.smtpPath, data: sampleMessage(token: "q"))])
        XCTAssertEqual(out[1], .accepted(code: 250, reply: "250 2.0.0 Ok: queued as Q1"))
        XCTAssertTrue(server.log.contains("CMD RCPT TO:<\"taro..x\"@docomo.ne.jp>"), "\(server.log)")
        // The null sender.
        XCTAssertTrue(server.log.contains { $0.hasPrefix("CMD MAIL FROM:<>") }, "\(server.log)")
    }

    func testA4xxForTheRecipientIsToldApartFromABusyRelay() throws {
        let transport = SMTPTransport(settings: SMTPSettings(url: server.url, connections: 1, responseTimeout: 10), logger: logger)
        let out = try deliverAll(transport, [message(1, to: "rcpt451@families.test"), message(2, to: "data451@families.test")])
        XCTAssertEqual(out[1], .deferred(code: 451, reply: "451 4.3.0 scripted: try later", forRecipient: true))
        XCTAssertEqual(out[2], .deferred(code: 451, reply: "451 4.3.0 scripted: queue full", forRecipient: true))
        let busy = try ScriptedSMTPServer(mailFromReply: "451 4.3.2 scripted: system busy")
        defer { busy.stop() }
        let relay = SMTPTransport(settings: SMTPSettings(url: busy.url, connections: 1, responseTimeout: 10), logger: logger)
        let refused = try deliverAll(relay, [message(3, to: "ok@families.test")])
        XCTAssertEqual(refused[3], .deferred(code: 451, reply: "451 4.3.2 scripted: system busy", forRecipient: false))
    }

    func testDroppedConnectionMidDataDefersAndTheNextMessageGoesThrough() throws {
        let transport = SMTPTransport(settings: SMTPSettings(url: server.url, connections: 1, responseTimeout: 10), logger: logger)
        let out = try deliverAll(transport, [message(1, to: "dropdata@families.test"), message(2, to: "ok@families.test")])
        guard case .deferred(let code, let reply, false)? = out[1] else { return XCTFail("\(String(describing: out[1]))") }
        XCTAssertNil(code)
        XCTAssertTrue(reply.hasPrefix("curl error"), reply)
        XCTAssertEqual(out[2], .accepted(code: 250, reply: "250 2.0.0 Ok: queued as Q1"))
        XCTAssertEqual(server.log.filter { $0 == "CONNECT" }.count, 2)
    }

    func testTwoConnectionsCarryManyMessages() throws {
        let transport = SMTPTransport(settings: SMTPSettings(url: server.url, connections: 2), logger: logger)
        let out = try deliverAll(transport, (1...40).map { message(Int64($0), to: "ok\($0)@families.test") })
        XCTAssertEqual(out.count, 40)
        XCTAssertTrue(out.values.allSatisfy { if case .accepted(250, _) = $0 { return true } else { return false } })
        XCTAssertEqual(server.log.filter { $0 == "CONNECT" }.count, 2)
        XCTAssertEqual(server.log.filter { $0.hasPrefix("ACCEPT") }.count, 40)
    }

    func testDeadPortDefersEveryMessageQuickly() throws {
        let port = unusedPort()
        let transport = SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:\(port)", connections: 2, connectTimeout: 5, giveUpAfterConnectFailures: 0), logger: logger)
        let start = Date()
        let out = try deliverAll(transport, (1...6).map { message(Int64($0), to: "ok@families.test") })
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(out.count, 6)
        for (_, o) in out {
            guard case .deferred(nil, let reply, false) = o else { XCTFail("\(o)"); continue }
            XCTAssertTrue(reply.contains("curl error 7"), reply)
        }
        XCTAssertLessThan(elapsed, 30, "connection refused must not wait for timeouts")
    }

    func testUnreachableRelayStopsTryingAfterTheConfiguredFailures() throws {
        let port = unusedPort()
        let transport = SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:\(port)", connections: 1, giveUpAfterConnectFailures: 3), logger: logger)
        let out = try deliverAll(transport, (1...20).map { message(Int64($0), to: "ok@families.test") })
        XCTAssertEqual(out.count, 20)
        let notTried = out.values.filter { if case .deferred(nil, let r, _) = $0 { return r.hasPrefix("not tried") } else { return false } }
        XCTAssertEqual(notTried.count, 17)
    }

    func testConfigurationErrorsThrow() {
        XCTAssertThrowsError(try deliverAll(SMTPTransport(settings: SMTPSettings(url: "http://127.0.0.1:1"), logger: logger), [message(1, to: "a@b.test")]))
        XCTAssertThrowsError(try deliverAll(SMTPTransport(settings: SMTPSettings(url: "smtp://[::1"), logger: logger), [message(1, to: "a@b.test")]))
        XCTAssertThrowsError(try deliverAll(SMTPTransport(settings: SMTPSettings(url: server.url, connections: 0), logger: logger), [message(1, to: "a@b.test")]))
    }

    func testStartTLSRequiredAgainstAServerWithoutItDefers() throws {
        let transport = SMTPTransport(settings: SMTPSettings(url: server.url, starttls: .required), logger: logger)
        let out = try deliverAll(transport, [message(1, to: "ok@families.test")])
        guard case .deferred(_, let reply, false)? = out[1] else { return XCTFail("\(String(describing: out[1]))") }
        XCTAssertTrue(reply.contains("curl error 64"), reply)
        XCTAssertFalse(server.log.contains { $0.hasPrefix("ACCEPT") })
    }
}
