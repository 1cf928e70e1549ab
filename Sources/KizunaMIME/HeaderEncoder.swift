/// Header fields as RFC 5322 and RFC 2047 want them: folded at 78 characters, non-ASCII as
/// `=?UTF-8?B?…?=` encoded-words of at most 75, and no CR or LF from a value reaching the wire.
public enum HeaderEncoder {
    /// A whole unstructured field (`Subject: …`), folded, without the final CRLF.
    public static func unstructured(name: String, value: String) -> String {
        var w = HeaderWriter()
        guard w.beginField(sanitizing: name) else { return "" }
        w.writeUnstructured(HeaderWriter.headerText(value))
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// A mailbox as the body of a From field: the display name as a quoted-string when it is
    /// ASCII, as encoded-words when it is not, then `<smtpPath>`; folded as after `From:`, and
    /// without the leading space.
    public static func mailbox(_ m: Mailbox) -> String {
        let field = field(name: "From", mailbox: m)
        return String(field.dropFirst("From: ".count))
    }

    /// A whole address field (`To: …`) for one mailbox, folded, without the final CRLF.
    public static func field(name: String, mailbox: Mailbox) -> String {
        var w = HeaderWriter()
        guard w.beginField(sanitizing: name) else { return "" }
        w.writeMailbox(mailbox)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
