import KizunaCore

/// Bounces that are not delivery status notifications: the addresses and reasons in the text a
/// mail system wrote for a person.
extension BounceReader {
    // MARK: - Non-standard bounces

    /// The human-readable report and, when the original is quoted inline, the text after the
    /// marker, or from the first line of a quoted header (`Received:` at the start of a line)
    /// when no marker says where the copy begins: its addresses are the original's, not the report's.
    func reportText() -> (report: String, returned: String) {
        let text = message.textBody ?? ""
        let bytes = Array(text.utf8)
        let lower = BounceText.lowered(text)
        let marker = BounceText.originalFollows.earliest(in: lower)?.offset
        let header = BounceText.quotedHeaderStarts.earliest(in: lower)?.offset
        guard let cut = [marker, header].compactMap({ $0 }).min() else { return (text, "") }
        return (String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self))
    }

    mutating func readTextBounce(_ text: (report: String, returned: String), returned: ReturnedHeaders?) {
        let report = text.report
        excludeSendingSide(returned: returned)
        let lines = BounceText.lines(of: report).map(String.init)
        // The addresses of the report, each with the lines that follow it up to the next one.
        var order: [String] = []
        var blocks: [String: [String]] = [:]
        var current: String? = nil
        var sinceCurrent = 0
        // Whether the report presents each address as failed, and the lines just before it.
        var presented: Set<String> = []
        var recent: [String] = []
        for line in lines {
            let trimmed = line.trimmingBlanks()
            // A person's quote, but not an SMTP transcript (`>>> RCPT TO:`).
            if trimmed.hasPrefix(">") && !trimmed.hasPrefix(">>>") { continue }
            let found = BounceText.addresses(in: trimmed).filter { isCandidate($0, line: trimmed) }
            if let first = found.first {
                let key = first.lowercased()
                if blocks[key] == nil { order.append(key); blocks[key] = [] }
                if current != key { current = key; sinceCurrent = 0 }
                if BounceText.presentsAsFailed(first, line: trimmed, before: recent) { presented.insert(key) }
                recent = []
            } else if !trimmed.isEmpty {
                recent = Array((recent + [trimmed]).suffix(3))
            }
            if let c = current, sinceCurrent < 8, !trimmed.isEmpty {
                blocks[c, default: []].append(trimmed)
                sinceCurrent += 1
            }
        }
        let failedHeader = Set(message.headerValues("X-Failed-Recipients").flatMap { BounceText.addresses(in: $0) }.map { $0.lowercased() })
        for key in order where !presented.contains(key) {
            if failedHeader.contains(key) || BounceText.blockNamesFailure(blocks[key] ?? []) { presented.insert(key) }
        }
        // Addresses the text only mentions (an example, a contact, a help address) do not
        // count when others are presented as failed.
        if presented.count < order.count {
            let mentioned = order.filter { !presented.contains($0) }
            order = order.filter { presented.contains($0) }
            verdict.evidence.append("not named as failed, only mentioned: \(mentioned.joined(separator: ", "))")
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
        if order.isEmpty, let bare = bareRecipient(lines: lines, returned: returned) {
            originalTo = bare
            order = [bare.lowercased()]
            blocks[order[0]] = []
        }
        // The returned message's To only when it names one person: a report about one recipient.
        if order.isEmpty, let original = returned, let to = original.to, isCandidate(to, line: ""),
           (original.headers.values("To") + original.headers.values("Cc")).flatMap({ BounceText.addresses(in: $0) }).count == 1 {
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
        let wholeStatus = BounceRules.enhancedStatus(in: report, failuresOnly: true)
        let wholeReply = BounceRules.replyCode(in: report)
        // The whole report's reason, read once and only when a recipient's own lines give none.
        var widerReasons: [String: BounceReason] = [:]
        for key in order {
            let block = (blocks[key] ?? []).joined(separator: "\n")
            var status = BounceRules.enhancedStatus(in: block, failuresOnly: true)
            let reply = BounceRules.replyCode(in: block)
            if status == nil, order.count == 1 { status = wholeStatus }
            if status == nil, let r = reply ?? (order.count == 1 ? wholeReply : nil) { status = BounceRules.status(fromReply: r) }
            if delayed, status?.first == "5" { status = nil }
            let action: BounceAction = delayed ? .delayed : .failed
            var reason = BounceRules.reason(status: status, diagnostic: block, action: action)
            if reason == .undefined || (reason == .securityerror && BounceRules.reason(diagnostic: block) == nil) {
                let cacheKey = "\(status ?? "")|\(action.rawValue)"
                let wider = widerReasons[cacheKey] ?? BounceRules.reason(status: status, diagnostic: report, action: action)
                widerReasons[cacheKey] = wider
                if wider != .undefined { reason = wider }
            }
            let address = originalTo ?? BounceText.originalCase(key, in: report)
            // A block that is only the address ("<a@b.example>") says nothing: the report's own
            // failure sentence ("Delivery to the following recipients failed permanently") does.
            let diagnostic = BounceText.blockNamesFailure(blocks[key] ?? []) ? BounceText.diagnosticLine(block)
                : BounceText.failureSentence(in: report) ?? BounceText.diagnosticLine(block.isEmpty ? report : block)
            verdict.recipients.append(BounceRecipient(address: address, action: action, status: status, reason: reason,
                                                      diagnostic: diagnostic, remoteMTA: BounceText.remoteHost(in: block)))
        }
        verdict.kind = delayed ? .delay : .bounce
        if verdict.recipients.isEmpty { verdict.evidence.append("no recipient could be read from the bounce") }
    }
}
