import Foundation
import Testing
@testable import KizunaCore

/// `[report] encrypt`: which key a recipient's report is encrypted to, and what each recipient gets.
@Suite struct ReportSealingTests {
    let admin = try! EmailAddress(parsing: "Admin@Clinic.example")
    let monday = Date(timeIntervalSince1970: 1_800_000_000)
    var tuesday: Date { monday.addingTimeInterval(86_400) }

    func key(_ fpr: String, _ ids: [String], encrypt: Bool = true, usable: Bool = true, since: Date? = nil) -> ReportRecipientKey {
        ReportRecipientKey(fingerprint: fpr, userIDs: ids, canEncrypt: encrypt, isUsable: usable, roleSince: since)
    }

    @Test func theKeyIsAnImportedUsableEncryptionKeyWhoseUserIDIsTheRecipient() {
        let good = key("AA", ["Hanako Admin <admin@clinic.example>"], since: monday)
        #expect(ReportSealing.key(for: admin, among: [good]) == "AA", "the address compares case-insensitively")
        #expect(ReportSealing.key(for: admin, among: [key("AB", ["ADMIN@CLINIC.EXAMPLE"], since: monday)]) == "AB", "a bare user id")
        #expect(ReportSealing.key(for: admin, among: [key("AC", ["Other <other@clinic.example>", "Work <admin@clinic.example>"], since: monday)]) == "AC",
                "any of its user ids")
        // Not trusted, not usable, or not the recipient: nothing is encrypted to it.
        #expect(ReportSealing.key(for: admin, among: [key("B1", ["<admin@clinic.example>"], since: nil)]) == nil, "a key without a role was never imported")
        #expect(ReportSealing.key(for: admin, among: [key("B2", ["<admin@clinic.example>"], encrypt: false, since: monday)]) == nil, "sign-only")
        #expect(ReportSealing.key(for: admin, among: [key("B3", ["<admin@clinic.example>"], usable: false, since: monday)]) == nil, "expired or revoked")
        #expect(ReportSealing.key(for: admin, among: [key("B4", ["Admin <admin@clinic.example.org>"], since: monday)]) == nil)
        #expect(ReportSealing.key(for: admin, among: [key("B5", ["admin@clinic.example (work)"], since: monday)]) == nil, "no address in the id")
        #expect(ReportSealing.key(for: admin, among: [key("B6", ["Not <admin@clinic.example> really <x@y.example>"], since: monday)]) == nil)
        #expect(ReportSealing.key(for: admin, among: []) == nil)
    }

    @Test func ofSeveralKeysTheNewestImportWins() {
        let old = key("0F", ["<admin@clinic.example>"], since: monday)
        let new = key("01", ["<admin@clinic.example>"], since: tuesday)
        #expect(ReportSealing.key(for: admin, among: [old, new]) == "01")
        #expect(ReportSealing.key(for: admin, among: [new, old]) == "01")
        let twin = key("02", ["<admin@clinic.example>"], since: tuesday)
        #expect(ReportSealing.key(for: admin, among: [twin, new]) == "02", "the same moment: the higher fingerprint, whatever the order")
        #expect(ReportSealing.key(for: admin, among: [new, twin]) == "02")
    }

    @Test func userIDAddresses() {
        #expect(ReportSealing.userIDAddress("さくら <kizuna@clinic.example>") == "kizuna@clinic.example")
        #expect(ReportSealing.userIDAddress(" kizuna@clinic.example ") == "kizuna@clinic.example")
        #expect(ReportSealing.userIDAddress("Just a name") == nil)
        #expect(ReportSealing.userIDAddress("Name <>") == nil)
    }

    /// The whole table: policy × signing key × recipient key.
    @Test func whatEachRecipientGets() {
        let keys: [String?] = ["FPR", nil]
        #expect(ReportSealing.forms(policy: .off, canSign: true, keys: keys) == .success([.plain, .plain]))
        #expect(ReportSealing.forms(policy: .off, canSign: false, keys: keys) == .success([.plain, .plain]))
        #expect(ReportSealing.forms(policy: .whenKey, canSign: true, keys: keys) == .success([.encrypted(fingerprint: "FPR"), .signed]))
        #expect(ReportSealing.forms(policy: .whenKey, canSign: false, keys: keys) == .success([.plain, .plain]),
                "an instance made before OpenPGP sends as before (the job logs a warning)")
        #expect(ReportSealing.forms(policy: .required, canSign: true, keys: keys) == .success([.encrypted(fingerprint: "FPR"), .notice]))
        guard case .failure(let refusal) = ReportSealing.forms(policy: .required, canSign: false, keys: keys) else {
            Issue.record("required without a signing key must refuse"); return
        }
        #expect(refusal.description.contains("no report was queued"))
        #expect(refusal.description.contains("when_key"))
    }

    @Test func theNoticeHoldsNoPersonalData() {
        let date = CivilDate(iso: "2027-05-01")!
        let text = ReportSealing.noticeText(date: date), subject = ReportSealing.noticeSubject(date: date)
        #expect(!text.contains("@") && !subject.contains("@"), "no address at all")
        #expect(!text.contains(where: \.isNumber) || text.replacingOccurrences(of: "2027-05-01", with: "").allSatisfy { !$0.isNumber },
                "no number but the date")
        #expect(text.contains("kizuna keys import"))
        #expect(subject == "Kizuna report 2027-05-01: ready, sent only encrypted")
    }

    @Test func theSettingsWords() {
        #expect(ReportEncryption.allCases.map(\.rawValue) == ["required", "when_key", "off"])
        #expect(ReportConfiguration(to: []).encrypt == .whenKey)
    }
}
