import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaStore

/// A reviewer's signature that counts: good over the file's current bytes, made by a usable key
/// that holds the reviewer role in the store.
public struct ReviewApproval: Sendable, Equatable {
    public var fingerprint: String
    /// The key's first user id: the reviewer's name and address.
    public var name: String
    /// The reviewer roles the key holds (each with its field and edition, either possibly none).
    public var roles: [KeyRoleRecord]
    public var signed: Date

    /// The fields the key may approve, for people: `midwifery`, or `any field`.
    public var fieldsText: String {
        roles.contains { $0.field == nil } ? "any field" : roles.compactMap(\.field).joined(separator: ", ")
    }

    /// A text reviewed in `field` for `edition` (nil: a text every edition sends) may be approved
    /// by a reviewer role without a field or with that field, and without an edition or for that one.
    func allows(field: ReviewField?, edition: String?) -> Bool {
        roles.contains { role in
            let fieldFits = role.field == nil || (field != nil && role.field.flatMap(ReviewField.init(parsing:)) == field)
            return fieldFits && (role.edition == nil || role.edition == edition)
        }
    }
}

/// What the detached signature beside one file says: the reviewers who approved its current
/// bytes, and why each other signature (or the lack of one) does not count.
public struct FileSignatureCheck: Sendable, Equatable {
    public var approvals: [ReviewApproval]
    public var problems: [String]

    public init(approvals: [ReviewApproval] = [], problems: [String] = []) {
        self.approvals = approvals; self.problems = problems
    }

    /// Judges the signatures gpg found over a file. `good` is gpg's cryptographic verdict only:
    /// the key must also be usable in the keyring's own listing (not revoked or expired since)
    /// and hold the reviewer role in the store.
    public static func judge(_ signatures: [OpenPGPSignature], signatureFile: String, keys: [String: OpenPGPKey],
                             roles: [String: [KeyRoleRecord]]) -> FileSignatureCheck {
        guard !signatures.isEmpty else { return FileSignatureCheck(problems: ["signature does not verify: \(signatureFile) holds no signature"]) }
        var check = FileSignatureCheck()
        for signature in signatures {
            let fpr = signature.fingerprint
            let key = keys[fpr]
            // The store keeps the user id the key had when it got its role: a revoked key lists none.
            let name = key?.userIDs.first ?? roles[fpr]?.first?.userID
            let who = name.map { "key \(fpr) (\($0))" } ?? "key \(fpr)"
            switch signature.status {
            case .good:
                guard let key else {
                    check.problems.append("signature does not verify: signed by \(who), which is not in the instance's keyring")
                    continue
                }
                if let reason = key.unusableReason {
                    check.problems.append("signature does not verify: signed by \(who), which is \(reason)")
                    continue
                }
                let held = roles[fpr] ?? []
                let reviewer = held.filter { $0.role == .reviewer }
                guard !reviewer.isEmpty else {
                    let has = held.isEmpty ? "no role" : held.map(\.roleText).joined(separator: ", ")
                    check.problems.append("not approved: signed by \(who), which is not a reviewer key (\(has))")
                    continue
                }
                check.approvals.append(ReviewApproval(fingerprint: fpr, name: key.userIDs.first ?? "", roles: reviewer, signed: signature.created))
            case .bad:
                check.problems.append("signature does not verify: the file changed after it was signed (bad signature by \(who))")
            case .noPublicKey:
                check.problems.append("signature does not verify: signed by an unknown key \(fpr) (not in the instance's keyring; "
                                      + "import it with `kizuna keys import FILE --role reviewer`)")
            case .keyRevoked:
                check.problems.append("signature does not verify: signed by \(who), which is revoked")
            case .keyExpired:
                check.problems.append("signature does not verify: signed by \(who), which is expired")
            case .signatureExpired:
                check.problems.append("signature does not verify: the signature by \(who) has expired")
            case .other(let message):
                check.problems.append("signature does not verify: \(message) (\(who))")
            }
        }
        return check
    }

