import KizunaCore

/// Bounces that are not delivery status notifications: the addresses and reasons in the text a
/// mail system wrote for a person.
extension BounceReader {
    // MARK: - Non-standard bounces

    /// The human-readable report and, when the original is quoted inline, the text after the marker.
    func reportText() -> (report: String, returned: String) {
        let text = message.textBody ?? ""
        let bytes = Array(text.utf8)
        guard let cut = BounceText.originalFollows.earliest(in: BounceText.lowered(text)) else { return (text, "") }
        return (String(decoding: bytes[..<cut.offset], as: UTF8.self), String(decoding: bytes[cut.offset...], as: UTF8.self))
    }

    mutating func readTextBounce(_ text: (report: String, returned: String)) {
        let report = text.report
        let lines = BounceText.lines(of: report).map(String.init)
        // The addresses of the report, each with the lines that follow it up to the next one.
        var order: [String] = []
        var blocks: [String: [String]] = [:]
        var current: String? = nil
        var sinceCurrent = 0
        for line in lines {
            let trimmed = line.trimmingBlanks()
            // A person's quote, but not an SMTP transcript (`>>> RCPT TO:`).
            if trimmed.hasPrefix(">") && !trimmed.hasPrefix(">>>") { continue }
            let found = BounceText.addresses(in: trimmed).filter { isCandidate($0, line: trimmed) }
            if let first = found.first {
                let key = first.lowercased()
                if blocks[key] == nil { order.append(key); blocks[key] = [] }
                if current != key { current = key; sinceCurrent = 0 }
            }
            if let c = current, sinceCurrent < 8, !trimmed.isEmpty {
                blocks[c, default: []].append(trimmed)
                sinceCurrent += 1
            }
        }
        var originalTo: String? = nil
        if order.isEmpty {
            // Exim names the failed addresses in a header even when its text gives only a local part.
            for value in message.headerValues("X-Failed-Recipients") {
                for a in BounceText.addresses(in: value) where isCandidate(a, line: "") && blocks[a.lowercased()] == nil {
                    order.append(a.lowercased()); blocks[a.lowercased()] = []
                }
            }
            if !order.isEmpty { verdict.evidence.append("recipients from X-Failed-Recipients") }
        }
        if order.isEmpty, let original = returnedHeaders(inline: text.returned), let to = original.to {
            originalTo = to
            order = [to.lowercased()]
            blocks[order[0]] = []
            verdict.evidence.append("recipient from the returned message's To")
        }
        let lowered = BounceText.lowered(report)
        let permanent = BounceText.permanentMarkers.firstMatch(in: lowered) != nil
        // "could not be delivered … delivery attempts will continue": a warning that says so is a
        // delay, unless the notice also says the failure is final.
        let warning = BounceText.warningMarkers.firstMatch(in: lowered).flatMap { w in
            BounceText.finalMarkers.firstMatch(in: lowered) == nil ? w : nil
        }
        let delayed = warning != nil || !permanent && (BounceText.delayMarkers.firstMatch(in: lowered) != nil
            || BounceText.firstMatch(message.subject ?? "", BounceText.delayMarkers) != nil)
        if let warning { verdict.evidence.append("warning only: \"\(warning)\"") }
        let wholeStatus = BounceRules.enhancedStatus(in: report)
        let wholeReply = BounceRules.replyCode(in: report)
        for key in order {
            let block = (blocks[key] ?? []).joined(separator: "\n")
            var status = BounceRules.enhancedStatus(in: block)
            let reply = BounceRules.replyCode(in: block)
            if status == nil, order.count == 1 { status = wholeStatus }
            if status == nil, let r = reply ?? (order.count == 1 ? wholeReply : nil) { status = BounceRules.status(fromReply: r) }
            if delayed, status?.first == "5" { status = nil }
            let action: BounceAction = delayed ? .delayed : .failed
            var reason = BounceRules.reason(status: status, diagnostic: block, action: action)
            if reason == .undefined || (reason == .securityerror && BounceRules.reason(diagnostic: block) == nil) {
                let wider = BounceRules.reason(status: status, diagnostic: report, action: action)
                if wider != .undefined { reason = wider }
            }
            let address = originalTo ?? BounceText.originalCase(key, in: report)
            let diagnostic = BounceText.diagnosticLine(block.isEmpty ? report : block)
            verdict.recipients.append(BounceRecipient(address: address, action: action, status: status, reason: reason,
                                                      diagnostic: diagnostic, remoteMTA: BounceText.remoteHost(in: block)))
        }
        verdict.kind = delayed ? .delay : .bounce
        if verdict.recipients.isEmpty { verdict.evidence.append("no recipient could be read from the bounce") }
    }

    /// Whether an address on a report line can be a failed recipient.
    func isCandidate(_ address: String, line: String) -> Bool {
        let lower = address.lowercased()
        if excluded.contains(lower) || OwnAddress.hasVERPDetail(lower) { return false }
        let local = lower.split(separator: "@").first.map(String.init) ?? ""
        if BounceText.daemonLocalParts.contains(local) || local.hasPrefix("mailer-daemon") || local.hasPrefix("postmaster") { return false }
        let l = line.lowercased()
        // Fields of a quoted header (the original's To and Cc name where it was sent, not what
        // failed) and the envelope id; `RCPT TO:` lines do not start with these.
        for prefix in ["from:", "reply-to:", "sender:", "message-id:", "return-path:", "received:", "references:", "in-reply-to:", "date:", "subject:", "list-", "x-",
                       "to:", "cc:", "bcc:", "original-envelope-id:", "envelope-id:"] where l.hasPrefix(prefix) {
            return false
        }
        if l.containsBytes("message-id") || l.containsBytes(OwnMessageID.deliveryOpening) { return false }
        // The envelope sender a transcript quotes (`after MAIL FROM:<…>`) is never what failed.
        if let r = l.range(of: "mail from:"), l[r.upperBound...].drop(while: { $0 == " " || $0 == "<" }).hasPrefix(lower) { return false }
        // The folded tail of a quoted Received field: `with SMTP id <…@host>`.
        if l.containsBytes(" id <") { return false }
        return true
    }
}
