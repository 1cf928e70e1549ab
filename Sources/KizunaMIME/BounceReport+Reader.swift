import KizunaCore

/// The work of `BounceAnalysis.analyze`: structure first (feedback report, delivery status),
/// then the text of non-standard bounces, then auto-replies.
struct BounceReader {
    let message: IncomingMessage
    let tokens: AddressTokens?
    var verdict = BounceVerdict(kind: .notBounce)
    /// Addresses that are ours or the reporting system's, never a failed recipient.
    var excluded: Set<String> = []

    init(message: IncomingMessage, tokens: AddressTokens?) {
        self.message = message
        self.tokens = tokens
    }

    mutating func run() -> BounceVerdict {
        let parts = message.parts
        let reportType = message.contentType.parameters["report-type"]?.lowercased()
        for m in [message.from?.address].compactMap({ $0 }) + message.to.map(\.address) + message.replyTo.map(\.address) {
            excluded.insert(m.description.lowercased())
            // The mailbox behind a VERP (`kizuna+b-…@` → `kizuna@`) is our envelope sender.
            let local = m.localPart
            if let plus = local.firstIndex(of: "+"), plus > local.startIndex {
                excluded.insert("\(local[..<plus])@\(m.domain)".lowercased())
            }
        }
        readOwnVERP()

        if let fb = parts.first(where: { $0.contentType.mimeType == "message/feedback-report" }) {
            readFeedback(fb)
            return verdict
        }
        if reportType == "feedback-report" { verdict.evidence.append("report-type=feedback-report without a feedback part") }

        let statusParts = parts.filter {
            let t = $0.contentType.mimeType
            return t == "message/delivery-status" || t == "message/global-delivery-status"
        }
        if !statusParts.isEmpty && readDeliveryStatus(statusParts) {
            readReturnedMessage()
            return verdict
        }

        let text = reportText()
        let lower = BounceText.lowered(text.report)
        let subject = (message.subject ?? "").lowercased()
        let daemon = isDaemonSender
        let nullSender = message.returnPath == .null
        let unattended = isUnattendedSender

        if !daemon, let c = BounceText.challengeMarkers.firstMatch(in: lower) {
            verdict.kind = .autoreply
            verdict.autoReply = .challenge
            verdict.evidence.append("challenge-response: \"\(c)\"")
            return verdict
        }
        let humanReply = !daemon && !nullSender && !unattended && (subject.hasPrefix("re:") || subject.hasPrefix("re：") || message.inReplyTo.count > 0)
        var marker = BounceText.failureMarkers.firstMatch(in: lower) ?? BounceText.firstMatch(subject, BounceText.subjectMarkers)
        // A mail system's note in its own words ("Error: Invalid user address") that quotes a
        // failing SMTP reply with a known reason.
        if marker == nil, daemon, let code = BounceRules.replyCode(in: text.report), code >= 400,
           BounceRules.reason(diagnostic: text.report) != nil {
            marker = "SMTP reply \(code)"
        }
        if (daemon || nullSender || unattended || statusParts.count > 0 || reportType == "delivery-status") && !humanReply,
           let marker, autoReplySignal() == nil || daemon {
            verdict.evidence.append(daemon ? "sent by a mail system (\(message.from?.address.description ?? "<>"))"
                : nullSender || !unattended ? "null envelope sender" : "sent from an unattended address (\(message.from?.address.description ?? ""))")
            verdict.evidence.append("bounce text: \"\(marker)\"")
            readTextBounce(text)
            readReturnedMessage(inline: text.returned)
            return verdict
        }
        if let why = autoReplySignal() {
            verdict.kind = .autoreply
            let vacation = BounceText.vacationMarkers.firstMatch(in: lower) ?? BounceText.firstMatch(subject, BounceText.vacationMarkers)
            verdict.autoReply = vacation != nil ? .vacation : .other
            verdict.evidence.append(why)
            if let v = vacation { verdict.evidence.append("vacation: \"\(v)\"") }
            return verdict
        }
        if humanReply, let marker { verdict.evidence.append("a person's reply quoting \"\(marker)\"; not a bounce") }
        else { verdict.evidence.append("no delivery report, bounce text or auto-reply mark") }
        return verdict
    }

    // MARK: - Who sent it

    var isDaemonSender: Bool {
        guard let from = message.from else { return false }
        let local = from.address.localPart.lowercased()
        if BounceText.daemonLocalParts.contains(local) || local.hasPrefix("mailer-daemon") || local.hasPrefix("microsoftexchange")
            || local.hasPrefix("postmaster") { return true }
        let name = (from.displayName ?? "").lowercased()
        return ["mail delivery", "mailer-daemon", "mail administrator", "postmaster", "mail router"].contains(where: name.containsBytes)
    }

    /// A `no-reply@` sender: some providers (Japanese carriers among them) send bounces from one.
    var isUnattendedSender: Bool {
        guard let from = message.from else { return false }
        return BounceText.unattendedLocalParts.contains(from.address.localPart.lowercased())
    }

