import Foundation
import KizunaContent
import KizunaCore
@testable import KizunaJobs
import KizunaMail
import KizunaStore
import XCTest

/// How the gate judges the signatures gpg found over a file, without gpg: gpg's "good" is only
/// cryptographic; the key must still be usable and hold a reviewer role whose field and edition
/// cover the text's review.
final class ReviewSignatureJudgeTests: XCTestCase {
    let fpr = String(repeating: "A1", count: 20)
    let signed = Date(timeIntervalSince1970: 1_800_000_000)

    func key(revoked: Bool = false, expired: Bool = false) -> [String: OpenPGPKey] {
        [fpr: OpenPGPKey(fingerprint: fpr, userIDs: ["Hanako Sato <hanako@clinic.example>"], canSign: true, canEncrypt: false,
                         isExpired: expired, isRevoked: revoked)]
    }

    func role(_ role: KeyRole = .reviewer, field: String? = nil, edition: String? = nil) -> [String: [KeyRoleRecord]] {
        [fpr: [KeyRoleRecord(fingerprint: fpr, role: role, edition: edition, field: field, userID: "Hanako Sato", addedAt: signed)]]
    }

    func text(_ kind: ReviewableText.Kind = .message, path: String = "messages/en/pregnancy/d0140.md", field: ReviewField? = .obstetrics) -> ReviewableText {
        ReviewableText(kind: kind, path: path, sample: false,
                       review: ReviewRecord(status: .reviewed, reviewer: "Hanako Sato", field: field, reviewedOn: CivilDate(year: 2027, month: 1, day: 2), sha256: "00"),
                       fingerprint: "00")
    }

    func judge(_ status: OpenPGPSignature.Status, keys: [String: OpenPGPKey]? = nil, roles: [String: [KeyRoleRecord]]? = nil) -> FileSignatureCheck {
        FileSignatureCheck.judge([OpenPGPSignature(status: status, fingerprint: fpr, created: signed)], signatureFile: "d0140.md.asc",
                                 keys: keys ?? key(), roles: roles ?? role(field: "obstetrics"))
    }

    func testAGoodSignatureByAReviewerApprovesTextsOfItsFieldAndEdition() {
        let check = judge(.good)
        XCTAssertEqual(check.approvals.map(\.name), ["Hanako Sato <hanako@clinic.example>"])
        XCTAssertNil(check.problem(for: text()))
        XCTAssertEqual(check.problem(for: text(field: .midwifery)),
                       "not approved: signed by reviewer Hanako Sato <hanako@clinic.example> (reviewer (obstetrics)), whose role does not cover a text reviewed in midwifery")
        // A role without a field approves any field; one for an edition only that edition's own texts.
        XCTAssertNil(judge(.good, roles: role()).problem(for: text(field: .midwifery)))
        let sakura = judge(.good, roles: role(edition: "sakura"))
        XCTAssertNil(sakura.problem(for: text(.localInfo, path: "local/sakura.toml")))
        XCTAssertTrue(sakura.problem(for: text(.localInfo, path: "local/momo.toml"))?.hasSuffix("a text reviewed in obstetrics for edition momo") ?? false)
        XCTAssertNotNil(sakura.problem(for: text()), "the shared catalog needs a role without an edition")
        // An edition's overlay is that edition's own text, whatever its kind.
        for (kind, path) in [(ReviewableText.Kind.message, "messages/ja/child/m07.md"), (.system, "system/ja/welcome.md"),
                             (.phrases, "system/ja/phrases.toml"), (.layout, "layouts/ja/text.mustache")] {
            XCTAssertNil(sakura.problem(for: text(kind, path: "editions/sakura/" + path)), path)
            XCTAssertTrue(sakura.problem(for: text(kind, path: "editions/momo/" + path))?.hasSuffix("for edition momo") ?? false, path)
            XCTAssertNotNil(sakura.problem(for: text(kind, path: path)), path)
        }
    }

    func testEachOtherSignatureIsRefusedWithItsReason() {
        let who = "key \(fpr) (Hanako Sato <hanako@clinic.example>)"
        let cases: [(FileSignatureCheck, String)] = [
            (judge(.good, keys: key(revoked: true)), "signature does not verify: signed by \(who), which is revoked"),
            (judge(.good, keys: key(expired: true)), "signature does not verify: signed by \(who), which is expired"),
            (judge(.good, keys: [:]), "signature does not verify: signed by key \(fpr) (Hanako Sato), which is not in the instance's keyring"),
            (judge(.good, keys: [:], roles: [:]), "signature does not verify: signed by key \(fpr), which is not in the instance's keyring"),
            (judge(.good, roles: role(.admin)), "not approved: signed by \(who), which is not a reviewer key (admin)"),
            (judge(.good, roles: [:]), "not approved: signed by \(who), which is not a reviewer key (no role)"),
            (judge(.bad), "signature does not verify: the file changed after it was signed (bad signature by \(who))"),
            (judge(.keyRevoked), "signature does not verify: signed by \(who), which is revoked"),
            (judge(.keyExpired), "signature does not verify: signed by \(who), which is expired"),
            (judge(.signatureExpired), "signature does not verify: the signature by \(who) has expired"),
            (judge(.other("Unusable public key")), "signature does not verify: Unusable public key (\(who))"),
            (FileSignatureCheck.judge([], signatureFile: "d0140.md.asc", keys: key(), roles: role()), "signature does not verify: d0140.md.asc holds no signature"),
        ]
        for (check, reason) in cases {
            XCTAssertEqual(check.approvals, [], reason)
            XCTAssertEqual(check.problem(for: text()), reason)
        }
        XCTAssertTrue(judge(.noPublicKey).problem(for: text())?.hasPrefix("signature does not verify: signed by an unknown key \(fpr)") ?? false)
    }

    func testOneSignatureThatCountsIsEnough() {
        let other = String(repeating: "B2", count: 20)
        let check = FileSignatureCheck.judge([OpenPGPSignature(status: .noPublicKey, fingerprint: other, created: signed),
                                              OpenPGPSignature(status: .good, fingerprint: fpr, created: signed)],
                                             signatureFile: "d0140.md.asc", keys: key(), roles: role(field: "obstetrics"))
        XCTAssertNil(check.problem(for: text()))
        XCTAssertEqual(check.problems.count, 1)
    }
}
