import KizunaCore

extension NoticeFacts {
    /// The facts of a parsed message that `MailSystemNotice` weighs: read once here, so that the
    /// poller's classification and the bounce reader's gate see the same evidence.
    public init(_ message: IncomingMessage) {
        var returnPathNull = false
        if case .null? = message.returnPath { returnPathNull = true }
        self.init(fromField: message.header("From"), fromLocalPart: message.from?.address.localPart,
                  fromDisplayName: message.from?.displayName, subject: message.subject ?? "",
                  leadLines: Self.leadLines(of: message.textBody ?? ""),
                  failedRecipientsField: message.header("X-Failed-Recipients") != nil,
                  returnedHeadersPart: message.parts.contains {
                      ["text/rfc822-headers", "message/rfc822-headers", "message/global-headers"].contains($0.contentType.mimeType)
                  },
                  nullReturnPath: returnPathNull, autoSubmitted: message.header("Auto-Submitted"),
                  precedence: message.header("Precedence"))
    }

    /// The first non-blank lines of `text` (each at most 300 bytes), leaving out `>` quotes and
    /// stopping where a copy of the original begins. Reads only the beginning of the text.
    static func leadLines(of text: String) -> [String] {
        var out: [String] = []
        for line in text.utf8.prefix(8_192).split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard out.count < leadLineLimit else { break }
            let s = String(decoding: line.prefix(300), as: UTF8.self).trimmingBlanks()
            if s.isEmpty || s.hasPrefix(">") || s.hasPrefix("＞") { continue }
            if BounceText.originalFollows.earliest(in: BounceText.lowered(s)) != nil { break }
            out.append(s)
        }
        return out
    }
}