    func autoReplySignal() -> String? {
        if let a = message.header("Auto-Submitted")?.lowercased(), a.hasPrefix("auto-replied") { return "Auto-Submitted: \(a)" }
        for h in ["X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Vacation"] where message.header(h) != nil {
            return "\(h) header"
        }
        if let p = message.header("Precedence")?.lowercased(), p.containsBytes("auto_reply") || p.containsBytes("auto-reply") { return "Precedence: \(p)" }
        if message.header("X-MS-Exchange-Inbox-Rules-Loop") != nil && (message.subject ?? "").lowercased().hasPrefix("automatic reply") {
            return "Exchange automatic reply"
        }
        let subject = (message.subject ?? "").lowercased()
        if let s = BounceText.firstPrefix(subject, BounceText.autoReplySubjects) { return "auto-reply subject \"\(s)\"" }
        if let a = message.header("Auto-Submitted")?.lowercased(), a.hasPrefix("auto-generated"),
           BounceText.firstMatch(subject, BounceText.vacationMarkers) != nil { return "Auto-Submitted: \(a)" }
        return nil
    }

    // MARK: - VERP

    /// Our VERP in the report's own header: where the bounce was sent to.
    mutating func readOwnVERP() {
        var fields = ["To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Original-Recipient", "X-Rcpt-To"]
            .flatMap { message.headerValues($0) }
        if message.header("Received") != nil {
            // `for <kizuna+b-…@…>` in our own MX's Received line is the envelope recipient too.
            for r in message.headerValues("Received").prefix(2) {
                if let at = ByteSearch.firstOffset(of: "for <", in: r) {
                    fields.append(String(decoding: r.utf8.dropFirst(at + 5).prefix { $0 != UInt8(ascii: ">") }, as: UTF8.self))
                }
            }
        }
        for value in fields {
            for address in BounceText.addresses(in: value) where BounceText.hasVERPToken(address) {
                if applyVERP(address, source: .verp) { return }
            }
        }
    }

