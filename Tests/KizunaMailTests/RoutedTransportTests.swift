import Foundation
import KizunaMail
import XCTest

/// Each message goes through its edition's relay; one relay that is dead or cannot be used
/// holds up only its own messages; the results come back on the calling thread, once each.
final class RoutedTransportTests: XCTestCase {
    /// A relay that answers every message the same way and remembers which it saw (on its own thread).
    final class Relay: MailTransport, @unchecked Sendable {
        let outcome: SendOutcome
        let fails: Bool
        private let lock = NSLock()
        private var seenIDs: [Int64] = []
        init(_ outcome: SendOutcome, fails: Bool = false) { self.outcome = outcome; self.fails = fails }
        var seen: [Int64] { lock.withLock { seenIDs } }

        func deliver(next: () -> OutboundMessage?, onResult: (OutboundMessage, SendOutcome) -> Void) throws {
            if fails { throw TransportConfigurationError("libcurl refuses the URL") }
            while let m = next() {
                lock.withLock { seenIDs.append(m.id) }
                onResult(m, outcome)
            }
        }
    }

    func message(_ id: Int64, _ edition: String?) -> OutboundMessage {
        OutboundMessage(id: id, mailFrom: "kizuna@\(edition ?? "instance").test", rcptTo: "p\(id)@families.test", data: [], edition: edition)
    }

    func testEachMessageTakesItsEditionsRelayAndADeadOneHoldsOnlyItsOwn() throws {
        let shared = Relay(.accepted(code: 250, reply: "250 shared"))
        let clinic = Relay(.deferred(code: nil, reply: "connection refused"))
        let town = Relay(.accepted(code: 250, reply: "250 town"))
        let routed = RoutedTransport(shared: shared, own: ["clinic": clinic, "town": town], queueCapacity: 3)
        let editions: [String?] = ["clinic", "town", nil, "other"]
        var pending = (1...400).map { message(Int64($0), editions[$0 % 4]) }[...]
        let caller = Thread.current
        var results: [Int64: SendOutcome] = [:]
        try routed.deliver(next: { pending.popFirst() }, onResult: { m, outcome in
            XCTAssertTrue(Thread.current == caller, "results come back on the calling thread")
            XCTAssertNil(results[m.id], "one result per message")
            results[m.id] = outcome
        })
        XCTAssertEqual(results.count, 400)
        XCTAssertEqual(Set(clinic.seen), Set((1...400).filter { $0 % 4 == 0 }.map(Int64.init)))
        XCTAssertEqual(Set(town.seen), Set((1...400).filter { $0 % 4 == 1 }.map(Int64.init)))
        // No edition, or an edition without a relay of its own: the instance's.
        XCTAssertEqual(Set(shared.seen), Set((1...400).filter { $0 % 4 == 2 || $0 % 4 == 3 }.map(Int64.init)))
        for (id, outcome) in results {
            if id % 4 == 0 { XCTAssertEqual(outcome, .deferred(code: nil, reply: "connection refused")) }
            else { XCTAssertEqual(outcome.isAccepted, true, "\(id): \(outcome)") }
        }
    }

    func testARelayThatCannotBeUsedDefersItsMessagesAndTheOthersGoOut() throws {
        let shared = Relay(.accepted(code: 250, reply: "250 ok"))
        let broken = Relay(.accepted(code: 250, reply: "never"), fails: true)
        let routed = RoutedTransport(shared: shared, own: ["clinic": broken], queueCapacity: 2)
        var pending = (1...50).map { message(Int64($0), $0.isMultiple(of: 2) ? "clinic" : nil) }[...]
        var results: [Int64: SendOutcome] = [:]
        try routed.deliver(next: { pending.popFirst() }, onResult: { results[$0.id] = $1 })
        XCTAssertEqual(results.count, 50)
        for (id, outcome) in results {
            if id.isMultiple(of: 2) {
                guard case .deferred(nil, let reply, false) = outcome else { return XCTFail("\(id): \(outcome)") }
                XCTAssertTrue(reply.contains("libcurl refuses the URL"), reply)
            } else {
                XCTAssertTrue(outcome.isAccepted, "\(id): \(outcome)")
            }
        }
    }

    func testWithoutRelaysOfTheirOwnTheInstancesRelayRunsAlone() throws {
        let shared = Relay(.accepted(code: 250, reply: "250 ok"))
        var pending = [message(1, "clinic"), message(2, nil)][...]
        var count = 0
        try RoutedTransport(shared: shared, own: [:]).deliver(next: { pending.popFirst() }, onResult: { _, _ in count += 1 })
        XCTAssertEqual(count, 2)
        XCTAssertEqual(shared.seen, [1, 2])
    }
}

extension SendOutcome {
    var isAccepted: Bool { if case .accepted = self { return true } else { return false } }
}
