import Foundation
import KizunaCore
@testable import KizunaJobs
@testable import KizunaStore
import KizunaTestSupport
import XCTest

/// The shipped catalog copied to `dir` for review-gate tests, made non-sample (test only: the
/// copy stands in for an edition's own text), with `local/<edition>.toml` holding one English
/// notice, `notice`, in place of the invented edition's. With `keep` (file names of daily
/// messages), English only and just those messages: few files, so that signing each stays quick.
func copyCatalog(to dir: URL, edition: String, notice: String, keep: Set<String>? = nil) throws {
    let fm = FileManager.default
    try fm.copyItem(at: repoTemplates, to: dir)
    // The invented edition's sample notices stay sample; this edition has its own.
    try fm.removeItem(at: dir.appendingPathComponent("local/sakura.toml"))
    if keep != nil {
        for other in ["messages/ja", "system/ja", "layouts/ja"] { try fm.removeItem(at: dir.appendingPathComponent(other)) }
    }
    for rel in fm.enumerator(atPath: dir.path)!.compactMap({ $0 as? String }) {
        let url = dir.appendingPathComponent(rel)
        if let keep, rel.hasPrefix("messages/"), rel.hasSuffix(".md"), !keep.contains(url.lastPathComponent) {
            try fm.removeItem(at: url)
        } else if (rel.hasSuffix(".md") && !rel.hasSuffix("README.md")) || rel.hasSuffix("/phrases.toml") {
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: "\nsample = true\n", with: "\nsample = false\n").write(to: url, atomically: true, encoding: .utf8)
        }
    }
    try """
        [[info]]
        language = "en"
        track = "pregnancy"
        from = "pregnancy/d0100"
        until = "pregnancy/d0200"
        text = \"\"\"
        \(notice)
        \"\"\"
        """.write(to: dir.appendingPathComponent("local/\(edition).toml"), atomically: true, encoding: .utf8)
}

/// A parent 20 weeks pregnant on `night` (today's message, d0140, and the local notice are due);
/// the edition's Dovecot mailbox is read only from its current end (older mail there is not this
/// test's). Returns what has arrived for the parent from this edition since now: From (the
/// edition's name) and To (the parent's address) name `marker`, so that a reply the poll sends
/// to a late stray mail of another test (To a plain parent1@) is not counted.
func parentAt20Weeks(_ night: NightInstance, parent: String, marker: String) throws -> () throws -> [DeliveredMail] {
    let store = try night.store
    let today = night.instance.today()
    try night.add(parent, track: .pregnancy, anchor: today.adding(days: 140), language: "en", today: today)
    let kizunaBox = try dovecotMailbox("kizuna@clinic.test")
    try store.advanceIMAPPosition(mailbox: "INBOX", uidValidity: try kizunaBox.uidValidity(),
                                  to: try kizunaBox.search(uidFrom: 1).last ?? 0, at: Date())
    let parentBox = try dovecotMailbox("parent1@families.test")
    let before = try parentBox.search(uidFrom: 1).last ?? 0
    return {
        try parentBox.search(uidFrom: before + 1).map { DeliveredMail(bytes: try parentBox.fetch(uid: $0)) }
            .filter { mail in
                ["From", "To"].allSatisfy { decodeEncodedWords(mail.header($0) ?? "").contains(marker) || (mail.header($0) ?? "").contains(marker) }
            }
    }
}

/// Every file of text in a templates directory that a reviewer signs (README and signatures left out).
func textFiles(in templates: URL) -> [URL] {
    FileManager.default.enumerator(atPath: templates.path)!.compactMap { $0 as? String }
        .filter { !$0.hasSuffix("README.md") && !$0.hasSuffix(".asc") && ($0.hasSuffix(".md") || $0.hasSuffix(".toml") || $0.hasSuffix(".mustache")) }
        .filter { !$0.hasSuffix("review.toml") }
        .sorted().map { templates.appendingPathComponent($0) }
}
