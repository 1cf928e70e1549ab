import Foundation
import KizunaCore
import KizunaMail
import KizunaStore

/// `kizuna keys …`: the keys that may run an edition (admin) or approve texts (reviewer). The
/// key lives in the instance's keyring, its role in the store (with an event).
public struct KeyAdmin {
    public let instance: Instance
    public init(instance: Instance) { self.instance = instance }

    /// One line per key in the keyring: fingerprint, roles (or `instance` for its own key, `no
    /// role`), state when not usable, user ids.
    public func list() throws -> [String] {
        let keyring = try instance.keyring()
        let roles = Dictionary(grouping: try instance.store().currentKeyRoles(), by: \.fingerprint)
        let own = try InstanceKey.find(in: keyring)?.fingerprint
        return try keyring.keys().map { key in
            var what = key.fingerprint == own ? ["instance"] : []
            what += (roles[key.fingerprint] ?? []).map(\.roleText)
            if what.isEmpty { what = ["no role"] }
            let state = key.unusableReason.map { " [\($0)]" } ?? ""
            return "\(key.fingerprint)  \(what.joined(separator: ", "))\(state)  \(key.userIDs.joined(separator: "; "))"
        }
    }

    /// Imports the one key in `file` and gives it `role`. An unreadable file, a file without
    /// exactly one key, a secret key, an expired, revoked or unusable key, or an unknown edition
    /// is refused with nothing changed.
    public func importKey(file: String, role: KeyRole, edition: String?, field: String?) throws -> String {
        if let edition, instance.edition(id: edition) == nil {
            throw JobError("unknown edition \"\(edition)\" (known: \(instance.configuration.editions.map(\.id).joined(separator: ", ")))", exitCode: ExitStatus.usage)
        }
        if field != nil, role != .reviewer { throw JobError("--field is for reviewers only", exitCode: ExitStatus.usage) }
        if let field, field.trimmingCharacters(in: .whitespaces).isEmpty { throw JobError("--field must not be empty", exitCode: ExitStatus.usage) }
        // The field is matched against review records' fields (signed reviews): a known field, kept in its one spelling.
        let field = try field.map { text in
            guard let known = ReviewField(parsing: text) else {
                throw JobError("unknown field \"\(text)\"; known fields: \(ReviewField.knownList)", exitCode: ExitStatus.usage)
            }
            return known.rawValue
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw JobError("cannot read \(file)", exitCode: ExitStatus.noInput)
        }
        let keyring = try instance.keyring()
        let found: [OpenPGPKey]
        do { found = try keyring.inspectKeys(data) } catch { throw JobError("\(file): no OpenPGP key found (\(error))", exitCode: ExitStatus.dataError) }
        guard found.count == 1, let key = found.first else {
            throw JobError("\(file): holds \(found.count) keys; import one key at a time, nothing changed", exitCode: ExitStatus.dataError)
        }
        // A secret key sent by mistake: the server must never hold an administrator's secret.
        if key.hasSecret || OpenPGPKeyring.holdsSecretKey(data) {
            throw JobError("\(file): holds a secret key; export the public key only (gpg --armor --export), nothing changed",
                           exitCode: ExitStatus.dataError)
        }
        if let reason = key.unusableReason {
            throw JobError("\(file): key \(key.fingerprint) is \(reason); refused, nothing changed", exitCode: ExitStatus.dataError)
        }
        guard key.canSign else {
            throw JobError("\(file): key \(key.fingerprint) cannot sign, so it cannot prove who is asking; refused, nothing changed", exitCode: ExitStatus.dataError)
        }
        if key.fingerprint == (try InstanceKey.find(in: keyring))?.fingerprint {
            throw JobError("\(key.fingerprint) is the instance's own key; it takes no role", exitCode: ExitStatus.dataError)
        }
        _ = try keyring.importKeys(data)
        let record = KeyRoleRecord(fingerprint: key.fingerprint, role: role, edition: edition, field: field,
                                   userID: key.userIDs.first ?? "", addedAt: instance.clock.now())
        let added = try instance.store().addKeyRole(record)
        return added ? "added \(key.fingerprint) as \(record.roleText): \(record.userID)"
                     : "\(key.fingerprint) is already \(record.roleText); nothing changed"
    }

    /// Ends every role of the key and deletes it from the keyring; the instance's own key stays.
    public func remove(fingerprint: String) throws -> String {
        let fpr = fingerprint.replacingOccurrences(of: " ", with: "").uppercased()
        let keyring = try instance.keyring()
        if fpr == (try InstanceKey.find(in: keyring))?.fingerprint {
            throw JobError("\(fpr) is the instance's own key; it is not removed", exitCode: ExitStatus.dataError)
        }
        let inKeyring = try keyring.key(fingerprint: fpr) != nil
        let ended = try instance.store().removeKeyRoles(fingerprint: fpr, at: instance.clock.now())
        guard inKeyring || !ended.isEmpty else { throw JobError("no key \(fpr) in the keyring or the store", exitCode: ExitStatus.dataError) }
        if inKeyring { try keyring.deleteKey(fingerprint: fpr) }
        let roles = ended.isEmpty ? "no role" : ended.map(\.roleText).joined(separator: ", ")
        return "removed \(fpr) (\(roles))"
    }

    /// The instance's public key, armored, for administrators to encrypt to and verify with.
    public func export() throws -> String {
        let keyring = try instance.keyring()
        return try keyring.exportPublicKey(fingerprint: try instance.signingKey(in: keyring).fingerprint)
    }
}
