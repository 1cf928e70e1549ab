import Foundation
import KizunaTestSupport
import XCTest

/// `kizuna keys list|import|remove|export` on an instance made by `kizuna init`, with keys a
/// user's own gpg made at test time (an expired one and a revoked one among them).
final class KeyCommandTests: XCTestCase {
    /// A user's GnuPG home beside the instance, with keys by address; returns the armored file of `name`.
    struct UserKeys {
        let home: URL
        let dir: URL
        func make(_ name: String, expiry: String = "never", fakedTime: String? = nil) throws -> URL {
            try gpg(home, (fakedTime.map { ["--faked-system-time", $0] } ?? [])
                + ["--quick-gen-key", "\(name.capitalized) <\(name)@clinic.example>", "future-default", "default", expiry])
            return try export(name)
        }
        func fingerprint(_ name: String) throws -> String {
            let listing = try gpg(home, ["--with-colons", "--list-keys", "\(name)@clinic.example"])
            let fpr = listing.split(separator: "\n").first { $0.hasPrefix("fpr:") }!.split(separator: ":", omittingEmptySubsequences: false)[9]
            return String(fpr)
        }
        func export(_ name: String) throws -> URL {
            let file = dir.appendingPathComponent("\(name).asc")
            try gpg(home, ["--armor", "--export", "\(name)@clinic.example"]).write(to: file, atomically: true, encoding: .utf8)
            return file
        }
        /// Revokes the key with the revocation certificate gpg wrote when it made it.
        func revoke(_ name: String) throws -> URL {
            let cert = try String(contentsOf: home.appendingPathComponent("openpgp-revocs.d/\(try fingerprint(name)).rev"), encoding: .utf8)
            let file = dir.appendingPathComponent("\(name).rev")
            try cert.replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN").write(to: file, atomically: true, encoding: .utf8)
            try gpg(home, ["--import", file.path])
            return try export(name)
        }
    }

    func setUpInstance() throws -> (dir: URL, config: String, user: UserKeys) {
        _ = try requireGPG()
        let dir = try scratchDirectory(self, "keys")
        let config = try initInstance(dir, samples: false)
        let home = dir.appendingPathComponent("user-gnupg")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return (dir, config, UserKeys(home: home, dir: dir))
    }

    func keys(_ arguments: [String], _ config: String, in dir: URL) throws -> Run {
        try Kizuna.run(["keys"] + arguments + ["--config", config], in: dir)
    }

    func testImportListRemoveWithEvents() throws {
        let (dir, config, user) = try setUpInstance()
        let admin = try user.make("admin"), adminFpr = try user.fingerprint("admin")

        let added = try keys(["import", admin.path, "--role", "admin", "--edition", "sakura"], config, in: dir)
        XCTAssertEqual(added.status, 0, "\(added)")
        XCTAssertEqual(added.stdout, "added \(adminFpr) as admin for sakura: Admin <admin@clinic.example>\n")
        let again = try keys(["import", admin.path, "--role", "admin", "--edition", "sakura"], config, in: dir)
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stdout.contains("already admin for sakura; nothing changed"), again.stdout)
        let reviewer = try keys(["import", admin.path, "--role", "reviewer", "--field", "midwifery"], config, in: dir)
        XCTAssertEqual(reviewer.status, 0, "\(reviewer)")

        let list = try keys(["list"], config, in: dir)
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertEqual(list.stdoutLines.count, 2, list.stdout)
        XCTAssertTrue(list.stdoutLines.contains { $0.contains("  instance  さくらクリニック <kizuna@clinic.example>") }, list.stdout)
        XCTAssertTrue(list.stdoutLines.contains("\(adminFpr)  admin for sakura, reviewer (midwifery)  Admin <admin@clinic.example>"), list.stdout)

        let removed = try keys(["remove", adminFpr.lowercased()], config, in: dir)
        XCTAssertEqual(removed.status, 0, "\(removed)")
        XCTAssertEqual(removed.stdout, "removed \(adminFpr) (admin for sakura, reviewer (midwifery))\n")
        XCTAssertEqual(try keys(["list"], config, in: dir).stdoutLines.count, 1)
        let gone = try keys(["remove", adminFpr], config, in: dir)
        XCTAssertEqual(gone.status, 65, "\(gone)")
        XCTAssertTrue(gone.stderr.contains("no key \(adminFpr)"), gone.stderr)
    }

    func testExpiredRevokedAndManyKeysAreRefusedAndNothingChanges() throws {
        let (dir, config, user) = try setUpInstance()
        let expired = try user.make("old", expiry: "1d", fakedTime: "20200101T000000!")
        _ = try user.make("gone")
        let revoked = try user.revoke("gone")
        _ = try user.make("admin")
        let all = dir.appendingPathComponent("all.asc")
        try gpg(user.home, ["--armor", "--export"]).write(to: all, atomically: true, encoding: .utf8)
        // An administrator's secret key sent by mistake: its secret part must never reach the server.
        let secret = dir.appendingPathComponent("secret.asc")
        try gpg(user.home, ["--armor", "--export-secret-keys", "admin@clinic.example"]).write(to: secret, atomically: true, encoding: .utf8)
        let garbage = dir.appendingPathComponent("garbage.asc")
        try "not a key\n".write(to: garbage, atomically: true, encoding: .utf8)

        let before = try keys(["list"], config, in: dir).stdout
        let cases: [([String], Int32, String)] = [
            (["import", expired.path, "--role", "admin"], 65, "key \(try user.fingerprint("old")) is expired; refused, nothing changed"),
            (["import", revoked.path, "--role", "reviewer"], 65, "key \(try user.fingerprint("gone")) is revoked; refused, nothing changed"),
            (["import", all.path, "--role", "admin"], 65, "holds 3 keys; import one key at a time"),
            (["import", secret.path, "--role", "admin"], 65, "holds a secret key; export the public key only"),
            (["import", garbage.path, "--role", "admin"], 65, "garbage.asc"),
            (["import", dir.appendingPathComponent("missing.asc").path, "--role", "admin"], 66, "cannot read"),
            (["import", all.path, "--role", "admin", "--edition", "nope"], 64, "unknown edition \"nope\""),
            (["import", all.path, "--role", "admin", "--field", "midwifery"], 64, "--field is for reviewers only"),
            (["import", all.path, "--role", "owner"], 64, "owner"),
        ]
        for (arguments, status, message) in cases {
            let run = try keys(arguments, config, in: dir)
            XCTAssertEqual(run.status, status, "\(arguments): \(run)")
            XCTAssertTrue(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        XCTAssertEqual(try keys(["list"], config, in: dir).stdout, before, "nothing changed in the keyring or the roles")
    }

    func testExportPrintsTheInstanceKeyThatGPGImports() throws {
        let (dir, config, user) = try setUpInstance()
        let run = try keys(["export"], config, in: dir)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stdout.hasPrefix("-----BEGIN PGP PUBLIC KEY BLOCK-----"), run.stdout)
        let file = dir.appendingPathComponent("instance.asc")
        try run.stdout.write(to: file, atomically: true, encoding: .utf8)
        try gpg(user.home, ["--import", file.path])
        XCTAssertTrue(try gpg(user.home, ["--list-keys", "kizuna@clinic.example"]).contains("kizuna@clinic.example"))
        let own = try XCTUnwrap(try keys(["list"], config, in: dir).stdoutLines.first).split(separator: " ")[0]
        let refused = try keys(["remove", String(own)], config, in: dir)
        XCTAssertEqual(refused.status, 65, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("the instance's own key"), refused.stderr)
    }
}
