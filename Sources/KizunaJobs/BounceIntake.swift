import Foundation
import KizunaCore
import KizunaMIME
import KizunaStore
import Logging

/// Carries a received bounce report or complaint into the store: `BounceAnalysis` reads it (a
/// VERP is trusted only with a valid MAC) and `BounceScoring` scores each failed recipient, once
/// per report. Every decision is logged; nothing here throws away the message.
public struct BounceIntake {
    let store: Store
    let tokens: AddressTokens?
    let logger: Logger
    let policy: BounceScorePolicy

    var scoring: BounceScoring { BounceScoring(store: store, policy: policy) }

    public init(store: Store, tokens: AddressTokens?, logger: Logger, policy: BounceScorePolicy = .standard) {
        self.store = store
        self.tokens = tokens
        self.logger = logger
        self.policy = policy
    }

    /// The poller's kinds that may be a report: bounces and complaints, and auto-replies (many
    /// non-standard bounces carry `Auto-Submitted`). A person's mail (`other`) never is.
    public static func reads(kind: InboundKind?) -> Bool {
        kind == .bounce || kind == .complaint || kind == .autoreply
    }

    /// What a report did, for the inbound ledger's decision and the log.
    public struct Result: Sendable {
        public var verdict: BounceVerdict
        public var decisions: [BounceDecision]
        /// One line: the verdict's kind and each decision.
        public var summary: String {
            ([verdict.kind.rawValue] + decisions.map(\.description)).joined(separator: "; ")
        }
    }

    /// Reads `bytes` and records what it says. A message that cannot be parsed, or that is not a
    /// bounce or a complaint after all (a delay notice, an auto-reply), changes nothing.
    /// `fallbackKey` (e.g. the message's mailbox place) stands in for a missing Message-ID, so
    /// that a report read again after a crash is still recorded once.
    public func record(_ bytes: [UInt8], fallbackKey: String? = nil, today: CivilDate, at: Date) throws -> Result? {
        guard let message = try? IncomingMessage.parse(bytes) else { return nil }
        return try record(message, fallbackKey: fallbackKey, today: today, at: at)
    }

    public func record(_ message: IncomingMessage, notice: MailSystemNotice? = nil, fallbackKey: String? = nil, today: CivilDate,
                       at: Date) throws -> Result {
        let verdict = BounceAnalysis.analyze(message, tokens: tokens, notice: notice)
        let reportID = message.messageID ?? fallbackKey
        var decisions: [BounceDecision] = []
        // A delivery id only from a VERP whose MAC checked out, or from our own Message-ID.
        let delivery = verdict.verp == .forged || verdict.verp == .mangled ? nil : verdict.delivery
        switch verdict.kind {
        case .bounce:
            let failed = verdict.recipients.filter { $0.action == .failed }
            // One delivery per VERP: the id is the recipient's only when the report names one recipient.
            let notices = failed.map { r in
                BounceNotice(address: r.address, deliveryID: failed.count == 1 ? delivery : nil, status: r.status,
                             reason: r.reason.rawValue, hard: r.hard, messageID: reportID, diagnostic: r.diagnostic)
            }
            decisions = try scoring.recordBounces(notices, today: today, at: at)
            if failed.isEmpty {
                logger.notice("bounce report with no failed recipient: no effect", metadata: ["inbound.message_id": "\(message.messageID ?? "-")"])
            }
        case .complaint:
            if let address = verdict.complaint?.address {
                let notice = ComplaintNotice(address: address, deliveryID: delivery, feedbackType: verdict.complaint?.feedbackType ?? "abuse",
                                             messageID: reportID)
                decisions.append(try scoring.recordComplaint(notice, today: today, at: at))
            } else {
                logger.warning("complaint names no address: no effect", metadata: ["inbound.message_id": "\(message.messageID ?? "-")"])
            }
        case .autoreply, .delay, .notBounce:
            break
        }
        for d in decisions {
            let meta: Logger.Metadata = ["inbound.message_id": "\(message.messageID ?? "-")", "bounce.effect": "\(d.effect.rawValue)"]
            switch d.effect {
            case .bouncing, .stopped: logger.warning("\(d)", metadata: meta)
            case .ignored: logger.notice("\(d)", metadata: meta)
            default: logger.info("\(d)", metadata: meta)
            }
        }
        return Result(verdict: verdict, decisions: decisions)
    }
}

/// What `kizuna inspect` shows for a message the poller reads as a report: the bounce
/// analysis's verdict. Without the instance's secret a VERP is `unverified`.
public struct ReportInspection: Sendable {
    /// The verdict's kind: bounce, complaint, autoreply, delay or not_bounce.
    public var kind: String
    /// The poller's decision object with the verdict's keys added (the verdict's `kind` wins).
    public var object: JSONValue
    /// Lines for the text output.
    public var lines: [String]

    /// Nil when the poller would not read the message as a report, or the analysis finds no
    /// bounce, complaint or delay notice in what the poller took for an auto-reply (a gateway's
    /// "delivery attempts will continue" warning from `<>` shows as the delay it is).
    public static func make(_ reading: InboundReading, tokens: AddressTokens? = nil) -> ReportInspection? {
        guard BounceIntake.reads(kind: reading.kind), let message = reading.message else { return nil }
        let v = BounceAnalysis.analyze(message, tokens: tokens, notice: reading.notice)
        guard reading.kind != .autoreply || v.kind == .bounce || v.kind == .complaint || v.kind == .delay else { return nil }
        guard case .object(let verdict) = v.jsonValue, case .object(let decision) = reading.decision.jsonValue else { return nil }
        let verdictKeys = Set(verdict.map(\.key))
        let object = JSONValue.object(decision.filter { !verdictKeys.contains($0.key) } + verdict)
        var lines = ["  report: \(v.kind.rawValue)\(v.delivery.map { " delivery \($0)" } ?? "")\(v.deliverySource.map { " (\($0.rawValue))" } ?? "")\(v.verp.map { " verp=\($0.rawValue)" } ?? "")"]
        for r in v.recipients {
            lines.append("  recipient: \(r.address) \(r.action.rawValue) \(r.status ?? "-") \(r.reason.rawValue) \(r.hard ? "hard" : "soft")")
        }
        if let c = v.complaint { lines.append("  complaint: \(c.address ?? "?") \(c.feedbackType)") }
        for e in v.evidence.prefix(8) { lines.append("  evidence: \(e)") }
        return ReportInspection(kind: v.kind.rawValue, object: object, lines: lines)
    }

    /// The line `kizuna inspect --json` prints for a file: `{"file":…,` then the decision's (or
    /// the report's) keys, sorted.
    public static func jsonLine(file: String, decision: InboundDecision, report: ReportInspection?) -> String {
        (report?.object ?? decision.jsonValue).serialized(leading: ("file", .string(file)))
    }
}
