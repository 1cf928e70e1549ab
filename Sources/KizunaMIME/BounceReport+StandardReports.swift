import KizunaCore

/// The standard report formats: complaints (RFC 5965) and delivery status notifications (RFC 3464).
extension BounceReader {
    // MARK: - RFC 5965 feedback report

    mutating func readFeedback(_ part: IncomingPart) {
        verdict.kind = .complaint
        let groups = IncomingHeaders.groups(parsing: part.body)
        let fields = groups.first ?? IncomingHeaders(fields: [])
        func field(_ n: String) -> String? {
            for g in groups { if let v = g.value(n) { return v } }
            return nil
        }
        let type = (field("Feedback-Type") ?? "abuse").trimmingBlanks().lowercased()
        var complaint = BounceVerdict.Complaint(address: nil, feedbackType: type, userAgent: field("User-Agent"), sourceIP: field("Source-IP"))
        _ = fields
        if let rcpt = field("Original-Rcpt-To"), let a = BounceText.addresses(in: rcpt).first {
            complaint.address = a
            verdict.evidence.append("Original-Rcpt-To \(a)")
        }
        let returned = returnedHeaders()
        if let original = returned {
            if complaint.address == nil, let to = original.to {
                complaint.address = to
                verdict.evidence.append("complained-about address from the returned message's To")
            }
        }
        if complaint.address == nil, let r = field("Removal-Recipient"), let a = BounceText.addresses(in: r).first {
            complaint.address = a
        }
        verdict.complaint = complaint
        verdict.evidence.append("feedback report, Feedback-Type: \(type)")
        readReturnedMessage(returned)
    }

    // MARK: - RFC 3464 delivery status

    /// Reads every recipient group; false when no group names a recipient (then the text is tried).
    mutating func readDeliveryStatus(_ statusParts: [IncomingPart]) -> Bool {
        var recipients: [BounceRecipient] = []
        var reasons: [String: BounceReason] = [:]
        let fallbackText = message.textBody ?? ""
        for part in statusParts {
            let groups = IncomingHeaders.groups(parsing: part.body)
            for g in groups {
                if let mta = g.value("Reporting-MTA"), verdict.reportingMTA == nil { verdict.reportingMTA = BounceText.stripType(mta) }
                for s in ["X-Postfix-Sender", "X-Original-Sender"] {
                    if let sender = g.value(s), verdict.delivery == nil, verdict.verp != .forged,
                       let a = BounceText.addresses(in: sender).first, OwnAddress.hasVERPDetail(a) {
                        applyVERP(a, source: .verp)
                    }
                }
                let finalRaw = g.value("Final-Recipient") ?? g.value("X-Actual-Recipient")
                let originalRaw = g.value("Original-Recipient")
                guard finalRaw != nil || originalRaw != nil else { continue }
                // A local delivery (to a file or a pipe) names no address: the one address the
                // MTA lists as failed (Exim's X-Failed-Recipients) is the recipient.
                let failedHeader = message.headerValues("X-Failed-Recipients").flatMap { BounceText.addresses(in: $0) }
                // An X.400 name or a program without a mail address is no recipient to act on:
                // the group is skipped, and a report left with none is read as text.
                guard let address = originalRaw.flatMap({ BounceText.addresses(in: $0).first })
                    ?? finalRaw.flatMap({ BounceText.addresses(in: $0).first })
                    ?? (failedHeader.count == 1 ? failedHeader[0] : nil) else {
                    verdict.evidence.append("recipient field without a mail address: \(BounceText.oneLine(finalRaw ?? originalRaw ?? ""))")
                    continue
                }
                var diagnostic = g.value("Diagnostic-Code").map(BounceText.stripType)
                let rawStatus = g.value("Status").flatMap { BounceRules.enhancedStatus(in: $0) }
                var status = rawStatus
                if let d = diagnostic, let inner = BounceRules.enhancedStatus(in: d) {
                    // A generic x.0.0 in Status often hides a specific code in the server's reply.
                    if status == nil || (status!.hasSuffix(".0.0") && inner.first == status!.first) { status = inner }
                }
                if status == nil, let d = diagnostic, let code = BounceRules.replyCode(in: d) { status = BounceRules.status(fromReply: code) }
                let action = g.value("Action").flatMap(BounceAction.init(field:)) ?? {
                    switch status?.first {
                    case "2": return .delivered
                    case "4": return .delayed
                    default: return .failed
                    }
                }()
                if diagnostic == nil || diagnostic!.isEmpty {
                    // Some MTAs put the explanation only in the human-readable part.
                    diagnostic = BounceText.lines(around: address, in: fallbackText)
                }
                let reason: BounceReason
                switch action {
                case .delivered, .relayed, .expanded: reason = .delivered
                default:
                    // Large reports repeat one diagnostic for many recipients: read it once.
                    let key = "\(action.rawValue)|\(status ?? "")|\(diagnostic ?? "")"
                    if let known = reasons[key] { reason = known } else {
                        reason = BounceRules.reason(status: status, diagnostic: diagnostic ?? "", action: action)
                        reasons[key] = reason
                    }
                }
                recipients.append(BounceRecipient(address: address, action: action, status: status, reason: reason,
                                                  diagnostic: diagnostic.map(BounceText.oneLine), remoteMTA: g.value("Remote-MTA").map(BounceText.stripType)))
            }
        }
        guard !recipients.isEmpty else { return false }
        verdict.recipients = recipients
        if recipients.contains(where: { $0.action == .failed }) {
            verdict.kind = .bounce
        } else if recipients.contains(where: { $0.action == .delayed }) {
            verdict.kind = .delay
        } else {
            verdict.kind = .notBounce
        }
        verdict.evidence.append("delivery-status report with \(recipients.count) recipient\(recipients.count == 1 ? "" : "s")")
        return true
    }
}