    /// Checks one candidate; returns true when it settled the delivery (valid) or ruled out
    /// trusting anything else (forged).
    @discardableResult
    mutating func applyVERP(_ raw: String, source: BounceVerdict.DeliverySource) -> Bool {
        guard let address = try? EmailAddress(parsing: raw) else {
            if verdict.verp == nil { verdict.verp = .mangled; verdict.evidence.append("mangled VERP \(raw)") }
            return false
        }
        guard let tokens else {
            if verdict.verp == nil { verdict.verp = .unverified; verdict.evidence.append("VERP \(raw) not checked: no secret") }
            return false
        }
        switch tokens.decodeVERP(address) {
        case .valid(let id):
            if source == .verp { verdict.verp = .valid }
            verdict.delivery = id
            verdict.deliverySource = source
            verdict.evidence.append("\(source == .verp ? "VERP" : "returned Return-Path VERP") \(raw): delivery \(id)")
            return true
        case .forged:
            let shape = BounceText.verpShapeIsWhole(address.localPart)
            if verdict.verp == nil || verdict.verp == .mangled { verdict.verp = shape ? .forged : .mangled }
            verdict.evidence.append("\(shape ? "forged" : "mangled") VERP \(raw): MAC does not match; not trusted")
            return shape
        case .none:
            if verdict.verp == nil { verdict.verp = .mangled; verdict.evidence.append("mangled VERP \(raw)") }
            return false
        }
    }

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
        if let original = returnedHeaders() {
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
        readReturnedMessage()
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
                       let a = BounceText.addresses(in: sender).first, BounceText.hasVERPToken(a) {
                        applyVERP(a, source: .verp)
                    }
                }
                let finalRaw = g.value("Final-Recipient") ?? g.value("X-Actual-Recipient")
                let originalRaw = g.value("Original-Recipient")
                guard finalRaw != nil || originalRaw != nil else { continue }
                // A local delivery (to a file or a pipe) names no address: the one address the
                // MTA lists as failed (Exim's X-Failed-Recipients) is the recipient.
                let failedHeader = message.headerValues("X-Failed-Recipients").flatMap { BounceText.addresses(in: $0) }
                let address = originalRaw.flatMap { BounceText.addresses(in: $0).first }
                    ?? finalRaw.flatMap { BounceText.addresses(in: $0).first }
                    ?? (failedHeader.count == 1 ? failedHeader[0] : nil)
                    ?? BounceText.stripType(finalRaw ?? originalRaw ?? "")
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
        let delayed = !permanent && (BounceText.delayMarkers.firstMatch(in: lowered) != nil
            || BounceText.firstMatch(message.subject ?? "", BounceText.delayMarkers) != nil)
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
        if excluded.contains(lower) || lower.containsBytes("+b-") { return false }
        let local = lower.split(separator: "@").first.map(String.init) ?? ""
        if BounceText.daemonLocalParts.contains(local) || local.hasPrefix("mailer-daemon") || local.hasPrefix("postmaster") { return false }
        let l = line.lowercased()
        // Fields of a quoted header (the original's To and Cc name where it was sent, not what
        // failed) and the envelope id; `RCPT TO:` lines do not start with these.
        for prefix in ["from:", "reply-to:", "sender:", "message-id:", "return-path:", "received:", "references:", "in-reply-to:", "date:", "subject:", "list-", "x-",
                       "to:", "cc:", "bcc:", "original-envelope-id:", "envelope-id:"] where l.hasPrefix(prefix) {
            return false
        }
        if l.containsBytes("message-id") || l.containsBytes("<kizuna.") { return false }
        // The envelope sender a transcript quotes (`after MAIL FROM:<…>`) is never what failed.
        if let r = l.range(of: "mail from:"), l[r.upperBound...].drop(while: { $0 == " " || $0 == "<" }).hasPrefix(lower) { return false }
        // The folded tail of a quoted Received field: `with SMTP id <…@host>`.
        if l.containsBytes(" id <") { return false }
        return true
    }

    // MARK: - The returned message

    /// The header of the returned original: a message/rfc822 part, the header part of a report,
    /// or the copy a plain-text bounce quotes after its marker line. Only the header is read,
    /// so a 20 MB attachment in the original costs nothing.
    func returnedHeaders(inline: String = "") -> ReturnedHeaders? {
        for p in message.parts {
            switch p.contentType.mimeType {
            case "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers", "message/global-headers":
                let h = IncomingHeaders(parsing: BounceText.headerPrefix(p.body))
                if !h.fields.isEmpty { return ReturnedHeaders(headers: h) }
            default: continue
            }
        }
        guard !inline.isEmpty else { return nil }
        // After a marker line such as "--- Below this line is a copy of the message.": skip to
        // the first line that has a colon, and read at most 200 lines from there. Only lines
        // are looked at, never the whole (possibly large) copy.
        let bytes = Array(inline.utf8)
        let lineEnd = { (from: Int) in bytes[from...].firstIndex(of: 0x0A) ?? bytes.count }
        var start = min(lineEnd(0) + 1, bytes.count)
        while start < bytes.count, !bytes[start..<lineEnd(start)].contains(0x3A) { start = lineEnd(start) + 1 }
        guard start < bytes.count else { return nil }
        var end = start
        for _ in 0..<200 where end < bytes.count { end = min(lineEnd(end) + 1, bytes.count) }
        let h = IncomingHeaders(parsing: Array(bytes[start..<end]))
        return h.fields.isEmpty ? nil : ReturnedHeaders(headers: h)
    }

    mutating func readReturnedMessage(inline: String = "") {
        guard let original = returnedHeaders(inline: inline) else { return }
        if original.isReport {
            verdict.evidence.append("the returned message is itself a bounce: not ours, nothing to stop")
            return
        }
        verdict.originalMessageID = original.messageID
        if let list = original.headers.value("List-Id") {
            verdict.originalListID = BounceText.angleContent(list)
            verdict.evidence.append("returned message List-Id \(verdict.originalListID ?? list)")
        }
        guard verdict.delivery == nil, verdict.verp != .forged else { return }
        if let rp = original.returnPath, BounceText.hasVERPToken(rp) {
            if applyVERP(rp, source: .originalVERP) { return }
        }
        guard verdict.verp != .forged else { return }
        if let id = original.messageID, let delivery = BounceText.deliveryID(fromMessageID: id) {
            verdict.delivery = delivery
            verdict.deliverySource = .messageID
            verdict.evidence.append("returned Message-ID \(id): delivery \(delivery)")
        }
    }
}

/// The few fields of a returned message's header that identify it.
struct ReturnedHeaders {
    let headers: IncomingHeaders

    var messageID: String? {
        headers.value("Message-ID").map(BounceText.angleContent).flatMap { $0.isEmpty ? nil : $0 }
    }
    /// The Return-Path address; nil when absent or null.
    var returnPath: String? {
        headers.value("Return-Path").flatMap { BounceText.addresses(in: $0).first }
    }
    var to: String? { headers.value("To").flatMap { BounceText.addresses(in: $0).first } }

    /// A delivery report or a mail system's message: a bounce of a bounce.
    var isReport: Bool {
        if let rp = headers.value("Return-Path"), rp.filter({ $0 != " " }) == "<>" { return true }
        if let ct = headers.value("Content-Type")?.lowercased(), ct.containsBytes("report-type") { return true }
        if let from = headers.value("From").flatMap({ BounceText.addresses(in: $0).first }),
           let local = from.split(separator: "@").first.map({ $0.lowercased() }),
           BounceText.daemonLocalParts.contains(local) { return true }
        return false
    }
}
