import KizunaContent
import KizunaCore

/// Production's one rule for content: nothing reaches a family that a reviewer has not approved.
/// Every sending step gets its catalog through `Instance.catalog()`, which asks this gate, so a
/// new kind of mail (a new system template, a new path) is covered without being listed here.
public enum ReviewGate {
    /// Each edition's `support_contacts` (configuration text shown in the loss reply) as a text
    /// to review; its record is `support_contacts_review` beside it.
    public static func supportContactTexts(_ configuration: Configuration) -> [ReviewableText] {
        configuration.editions.compactMap { e in
            guard let text = e.supportContacts else { return nil }
            return ReviewableText(kind: .supportContacts, path: configuration.file, label: "edition \(e.id): support_contacts",
                                  id: "\(configuration.file)#\(e.id)", sample: false, review: e.supportContactsReview ?? .none,
                                  fingerprint: supportContactsFingerprint(text))
        }
    }

    public static func supportContactsFingerprint(_ text: String) -> String {
        ReviewFingerprint.of([("support_contacts", text)])
    }

    /// Everything that can reach a family: the catalog's texts, then the support contacts.
    public static func texts(catalog: ContentCatalog, configuration: Configuration) -> [ReviewableText] {
        catalog.reviewableTexts + supportContactTexts(configuration)
    }

    /// The lint errors production refuses to send with (every unreviewed or sample text, and
    /// any other content error), in a fixed order; then, when `signatures` are given
    /// (`require_signed_reviews`), every text whose file no reviewer's signature approves.
    public static func errors(catalog: ContentCatalog, configuration: Configuration,
                              signatures: [String: FileSignatureCheck]? = nil) -> [LintFinding] {
        let unsigned = signatures.map {
            ReviewSignatures.findings(texts(catalog: catalog, configuration: configuration), checks: $0, severity: .error)
        } ?? []
        return (catalog.lint(production: true) + ContentCatalog.reviewFindings(supportContactTexts(configuration), production: true))
            .filter { $0.severity == .error } + unsigned
    }

    /// Why a production step must not run (exit 78, the first offending file named), or nil.
    public static func refusal(catalog: ContentCatalog, configuration: Configuration,
                               signatures: [String: FileSignatureCheck]? = nil) -> JobError? {
        let errors = errors(catalog: catalog, configuration: configuration, signatures: signatures)
        guard let first = errors.first else { return nil }
        let more = errors.count > 1 ? " (and \(errors.count - 1) more)" : ""
        return JobError("production = true, but \(first.path) is not ready for families: \(first.message)\(more); nothing was sent. "
                        + "See `kizuna content lint --production`; record reviews with `kizuna content review`.",
                        exitCode: ExitStatus.config)
    }
}
