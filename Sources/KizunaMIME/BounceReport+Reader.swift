import KizunaCore

/// The work of `BounceAnalysis.analyze`: structure first (feedback report, delivery status),
/// then the text of non-standard bounces, then auto-replies.
struct BounceReader {
    let message: IncomingMessage
    let tokens: AddressTokens?
    var verdict = BounceVerdict(kind: .notBounce)
    /// Addresses that are ours or the reporting system's, never a failed recipient.
    var excluded: Set<String> = []
    /// The message's `MailSystemNotice` when the caller examined it already.
    let givenNotice: MailSystemNotice?

    init(message: IncomingMessage, tokens: AddressTokens?, notice: MailSystemNotice? = nil) {
        self.message = message
        self.tokens = tokens
        givenNotice = notice
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
            readReturnedMessage(returnedHeaders())
            return verdict
        }

        let text = reportText()
        let lower = BounceText.lowered(text.report)
        let subject = (message.subject ?? "").lowercased()
        let daemon = isDaemonSender
        let nullSender = message.returnPath == .null
        let unattended = isUnattendedSender
        // The same evidence the poller's classification weighs (machine + delivery notice); read
        // only when the sender and the text have not settled it already (most reports).
        var examined = givenNotice
        let message = self.message
        func notice() -> MailSystemNotice {
            if examined == nil { examined = MailSystemNotice.examine(NoticeFacts(message)) }
            return examined!
        }

        if !daemon, let c = BounceText.challengeMarkers.firstMatch(in: lower) {
            verdict.kind = .autoreply
            verdict.autoReply = .challenge
            verdict.evidence.append("challenge-response: \"\(c)\"")
            return verdict
        }
        let humanReply = !daemon && !nullSender && !unattended
            && (subject.hasPrefix("re:") || subject.hasPrefix("re：") || message.inReplyTo.count > 0) && !notice().isBounce
        var marker = BounceText.failureMarkers.firstMatch(in: lower) ?? BounceText.firstMatch(subject, BounceText.subjectMarkers)
        // A mail system's note in its own words ("Error: Invalid user address") that quotes a
        // failing SMTP reply with a known reason.
        if marker == nil, daemon, let code = BounceRules.replyCode(in: text.report), code >= 400,
           BounceRules.reason(diagnostic: text.report) != nil {
            marker = "SMTP reply \(code)"
        }
        // Else the notice's own evidence (a subject, a failure reason in the first lines), already quoted.
        let markerIsEvidence = marker == nil && notice().isBounce
        if markerIsEvidence, let first = notice().notice.first { marker = first }
        if (daemon || nullSender || unattended || statusParts.count > 0 || reportType == "delivery-status" || notice().isBounce) && !humanReply,
           let marker, autoReplySignal() == nil || daemon || notice().isBounce {
            verdict.evidence.append(daemon ? "sent by a mail system (\(message.from?.address.description ?? message.header("From") ?? "<>"))"
                : nullSender ? "null envelope sender"
                : unattended ? "sent from an unattended address (\(message.from?.address.description ?? ""))"
                : notice().isBounce ? "a mail system's notice (\(notice().machine.joined(separator: "; ")))"
                : "a delivery-status report whose fields name no recipient")
            verdict.evidence.append(markerIsEvidence ? "delivery notice: \(marker)" : "bounce text: \"\(marker)\"")
            // The returned header is parsed once, for the recipients and for the delivery id.
            let returned = returnedHeaders(inline: text.returned)
            readTextBounce(text, returned: returned)
            readReturnedMessage(returned)
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

    /// A mail system's sender name (`MailSystemNotice.mailSystemSender`), also in a From field
    /// whose address cannot be read (`Postmaster <>`). A mere word of the local part (`smtp-…@`)
    /// is weaker evidence and counts only through the notice's own rule (`MailSystemNotice.isBounce`).
    var isDaemonSender: Bool {
        guard let field = message.header("From") else { return false }
        return MailSystemNotice.mailSystemSender(localPart: message.from?.address.localPart, displayName: message.from?.displayName,
                                                 field: field, words: false) != nil
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
            for address in BounceText.addresses(in: value) where OwnAddress.hasVERPDetail(address) {
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
        switch OwnAddress.readVERP(address, tokens: tokens) {
        case .valid(let id):
            if source == .verp { verdict.verp = .valid }
            verdict.delivery = id
            verdict.deliverySource = source
            verdict.evidence.append("\(source == .verp ? "VERP" : "returned Return-Path VERP") \(raw): delivery \(id)")
            return true
        case .forged:
            let shape = OwnAddress.verpShapeIsWhole(address.localPart)
            if verdict.verp == nil || verdict.verp == .mangled { verdict.verp = shape ? .forged : .mangled }
            verdict.evidence.append("\(shape ? "forged" : "mangled") VERP \(raw): MAC does not match; not trusted")
            return shape
        case .none:
            if verdict.verp == nil { verdict.verp = .mangled; verdict.evidence.append("mangled VERP \(raw)") }
            return false
        }
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

    mutating func readReturnedMessage(_ returned: ReturnedHeaders?) {
        guard let original = returned else { return }
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
        if let rp = original.returnPath, OwnAddress.hasVERPDetail(rp) {
            if applyVERP(rp, source: .originalVERP) { return }
        }
        guard verdict.verp != .forged else { return }
        if let id = original.messageID, let delivery = OwnMessageID.deliveryID(in: id) {
            verdict.delivery = delivery
            verdict.deliverySource = .messageID
            verdict.evidence.append("returned Message-ID \(id): delivery \(delivery)")
        }
    }
}

/// The few fields of a returned message's header that identify it.
struct ReturnedHeaders {
    let headers: IncomingHeaders
    /// Read once: the recipients' and the delivery's readers both ask.
    let messageID: String?

    init(headers: IncomingHeaders) {
        self.headers = headers
        messageID = headers.value("Message-ID").map(BounceText.angleContent).flatMap { $0.isEmpty ? nil : $0 }
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