    /// Why `text` (one of the file's texts) is not approved by a reviewer's signature; nil when it is.
    public func problem(for text: ReviewableText) -> String? {
        let field = text.review.field
        if approvals.contains(where: { $0.allows(field: field, edition: text.editionID) }) { return nil }
        if let approval = approvals.first {
            let reviewed = field.map { "a text reviewed in \($0.rawValue)" } ?? "a text with no review field"
            let edition = text.editionID.map { " for edition \($0)" } ?? ""
            let label = text.label.isEmpty ? "" : "\(text.label): "
            return "\(label)not approved: signed by reviewer \(approval.name) (\(approval.roles.map(\.roleText).joined(separator: ", "))), "
                + "whose role does not cover \(reviewed)\(edition)"
        }
        return problems.first ?? "signature does not verify"
    }
}

extension ReviewableText {
    /// The edition whose families alone get this text (its local information, its support
    /// contacts, its overlay `editions/<id>/…`); nil for a text of the shared catalog.
    public var editionID: String? {
        switch kind {
        case .localInfo:
            let name = (path as NSString).lastPathComponent
            return name.hasSuffix(".toml") ? String(name.dropLast(5)) : nil
        case .supportContacts:
            return id.split(separator: "#").last.map(String.init)
        case .message, .system, .layout, .phrases:
            let parts = path.split(separator: "/")
            return parts.count > 2 && parts[0] == "editions" ? String(parts[1]) : nil
        case .survey:
            return nil
        }
    }
}

/// The signatures reviewers put beside the files of text (`FILE.asc`, armored, detached),
/// checked once per run when the catalog is loaded (never per family): each file is read and
/// verified once, whatever the number of texts it holds.
public enum ReviewSignatures {
    /// The file that holds a text, which its signature covers: in the templates directory, or
    /// the configuration file (support contacts).
    public static func file(of text: ReviewableText, templatesPath: String) -> String {
        text.kind == .supportContacts ? text.path : URL(fileURLWithPath: templatesPath).appendingPathComponent(text.path).path
    }

    /// The detached signature beside `file`.
    public static func signatureFile(of file: String) -> String { file + ".asc" }

    /// Each text file's check, by the text's `path`. gpg runs once or twice per file (a process
    /// each time), so the files are shared among `workers` keyrings on the same home, each on its
    /// own thread.
    public static func check(_ texts: [ReviewableText], templatesPath: String, keyring: OpenPGPKeyring, roles: [KeyRoleRecord],
                             workers: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) throws -> [String: FileSignatureCheck] {
        let keys = Dictionary(try keyring.keys().map { ($0.fingerprint, $0) }, uniquingKeysWith: { a, _ in a })
        let rolesByKey = Dictionary(grouping: roles, by: \.fingerprint)
        var seen = Set<String>()
        let files = texts.filter { seen.insert($0.path).inserted }.map { ($0.path, file(of: $0, templatesPath: templatesPath)) }
        let results = CheckResults(count: files.count)
        let home = keyring.home
        let lanes = max(1, min(workers, files.count))
        DispatchQueue.concurrentPerform(iterations: lanes) { worker in
            var own: Result<OpenPGPKeyring, Error>?
            for index in stride(from: worker, to: files.count, by: lanes) {
                if own == nil { own = Result { try OpenPGPKeyring(home: home) } }
                results.set(index, checkOne(files[index].1, keyring: own!, keys: keys, roles: rolesByKey))
            }
        }
        return Dictionary(zip(files.map(\.0), results.all), uniquingKeysWith: { a, _ in a })
    }

    /// The check of one file and the signature beside it.
    static func checkOne(_ file: String, keyring: Result<OpenPGPKeyring, Error>, keys: [String: OpenPGPKey],
                         roles: [String: [KeyRoleRecord]]) -> FileSignatureCheck {
        let ascFile = signatureFile(of: file)
        let shown = (ascFile as NSString).lastPathComponent
        guard let signature = FileManager.default.contents(atPath: ascFile) else {
            return FileSignatureCheck(problems: [
                "no reviewer's signature: \(shown) is missing (sign the file: gpg --detach-sign --armor FILE, or kizuna content review … --sign)"])
        }
        guard let bytes = FileManager.default.contents(atPath: file) else {
            return FileSignatureCheck(problems: ["signature does not verify: cannot read the file"])
        }
        do {
            let found = try keyring.get().verifyDetached(bytes, signature: signature)
            return FileSignatureCheck.judge(found, signatureFile: shown, keys: keys, roles: roles)
        } catch {
            return FileSignatureCheck(problems: ["signature does not verify: \(shown): \(error)"])
        }
    }

