import Foundation
import KizunaJobs
import XCTest

/// `[openpgp]` in kizuna.toml: the keyring's home, where the passphrase comes from, the age limit.
final class OpenPGPConfigurationTests: XCTestCase {
    let edition = "\n[[edition]]\nid = \"sakura\"\naddress = \"kizuna@clinic.example\"\n"

    func testDefaultsAreTheKeyringBesideTheFileAnd48Hours() throws {
        let c = try ConfigurationLoader.parse(edition, file: "/srv/kizuna/kizuna.toml").openpgp
        XCTAssertEqual(c.home, "/srv/kizuna/gnupg")
        XCTAssertNil(c.passphraseEnv)
        XCTAssertNil(c.passphraseFile)
        XCTAssertEqual(c.maxAgeHours, 48)
        XCTAssertFalse(c.requireSignedReviews)
    }

    func testRequireSignedReviewsIsABoolean() throws {
        let on = try ConfigurationLoader.parse("[openpgp]\nrequire_signed_reviews = true\n" + edition, file: "/srv/kizuna/kizuna.toml").openpgp
        XCTAssertTrue(on.requireSignedReviews)
        XCTAssertThrowsError(try ConfigurationLoader.parse("[openpgp]\nrequire_signed_reviews = \"yes\"\n" + edition, file: "/srv/k.toml")) { error in
            XCTAssertTrue("\(error)".contains("openpgp.require_signed_reviews: must be true or false"), "\(error)")
        }
    }

    func testPathsAreRelativeToTheFile() throws {
        let text = "[openpgp]\nhome = \"keys/gpg\"\npassphrase_file = \"secret/pass\"\nmax_age_hours = 720\n" + edition
        let c = try ConfigurationLoader.parse(text, file: "/srv/kizuna/kizuna.toml").openpgp
        XCTAssertEqual(c.home, "/srv/kizuna/keys/gpg")
        XCTAssertEqual(c.passphraseFile, "/srv/kizuna/secret/pass")
        XCTAssertEqual(c.maxAgeHours, 720)
        let env = try ConfigurationLoader.parse("[openpgp]\nhome = \"/var/lib/k\"\npassphrase_env = \"KIZUNA_PGP\"\n" + edition, file: "/srv/kizuna/kizuna.toml").openpgp
        XCTAssertEqual(env.home, "/var/lib/k")
        XCTAssertEqual(env.passphraseEnv, "KIZUNA_PGP")
    }

    func testBadValuesNameTheKey() throws {
        let cases: [(String, String)] = [
            ("passphrase_env = \"A\"\npassphrase_file = \"b\"", "openpgp.passphrase_file: give passphrase_env or passphrase_file, not both"),
            ("max_age_hours = 0", "openpgp.max_age_hours: must be between 1 and 720, not 0"),
            ("max_age_hours = 721", "openpgp.max_age_hours: must be between 1 and 720, not 721"),
            ("passphrase = \"hunter2\"", "openpgp.passphrase: unknown key"),
            ("home = \"\"", "openpgp.home: must not be empty"),
        ]
        for (body, message) in cases {
            XCTAssertThrowsError(try ConfigurationLoader.parse("[openpgp]\n\(body)\n" + edition, file: "/srv/k.toml"), body) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }
}
