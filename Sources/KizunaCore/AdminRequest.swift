import Foundation

/// One administrator's signed mail, verified and authorised: what to carry out and who asked.
///
/// The mail side (`kizuna poll`) builds it only after the signature verified and the key holds
/// the admin role for `edition`; the command side trusts it for exactly that and no more: every
/// command acts on `edition` alone and is recorded with `actor` as who changed what.
public struct AdminRequest: Sendable, Equatable {
    /// The edition the mail was addressed to; a command never reaches another edition.
    public var edition: String
    /// The signing key's fingerprint (upper-case hex).
    public var actor: String
    /// The signed text, decoded, one command per line.
    public var text: String
    /// The message's attachments (a CSV for `subscribers import`).
    public var attachments: [AdminAttachment]

    public init(edition: String, actor: String, text: String, attachments: [AdminAttachment]) {
        self.edition = edition; self.actor = actor; self.text = text; self.attachments = attachments
    }
}

/// One attachment of an administrator's signed mail, decoded from its transfer encoding.
public struct AdminAttachment: Sendable, Equatable {
    public var filename: String?
    /// The MIME type, lower case without parameters, e.g. `text/csv`.
    public var contentType: String
    public var data: Data

    public init(filename: String?, contentType: String, data: Data) {
        self.filename = filename; self.contentType = contentType; self.data = data
    }
}