    /// Whether any text's file has a signature beside it (so that lint shows signatures even
    /// before they are required).
    public static func anySigned(_ texts: [ReviewableText], templatesPath: String) -> Bool {
        texts.contains { FileManager.default.fileExists(atPath: signatureFile(of: file(of: $0, templatesPath: templatesPath))) }
    }

    /// One finding per text not approved by a reviewer's signature, the same problem of one
    /// file named once.
    public static func findings(_ texts: [ReviewableText], checks: [String: FileSignatureCheck], severity: LintSeverity) -> [LintFinding] {
        var seen = Set<String>()
        var findings: [LintFinding] = []
        for text in texts {
            guard let problem = (checks[text.path] ?? FileSignatureCheck(problems: ["not checked"])).problem(for: text),
                  seen.insert(text.path + "\n" + problem).inserted else { continue }
            findings.append(LintFinding(severity: severity, path: text.path, message: problem))
        }
        return findings
    }

    /// For lint: who approved each file, one line per reviewer whose signature approves all of
    /// it, in the texts' order: `signed: PATH approved by NAME (FIELDS), key FPR, signed DATE`.
    public static func approvalLines(_ texts: [ReviewableText], checks: [String: FileSignatureCheck], timeZone: TimeZone) -> [String] {
        let byFile = Dictionary(grouping: texts, by: \.path)
        var seen = Set<String>()
        var lines: [String] = []
        for text in texts where seen.insert(text.path).inserted {
            // Only a reviewer whose role covers every text of the file approved it.
            let fileTexts = byFile[text.path] ?? []
            for a in checks[text.path]?.approvals ?? [] where fileTexts.allSatisfy({ a.allows(field: $0.review.field, edition: $0.editionID) }) {
                lines.append("signed: \(text.path) approved by \(a.name) (\(a.fieldsText)), key \(a.fingerprint), signed \(CivilDate(a.signed, in: timeZone).iso)")
            }
        }
        return lines
    }

    /// The instance's keyring for checking signatures (no passphrase: nothing is signed) and the
    /// keys' roles. A missing keyring is a configuration error, never an empty keyring made on the fly.
    static func verifier(_ instance: Instance) throws -> (OpenPGPKeyring, [KeyRoleRecord]) {
        let home = instance.configuration.openpgp.home
        guard FileManager.default.fileExists(atPath: home) else {
            throw JobError("\(instance.configuration.file): openpgp.require_signed_reviews = true, but there is no keyring at \(home) "
                           + "(`kizuna init` makes it; `kizuna keys import FILE --role reviewer` adds a reviewer's key)", exitCode: ExitStatus.config)
        }
        do {
            return (try OpenPGPKeyring(home: home), try instance.store().currentKeyRoles())
        } catch let error as OpenPGPError {
            throw JobError("openpgp.require_signed_reviews = true, but the keyring cannot be used: \(error)", exitCode: ExitStatus.config)
        }
    }
}

extension Instance {
    /// Every text's signature check, each file verified once: for the review gate and lint.
    public func reviewSignatureChecks(_ texts: [ReviewableText]) throws -> [String: FileSignatureCheck] {
        let (keyring, roles) = try ReviewSignatures.verifier(self)
        return try ReviewSignatures.check(texts, templatesPath: configuration.templatesPath, keyring: keyring, roles: roles)
    }
}

/// The checks the worker threads fill in, by file index.
private final class CheckResults: @unchecked Sendable {
    private let lock = NSLock()
    private var checks: [FileSignatureCheck]
    init(count: Int) { checks = Array(repeating: FileSignatureCheck(problems: ["not checked"]), count: count) }
    func set(_ index: Int, _ check: FileSignatureCheck) { lock.lock(); checks[index] = check; lock.unlock() }
    var all: [FileSignatureCheck] { lock.lock(); defer { lock.unlock() }; return checks }
}
