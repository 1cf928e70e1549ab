/// Separates what the sender wrote from the message they replied to, so that a `stop` inside
/// a quoted earlier message is never read as a command.
public enum ReplyText {
    /// The new part of a reply: `>` lines removed; everything from an attribution line
    /// ("On … wrote:", "…さんは書きました：", "…のメール:"), an "Original Message" or
    /// "元のメッセージ" separator, an Outlook header block, or a "-- " signature on dropped.
    ///
    /// Reads at most `scanLimit` bytes of the text and keeps at most `keptLineLimit` lines:
    /// commands come from the first lines, and a long body (a bounce's transcript, a pasted
    /// document) costs no more than its beginning.
    public static func newContent(of text: String) -> String {
        let head = text.utf8.count > scanLimit ? String(decoding: text.utf8.prefix(scanLimit), as: UTF8.self) : text
        let lines = IncomingPart.normalizeLineBreaks(head).split(separator: "\n", omittingEmptySubsequences: false)
        var kept: [Substring] = []
        for index in lines.indices where kept.count < keptLineLimit {
            let line = lines[index]
            if line == "-- " || line == "--" || line == "-- \u{3000}" { break }
            let t = trim(line)
            if isSeparator(t) || isAttribution(lines, index) || isHeaderBlock(lines, index) { break }
            if t.hasPrefix(">") || t.hasPrefix("＞") { continue }
            kept.append(line)
        }
        while let last = kept.last, trim(last).isEmpty { kept.removeLast() }
        while let first = kept.first, trim(first).isEmpty { kept.removeFirst() }
        return kept.joined(separator: "\n")
    }

    /// The first `keptLineLimit` lines of the text (of its first `scanLimit` bytes), blank lines
    /// at either end dropped: the text of a message that is not a reply to read commands from.
    public static func leadingLines(of text: String) -> String {
        // On bytes: this runs on every report and auto-reply the poller reads.
        var bytes = Array(text.utf8.prefix(scanLimit))
        var breaks = 0
        if let cut = bytes.firstIndex(where: { b in
            if b == 0x0A { breaks += 1 }
            return breaks == keptLineLimit
        }) { bytes.removeSubrange(cut...) }
        // Blank lines at either end (spaces, tabs, CR, LF; the first line's own indent is kept).
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        while let last = bytes.last, blank(last) { bytes.removeLast() }
        if let firstText = bytes.firstIndex(where: { !blank($0) }) {
            let lineStart = bytes[..<firstText].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            bytes.removeSubrange(..<lineStart)
        } else {
            bytes.removeAll()
        }
        return IncomingPart.normalizeLineBreaks(String(decoding: bytes, as: UTF8.self))
    }

    /// The new text kept: far more than the command reader's window (40 lines).
    public static let keptLineLimit = 200
    /// The bytes of text read: a bottom-posted reply under a long quote still has its new text read.
    public static let scanLimit = 256 * 1024

    private static let separatorWords: Set<String> = [
        "original message", "元のメッセージ", "元のメール", "転送メッセージ", "転送されたメッセージ", "forwarded message",
        "message d'origine", "ursprüngliche nachricht", "mensaje original", "返信元メッセージ", "オリジナルメッセージ",
    ]
    private static let separatorEdge: Set<Character> = ["-", "‐", "－", "—", "―", "─", "=", "＝", "_", "*", " ", "\u{3000}", "<", ">"]
    private static let attributionEndings = [
        "wrote:", "wrote：", "書きました:", "書きました：", "書きました。", "書きました", "のメール:", "のメール：",
        "のメッセージ:", "のメッセージ：", "a écrit :", "a écrit:", "schrieb:", "escribió:",
    ]
    private static let headerKeys = [
        "sent:", "date:", "to:", "subject:", "cc:", "送信日時:", "送信日時：", "日付:", "日付：", "宛先:", "宛先：",
        "件名:", "件名：", "cc：", "送信:", "送信：",
    ]
    private static let fromKeys = ["from:", "from：", "差出人:", "差出人：", "送信者:", "送信者：", "送信元:", "送信元："]

