import Foundation
import Logging
import KizunaTestSupport
import XCTest
@testable import KizunaMail

/// Prints SMTPTransport's rate against Postfix's smtp-sink (scripts/mailstack/start-sink.sh)
/// beside smtp-source's; never asserts on time. Runs only with KIZUNA_BENCH=1, best in a
/// release build: `KIZUNA_BENCH=1 swift test -c release --filter SMTPThroughputBench`.
final class SMTPThroughputBench: XCTestCase {
    func testThroughputAgainstSmtpSink() throws {
        let env = ProcessInfo.processInfo.environment
        guard env["KIZUNA_BENCH"] == "1" else { throw XCTSkip("set KIZUNA_BENCH=1 to measure") }
        guard acceptsConnections(port: 2526) else {
            throw XCTSkip("no smtp-sink on 127.0.0.1:2526; start it with `sudo scripts/mailstack/start-sink.sh`")
        }
        let count = Int(env["KIZUNA_BENCH_MESSAGES"] ?? "") ?? 20_000
        var text = "From: kizuna@clinic.test\r\nTo: bench@sink.test\r\nSubject: bench\r\n\r\n"
        while text.utf8.count < 3000 { text += "0123456789 きずな 0123456789 abcdefghijklmnopqrstuvwxyz\r\n" }
        let data = Array(text.utf8)
        for connections in [1, 8] {
            let transport = SMTPTransport(settings: SMTPSettings(url: "smtp://127.0.0.1:2526", connections: connections), logger: Logger(label: "bench"))
            var sent = 0, accepted = 0
            let start = Date()
            try transport.deliver(next: {
                guard sent < count else { return nil }
                sent += 1
                return OutboundMessage(id: Int64(sent), mailFrom: "kizuna@clinic.test", rcptTo: "bench@sink.test", data: data)
            }, onResult: { _, o in if case .accepted = o { accepted += 1 } })
            let secs = Date().timeIntervalSince(start)
            print(String(format: "SMTPTransport: %d connection(s), %d x %d bytes: %d accepted in %.2f s = %.0f msgs/s",
                         connections, count, data.count, accepted, secs, Double(accepted) / secs))
            XCTAssertEqual(accepted, count)
        }
    }
}
