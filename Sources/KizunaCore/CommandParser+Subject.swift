/// A subject as the command reader sees it: the text after the reply and forward prefixes mail
/// clients add, and what those prefixes say about whose words the text is.
extension CommandParser {
    /// A subject after its reply and forward prefixes.
    public struct ReadSubject: Hashable, Sendable {
        /// The subject without its prefixes (width-folded, blanks trimmed).
        public var text: String
        /// A reply or forward prefix stood before the text (`Re:`, `返信:`, `【転送】`, …): it is the
        /// subject of an earlier message — usually one of ours — quoted by the mail client, not
        /// the sender's own words.
        public var isQuoted: Bool
        /// The text starts with a bracketed name (`[さくら] …`, `【さくら】…`), as an edition's
        /// customised daily subject does: a reply to one of our daily messages.
        public var isOurs: Bool
    }

    /// Reply and forward prefixes, lower-cased, as mail clients write them: English; Outlook's
    /// localised ones (German AW/WG, Dutch Antw/Doorst, Nordic SV/VS/VB, Finnish VL, French TR,
    /// Spanish RV, Portuguese RES/ENC, Italian R/RIF, Polish Odp/PD, Turkish YNT/İLT); Japanese,
    /// Chinese and Korean clients' 返信/転送, 回复/答复/转发, 회신/답장/전달.
    static let replyPrefixes: Set<String> = [
        "re", "fwd", "fw", "aw", "wg", "antw", "antwort", "doorst", "sv", "vs", "vb", "vl", "tr", "rv", "res", "enc",
        "r", "rif", "odp", "pd", "ynt", "i̇lt", "ilt",
        "返信", "転送", "回复", "回覆", "答复", "答覆", "转发", "轉寄", "转寄", "轉發", "회신", "답장", "전달",
    ]
    static let prefixBrackets: [Character: Character] = ["[": "]", "【": "】", "(": ")", "〔": "〕", "［": "］", "《": "》"]

    /// The subject without any number of reply and forward prefixes: `Re:`, `RE:`, `Re :`,
    /// `Re[2]:`, `Re(2):`, `Re^2:`, `Fwd:`, `FW:`, `AW:`, `返信:`, `転送:`, full-width colons
    /// (`Ｒｅ：`), bracketed markers (`【返信】`, `[転送]`), and chains of them (`Fwd: Re: RE:`).
    public static func readSubject(_ subject: String) -> ReadSubject {
        var s = Substring(MailText.fold(subject).trimmingBlanks())
        var quoted = false
        while let rest = afterReplyPrefix(s) {
            s = rest
            quoted = true
        }
        let text = s.trimmingBlanks()
        let ours = (text.hasPrefix("[") && text.contains("]")) || (text.hasPrefix("【") && text.contains("】"))
        return ReadSubject(text: text, isQuoted: quoted, isOurs: ours)
    }

    /// The text after one leading reply or forward prefix, or nil when there is none.
    static func afterReplyPrefix(_ s: Substring) -> Substring? {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        // A bracketed marker: `【返信】`, `[Fwd]`, `(転送)`; a colon after it is optional.
        if let open = s.first, let close = prefixBrackets[open] {
            guard let end = s.firstIndex(of: close) else { return nil }
            var inner = s[s.index(after: s.startIndex)..<end].trimmingBlanks().lowercased()
            if inner.hasSuffix(":") { inner.removeLast() }
            guard replyPrefixes.contains(inner.trimmingBlanks()) else { return nil }
            var rest = s[s.index(after: end)...].drop(while: isBlank)
            if rest.first == ":" { rest = rest.dropFirst().drop(while: isBlank) }
            return rest
        }
        // A word, an optional counter (`[2]`, `(2)`, `^2`, `*2`), blanks, and a colon.
        let word = s.prefix(while: { $0.isLetter })
        guard !word.isEmpty, word.count <= 8, replyPrefixes.contains(word.lowercased()) else { return nil }
        var rest = s[word.endIndex...]
        if let f = rest.first, f == "[" || f == "(" {
            let digits = rest.dropFirst().prefix(while: { $0.isNumber })
            let after = rest.dropFirst(1 + digits.count)
            if !digits.isEmpty, let c = after.first, c == "]" || c == ")" { rest = after.dropFirst() }
        } else if let f = rest.first, f == "^" || f == "*" {
            let digits = rest.dropFirst().prefix(while: { $0.isNumber })
            if !digits.isEmpty { rest = rest.dropFirst(1 + digits.count) }
        }
        rest = rest.drop(while: isBlank)
        guard rest.first == ":" else { return nil }
        return rest.dropFirst().drop(while: isBlank)
    }
}
