import Foundation
import KizunaCore
import XCTest

/// What counts as an administrator's command in unsigned mail, and the order of the checks a
/// signed one passes.
final class AdminMailPolicyTests: XCTestCase {
    func testAParentsOwnWordsNeverReadAsAnAdministratorsCommand() {
        let parents = [
            "stop", "STOP", "停止", "配信停止", "loss", "Loss", "流産", "born 2027-04-28", "出生 2027-04-28", "出生　2027年4月28日",
            "help", "Help", "stats", "report", "status", "resume", "resume Hana", "resume 2025-03-01", "pause until 2027-06-01",
            "subscribe", "due 2027-05-01", "birth 2027-04-28", "一時停止 2027年6月1日まで", "please stop emailing me",
            "our baby was born on May 3", "subscribers", "bounces", "content", "help me", "loss of appetite a@b",
            "report it to hana@example.jp please", "Hi, please add my friend a@b.example", "kizuna", "kizuna stop",
        ]
        for line in parents {
            XCTAssertFalse(AdminCommandShape.looksLikeCommand(line, edition: "sakura"), line)
            XCTAssertFalse(AdminCommandShape.firstLineLooksLikeCommand("\n\n\(line)\nsubscribers remove a@b.example\n", edition: "sakura"), line)
        }
    }

    func testTheCLIsGrammarReadsAsAnAdministratorsCommand() {
        let admins = [
            "subscribers remove a@b.example", "subscribers add hana@example.jp --due 2027-05-01", "Subscribers add a@b.example --due 2027-05-01",
            "subscribers list", "subscribers show a@b.example", "loss a@b.example", "born a@b.example 2027-04-28", "pause a@b.example",
            "pause a@b.example --until 2027-06-01", "resume a@b.example", "bounces list", "bounces reset a@b.example", "content lint",
            "stats --json", "report --date 2026-12-01", "kizuna subscribers list",
        ]
        for line in admins {
            XCTAssertTrue(AdminCommandShape.looksLikeCommand(line, edition: "sakura"), line)
        }
        XCTAssertTrue(AdminCommandShape.firstLineLooksLikeCommand("\n  \nsubscribers list\nthanks", edition: "sakura"))
        // Only the exact grammar counts: a mistyped command is no administrator's mail (unsigned,
        // it gets the parents' help reply; signed by an administrator, the reply names the problem).
        for line in ["subscribers add a@b.example --due 2099-99-99", "pause a@b.example until June", "subscribers frobnicate"] {
            XCTAssertFalse(AdminCommandShape.looksLikeCommand(line, edition: "sakura"), line)
        }
    }

    // MARK: - The order of the checks

    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let admin = String(repeating: "A", count: 40)
    let day: TimeInterval = 86_400

    func decide(_ signatures: [AdminSignature], standing: AdminKeyStanding? = AdminKeyStanding(expired: false, revoked: false, adminEditions: ["sakura"]),
                edition: String = "sakura", seen: Bool = false) -> Result<AdminSignature, AdminRefusal> {
        AdminMailPolicy.decide(signatures: signatures, standing: { _ in standing }, edition: edition, now: now, maxAge: 2 * day,
                               seenBefore: { _ in seen })
    }

    func signature(_ verdict: AdminSignature.Verdict = .good, ago: TimeInterval = 60) -> AdminSignature {
        AdminSignature(verdict: verdict, fingerprint: admin, created: now.addingTimeInterval(-ago))
    }

    func testEachRefusalInItsOrder() {
        XCTAssertEqual(decide([]), .failure(.unsigned))
        XCTAssertEqual(decide([signature(.bad)]), .failure(.badSignature))
        XCTAssertEqual(decide([signature(.good), signature(.bad)]), .failure(.badSignature), "one bad signature beside a good one")
        XCTAssertEqual(decide([signature(.other("signature expired"))]), .failure(.badSignature))
        XCTAssertEqual(decide([signature(.noPublicKey)]), .failure(.unknownKey))
        XCTAssertEqual(decide([signature()], standing: nil), .failure(.unknownKey))
        XCTAssertEqual(decide([signature(.keyExpired)]), .failure(.expiredKey))
        XCTAssertEqual(decide([signature(.keyRevoked)]), .failure(.revokedKey))
        XCTAssertEqual(decide([signature()], standing: AdminKeyStanding(expired: true, revoked: false, adminEditions: ["sakura"])), .failure(.expiredKey))
        XCTAssertEqual(decide([signature()], standing: AdminKeyStanding(expired: true, revoked: true, adminEditions: ["sakura"])), .failure(.revokedKey))
        XCTAssertEqual(decide([signature()], standing: AdminKeyStanding(expired: false, revoked: false, adminEditions: [])), .failure(.notAdministrator))
        XCTAssertEqual(decide([signature()], standing: AdminKeyStanding(expired: false, revoked: false, adminEditions: ["momo"])), .failure(.notAdministrator))
        XCTAssertEqual(decide([signature(ago: 2 * day + 1)]), .failure(.tooOld))
        XCTAssertEqual(decide([signature(ago: -AdminMailPolicy.futureSkew - 1)]), .failure(.datedInFuture))
        XCTAssertEqual(decide([signature()], seen: true), .failure(.replayed))
        // A too-old signature seen before is still too old: the first failing check names it.
        XCTAssertEqual(decide([signature(ago: 3 * day)], seen: true), .failure(.tooOld))
        XCTAssertEqual(decide([signature(.bad)], standing: nil, seen: true), .failure(.badSignature))
    }

    func testAGoodFreshSignatureByAnAdministratorOfTheEditionOrOfEveryEdition() {
        XCTAssertEqual(decide([signature()]), .success(signature()))
        XCTAssertEqual(decide([signature(ago: 2 * day - 1)]), .success(signature(ago: 2 * day - 1)))
        XCTAssertEqual(decide([signature(ago: -60)]), .success(signature(ago: -60)), "a clock a minute fast")
        let everyEdition = AdminKeyStanding(expired: false, revoked: false, adminEditions: [nil])
        XCTAssertEqual(decide([signature()], standing: everyEdition, edition: "momo"), .success(signature()))
    }

    func testTheDigestIsSHA256InLowerCaseHex() {
        XCTAssertEqual(AdminMailPolicy.digest(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
