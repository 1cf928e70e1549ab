import KizunaCore

/// Which addresses of a non-standard bounce are recipients that failed: only those the report's
/// own text presents as such, never the addresses of the list or sender whose message came back.
extension BounceReader {
    /// Adds to `excluded` the addresses of the sending side that a report's text may repeat:
    /// a mailing list's own addresses (its posting address, `-request`, `-bounces`, `-admin`,
    /// `-owner`), and the returned message's From, Sender, Return-Path, Reply-To and Errors-To.
    /// The returned message's To and Cc are excluded only when it was a list post (List-Post,
    /// Mailing-List, or a To that is the list itself): then they name the list, not a member.
    mutating func excludeSendingSide(returned: ReturnedHeaders?) {
        var lists: Set<String> = []
        var recipients: [String] = []
        var listHeader = false
        if let h = returned?.headers {
            // One pass over the returned header's fields.
            for f in h.fields {
                if f.hasName("From") || f.hasName("Sender") || f.hasName("Return-Path") || f.hasName("Reply-To") || f.hasName("Errors-To") {
                    excluded.formUnion(BounceText.addresses(in: f.value).map { $0.lowercased() })
                } else if f.hasName("List-Post") || f.hasName("Mailing-List") {
                    listHeader = true
                    lists.formUnion(BounceText.addresses(in: f.value).map { $0.lowercased() })
                } else if f.hasName("List-Id") {
                    if let a = BounceText.listAddress(fromListID: f.value) { lists.insert(a) }
                } else if f.hasName("To") || f.hasName("Cc") {
                    recipients += BounceText.addresses(in: f.value).map { $0.lowercased() }
                }
            }
        }
        for a in excluded { if let base = BounceText.listBase(a) { lists.insert(base) } }
        if returned != nil, listHeader || recipients.contains(where: { lists.contains($0) }),
           returned?.messageID.flatMap(OwnMessageID.deliveryID(in:)) == nil {
            excluded.formUnion(recipients)
            verdict.evidence.append("the returned message was a list post: its To/Cc name the list, not who failed")
        }
        excluded.formUnion(lists)
    }

    /// Whether an address on a report line can be a failed recipient.
    func isCandidate(_ address: String, line: String) -> Bool {
        let lower = address.lowercased()
        if excluded.contains(lower) || OwnAddress.hasVERPDetail(lower) || BounceText.isListMachinery(lower) { return false }
        let local = lower.split(separator: "@").first.map(String.init) ?? ""
        if BounceText.daemonLocalParts.contains(local) || local.hasPrefix("mailer-daemon") || local.hasPrefix("postmaster") { return false }
        let l = line.lowercased()
        // Fields of a quoted header (the original's To and Cc name where it was sent, not what
        // failed) and the envelope id; `RCPT TO:` lines do not start with these.
        for prefix in ["from:", "reply-to:", "sender:", "message-id:", "return-path:", "received:", "references:", "in-reply-to:", "date:", "subject:", "list-", "x-",
                       "to:", "cc:", "bcc:", "original-envelope-id:", "envelope-id:", "errors-to:", "delivered-to:"] where l.hasPrefix(prefix) {
            return false
        }
        if l.containsBytes("message-id") || l.containsBytes(OwnMessageID.deliveryOpening) { return false }
        // The envelope sender a transcript quotes (`after MAIL FROM:<…>`) and a sender the
        // text names (`not accepting mail from …`) are never what failed.
        if BounceText.isSenderMention(lower, line: line) { return false }
        // The folded tail of a quoted Received field: `with SMTP id <…@host>`, `for <…>; date`.
        if l.containsBytes(" id <") || (l.hasPrefix("for ") && l.containsBytes(";")) { return false }
        return true
    }

    /// A recipient listed without its domain under a "following recipients" heading, when
    /// the report names no address at all: the returned message's To when its local part is
    /// the same, else the mailbox at the domain of the mail system that wrote the report
    /// (`MAILER-DAEMON@domain`: a system lists its own domain's mailboxes so).
    mutating func bareRecipient(lines: [String], returned: ReturnedHeaders?) -> String? {
        // 0: before the heading; 1: in a heading that runs on to its colon; 2: in the list.
        var state = 0, headingLines = 0
        var found: String? = nil
        scan: for line in lines {
            let trimmed = line.trimmingBlanks(), lower = trimmed.lowercased()
            if lower.containsBytes("following recipient") || lower.containsBytes("following address")
                || lower.containsBytes("not delivered to the following") {
                state = lower.hasSuffix(":") ? 2 : 1
                headingLines = 0
                continue
            }
            switch state {
            case 0: continue
            case 1:
                headingLines += 1
                if trimmed.isEmpty || trimmed.hasSuffix(":") { state = 2 } else if headingLines > 2 { return nil }
            default:
                if trimmed.isEmpty { if found != nil { break scan } else { continue } }
                guard let local = BounceText.bareLocalPart(trimmed) else { break scan }
                if found != nil { return nil }  // several: too unsure to guess one domain
                found = local
            }
        }
        guard let local = found?.lowercased() else { return nil }
        if let to = returned?.to, let at = to.lastIndex(of: "@"), to[..<at].lowercased() == local {
            verdict.evidence.append("recipient \(local) named without a domain: the returned message's To \(to)")
            return to
        }
        guard returned == nil, isDaemonSender, let from = message.from?.address else { return nil }
        let address = "\(local)@\(from.domain.lowercased())"
        verdict.evidence.append("recipient \(local) named without a domain: at the reporting system's \(from.domain.lowercased())")
        return address
    }
}
