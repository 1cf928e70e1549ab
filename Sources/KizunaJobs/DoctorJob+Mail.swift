import Foundation
import KizunaCore
import KizunaMail

extension DoctorJob {
    /// The instance's relay and each edition's own: a connection as a night makes it, no mail.
    func relays(_ instance: Instance) -> [DoctorCheck] {
        var out = [relay(instance, instance.configuration.transport, table: "smtp", name: "relay [smtp]")]
        for (i, e) in instance.configuration.editions.enumerated() {
            if let t = e.transport { out.append(relay(instance, t, table: "edition[\(i)].smtp", name: "relay edition \(e.id)")) }
        }
        return out
    }

    func relay(_ instance: Instance, _ configured: TransportConfiguration, table: String, name: String) -> DoctorCheck {
        guard case .smtp(let c) = configured else {
            if case .maildir(let path) = configured { return .ok("relay", name: name, "mail goes into the Maildir \(path), no relay") }
            return .ok("relay", name: name, "no relay")
        }
        do {
            guard let smtp = try instance.transport(configured, table: table) as? SMTPTransport else { return .ok("relay", name: name, "no relay") }
            try smtp.probe()
            let tls = c.url.lowercased().hasPrefix("smtps") ? "TLS" : "STARTTLS \(c.starttls.rawValue)"
            return .ok("relay", name: name, "\(c.url): EHLO, \(tls)\(c.username.map { ", AUTH as \($0)" } ?? "") (NOOP only, no mail sent)")
        } catch let e as SMTPProbeError {
            let fix: String
            var exit = ExitStatus.unavailable
            switch e.problem {
            case .unreachable: fix = "Start the relay or correct \(table).url; check the firewall (\(c.url))."
            case .certificate: fix = "The relay's certificate is not trusted: install its CA and set \(table).ca_file, or correct the host name in \(table).url."
            case .tls: fix = "The relay does not offer STARTTLS as \(table).starttls = \"\(c.starttls.rawValue)\" requires; enable TLS on the relay or change starttls."
            case .authentication: fix = "Correct \(table).username or the password (\(table).password_env / password_file)."; exit = ExitStatus.config
            case .refused, .other: fix = "Read the relay's reply above and its log."
            }
            return .fail("relay", name: name, "\(c.url): \(e.problem.rawValue): \(e.message)", fix: fix, exit: exit)
        } catch {
            return .fail("relay", name: name, "\(c.url): \(describe(error))", fix: "Correct [\(table)] in the configuration.", exit: KizunaJobs.exitStatus(for: error))
        }
    }

    /// `[imap]` and each edition's own: login, the mailbox, the processed and failed folders.
    func mailboxes(_ instance: Instance) -> [DoctorCheck] {
        var out: [DoctorCheck] = []
        if let c = instance.configuration.imap { out.append(mailbox(instance, c, table: "imap", name: "mailbox [imap]")) }
        for (i, e) in instance.configuration.editions.enumerated() {
            if let c = e.imap { out.append(mailbox(instance, c, table: "edition[\(i)].imap", name: "mailbox edition \(e.id)")) }
        }
        if out.isEmpty {
            out.append(.warn("mailbox", "no [imap] table: replies, bounces and subscriptions by mail are not read",
                             fix: "Add an [imap] table if families write to the edition's address."))
        }
        return out
    }

    func mailbox(_ instance: Instance, _ c: IMAPConfiguration, table: String, name: String) -> DoctorCheck {
        do {
            guard let box = try instance.mailbox(c, table: table, name: nil) as? IMAPMailbox else { return .ok("mailbox", name: name, "not IMAP") }
            _ = try box.client.uidValidity()
            let folders = try box.ensureFolders()
            return .ok("mailbox", name: name, "\(c.url) \(c.mailbox) as \(c.username): login ok\(folders.isEmpty ? "" : "; folders \(folders.joined(separator: ", ")) exist")")
        } catch let e as IMAPError {
            let login = e.curlCode == 67
            return .fail("mailbox", name: name, "\(c.url) \(c.mailbox) as \(c.username): \(login ? "login refused: " : "")\(e.message)",
                         fix: login ? "Correct \(table).username or the password (\(table).password_env / password_file)."
                             : "Check that the server runs at \(c.url) and that \(c.mailbox) exists for \(c.username).",
                         exit: login ? ExitStatus.config : ExitStatus.unavailable)
        } catch {
            return .fail("mailbox", name: name, "\(c.url): \(describe(error))", fix: "Correct [\(table)] in the configuration.", exit: KizunaJobs.exitStatus(for: error))
        }
    }

    /// The keyring, when its home exists: it opens, and it holds the instance's signing key.
    func openPGP(_ instance: Instance) -> DoctorCheck {
        let c = instance.configuration.openpgp
        guard FileManager.default.fileExists(atPath: c.home) else {
            if c.requireSignedReviews {
                return .fail("openpgp", "\(c.home) does not exist, but [openpgp] require_signed_reviews is set", fix: "Run `kizuna init` to make the keyring, or correct [openpgp] home.", exit: ExitStatus.config)
            }
            return .ok("openpgp", "no keyring at \(c.home) (not configured)")
        }
        do {
            let keyring = try instance.keyring()
            let key = try InstanceKey.required(in: keyring, home: c.home)
            return .ok("openpgp", "\(c.home): instance key \(key.fingerprint)")
        } catch let e as JobError {
            return .warn("openpgp", e.message, fix: "Run `kizuna init` on this instance to make its signing key.")
        } catch {
            return .fail("openpgp", "\(c.home): \(describe(error))", fix: "Check [openpgp] home and passphrase_env / passphrase_file; the directory must belong to this user, mode 0700.",
                         exit: KizunaJobs.exitStatus(for: error))
        }
    }
}

extension IMAPMailbox {
    /// Creates the processed and failed folders when missing (as the first poll would); returns their names.
    func ensureFolders() throws -> [String] {
        let wanted = [processed, failed].compactMap { $0 }
        guard !wanted.isEmpty else { return [] }
        let d = try client.hierarchyDelimiter()
        return try wanted.map { folder in
            let named = d.map { $0 != "/" ? folder.replacingOccurrences(of: "/", with: $0) : folder } ?? folder
            try client.createMailbox(named)
            return named
        }
    }
}
