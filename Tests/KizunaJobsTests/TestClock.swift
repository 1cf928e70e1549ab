import Foundation
import KizunaCore
@testable import KizunaJobs
import KizunaMail

/// The clock of a test's instance: the system's time until the test sets one, then that time
/// (from any thread).
final class TestClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var fixed: Date?

    func now() -> Date { lock.withLock { fixed } ?? Date() }
    func set(_ time: Date) { lock.withLock { fixed = time } }
}

extension Instance {
    /// The test clock every `NightInstance` is made with.
    var testClock: TestClock { clock as! TestClock }
}

// The jobs at a given time, as the tests written before the clock call them.
extension BatchJob {
    func run(date: CivilDate, now: Date, progress: ((Int) -> Void)? = nil) throws -> BatchSummary {
        instance.testClock.set(now)
        return try run(date: date, progress: progress)
    }
}

extension SendJob {
    func run(at now: Date, transport: MailTransport? = nil) throws -> SendSummary {
        instance.testClock.set(now)
        return try run(transport: transport)
    }
}

extension PollJob {
    func run(now: Date, mailbox: InboundMailbox? = nil) throws -> PollSummary {
        instance.testClock.set(now)
        return try run(mailbox: mailbox)
    }
}

extension ReportJob {
    func run(date: CivilDate, now: Date, queue: Bool = true) throws -> ReportSummary {
        instance.testClock.set(now)
        return try run(date: date, queue: queue)
    }
}