    /// "-----Original Message-----", "---- 元のメッセージ ----", "Begin forwarded message:",
    /// Outlook's line of underscores.
    static func isSeparator(_ t: Substring) -> Bool {
        // Every separator starts with one of these (checked before any lower-casing: this runs on every line).
        guard let first = t.first, separatorEdge.contains(first) || "bB転".contains(first) else { return false }
        if first == "_" && t.count >= 10 && t.allSatisfy({ $0 == "_" }) { return true }
        let lower = t.lowercased()
        if lower == "begin forwarded message:" || lower.hasPrefix("転送されたメッセージ:") || lower.hasPrefix("転送されたメッセージ：") {
            return true
        }
        guard t.first.map({ separatorEdge.contains($0) }) == true else { return false }
        var core = Substring(lower)
        while let f = core.first, separatorEdge.contains(f) { core = core.dropFirst() }
        while let l = core.last, separatorEdge.contains(l) { core = core.dropLast() }
        return separatorWords.contains(String(core))
    }

    /// An attribution line, possibly wrapped over up to three lines when it starts with "On ".
    static func isAttribution(_ lines: [Substring], _ index: Int) -> Bool {
        let t = trim(lines[index])
        guard !t.isEmpty, !t.hasPrefix(">") else { return false }
        if endsAttribution(t) { return true }
        // Gmail in Japanese: "2026年1月5日(月) 9:00 山田 太郎 <taro@example.com>:".
        if t.first?.isNumber == true && (t.hasSuffix(">:") || t.hasSuffix(">：")) { return true }
        let startsLikeAttribution = t.hasPrefix("On ") || t.hasPrefix("Le ") || t.hasPrefix("Am ") || t.first?.isNumber == true
        guard startsLikeAttribution else { return false }
        var joined = String(t)
        for k in 1...2 where index + k < lines.count {
            let next = trim(lines[index + k])
            if next.isEmpty || next.hasPrefix(">") { break }
            joined += " " + next
            if endsAttribution(joined) || (t.first?.isNumber == true && joined.hasSuffix(">:")) { return true }
        }
        return false
    }

    private static func endsAttribution(_ t: some StringProtocol) -> Bool {
        // Every ending ends in one of these.
        guard let last = t.last, ":：。た".contains(last) else { return false }
        let lower = t.lowercased()
        return attributionEndings.contains { lower.hasSuffix($0) }
    }

    /// A From: line followed closely by at least two of Sent:/Date:/To:/Subject: (Outlook,
    /// in English or Japanese).
    static func isHeaderBlock(_ lines: [Substring], _ index: Int) -> Bool {
        // Every From key starts with one of these (after blanks and Outlook's bold stars).
        guard let first = lines[index].first(where: { $0 != " " && $0 != "\t" && $0 != "\u{3000}" && $0 != "*" }),
              "fF差送".contains(first) else { return false }
        let t = unbold(trim(lines[index])).lowercased()
        guard fromKeys.contains(where: { t.hasPrefix($0) }) else { return false }
        var found = 0
        for k in 1...6 where index + k < lines.count {
            let next = unbold(trim(lines[index + k])).lowercased()
            if headerKeys.contains(where: { next.hasPrefix($0) }) { found += 1 }
        }
        return found >= 2
    }

    private static func unbold(_ t: Substring) -> String { String(t.drop { $0 == "*" }).replacingStars() }

    private static func trim(_ s: Substring) -> Substring {
        var sub = s
        while let f = sub.first, f == " " || f == "\t" || f == "\u{3000}" || f == "\r" { sub = sub.dropFirst() }
        while let l = sub.last, l == " " || l == "\t" || l == "\u{3000}" || l == "\r" { sub = sub.dropLast() }
        return sub
    }
}

private extension String {
    /// `*From:* Name` as Outlook's plain-text conversion writes bold labels.
    func replacingStars() -> String {
        guard let colon = firstIndex(where: { $0 == ":" || $0 == "：" }) else { return self }
        let label = self[..<colon].filter { $0 != "*" }
        return label + self[colon...].drop { $0 == "*" }
    }
}
