import Foundation
import Testing
@testable import KizunaCore

/// Review records: the fingerprint a review is pinned to, the fields, and the verdict.
@Suite struct ReviewTests {
    @Test func invisibleDifferencesKeepTheFingerprintAndRealChangesDoNot() {
        let text = "妊娠20週です。\nWeek 20.\n\n- one\n"
        let same = [
            "妊娠20週です。\r\nWeek 20.\r\n\r\n- one\r\n",          // CRLF
            "\n\n妊娠20週です。  \nWeek 20.\t\n\n- one\n\n\n",       // blank lines around, blanks at line ends
            "妊娠20週です。\nWeek 20.\n\n- one",
        ]
        let base = ReviewFingerprint.of([("body", text)])
        #expect(base.count == 64 && base.allSatisfy { $0.isHexDigit })
        for s in same { #expect(ReviewFingerprint.of([("body", s)]) == base, "\(s.debugDescription)") }
        // NFC: a decomposed が (か + U+3099) is the same text as the precomposed one.
        #expect(ReviewFingerprint.of([("body", "が")]) == ReviewFingerprint.of([("body", "か\u{3099}")]))
        for changed in ["妊娠21週です。\nWeek 20.\n\n- one\n", "妊娠20週です。\nWeek 20.\n- one\n", " 妊娠20週です。\nWeek 20.\n\n- one\n"] {
            #expect(ReviewFingerprint.of([("body", changed)]) != base)
        }
        // Parts are length-prefixed: moving text between subject and body is a change.
        #expect(ReviewFingerprint.of([("subject", "a b"), ("body", "c")]) != ReviewFingerprint.of([("subject", "a"), ("body", "b c")]))
        #expect(ReviewFingerprint.of([("stage", "pregnancy/d0140"), ("body", text)]) != ReviewFingerprint.of([("stage", "pregnancy/d0147"), ("body", text)]))
        // A known value (sha256 of "kizuna-review-1\nbody 5\nHello\n"): a change to the form would undo every review.
        #expect(ReviewFingerprint.of([("body", "Hello\n")]) == "2a08340411bffd357b0079e6379e66e7929d2372763257dcd6f134621e73910f")
    }

    @Test func fieldsAreAKnownListWithTheUsualSpellings() {
        #expect(ReviewField(parsing: "paediatrics") == .paediatrics)
        #expect(ReviewField(parsing: "Pediatrics") == .paediatrics)
        #expect(ReviewField(parsing: "mental-health") == .mentalHealth)
        #expect(ReviewField(parsing: "Mental  Health") == .mentalHealth)
        #expect(ReviewField(parsing: "local_services") == .localServices)
        #expect(ReviewField(parsing: "astrology") == nil)
        #expect(ReviewField(parsing: "") == nil)
        #expect(ReviewField.knownList.hasPrefix("obstetrics, paediatrics, midwifery"))
    }

    @Test func theVerdictRefusesSampleMissingPartsAndChangedText() {
        let fp = ReviewFingerprint.of([("body", "Text")])
        let date = CivilDate(year: 2027, month: 1, day: 2)
        let full = ReviewRecord(status: .reviewed, reviewer: "Dr. Mori", field: .obstetrics, reviewedOn: date, sha256: fp)
        #expect(full.verdict(fingerprint: fp, sample: false) == .reviewed(.obstetrics))
        #expect(full.verdict(fingerprint: fp, sample: true) == .sample, "sample text is never reviewed, whatever its record says")
        #expect(ReviewRecord.none.verdict(fingerprint: fp, sample: false) == .unreviewed)
        let legacy = ReviewRecord(status: .reviewed, reviewer: "Dr. Mori", reviewedOn: date)
        #expect(legacy.verdict(fingerprint: fp, sample: false) == .incomplete(["field", "sha256"]))
        let other = ReviewFingerprint.of([("body", "Text, changed")])
        #expect(full.verdict(fingerprint: other, sample: false) == .changed(full))
        #expect(full.verdict(fingerprint: other, sample: false).problem?.contains("reviewed by Dr. Mori (obstetrics) on 2027-01-02") == true)
        var unreviewed = full
        unreviewed.status = .unreviewed
        #expect(unreviewed.verdict(fingerprint: fp, sample: false) == .unreviewed)
    }
}
