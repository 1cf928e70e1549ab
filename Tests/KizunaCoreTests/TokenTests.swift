import Testing
import Foundation
@testable import KizunaCore

/// HMAC-SHA-256 as the tokens use it: a key prepared once, then copied for each message.
@Suite struct TokenKeyTests {
    func hex(_ b: [UInt8]) -> String { b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

    @Test func hmacRFC4231() {
        // Test case 2.
        let jefe = TokenKey(secret: Array("Jefe".utf8))
        #expect(hex(jefe.authenticate(Array("what do ya want for nothing?".utf8))) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block.
        let long = TokenKey(secret: [UInt8](repeating: 0xaa, count: 131))
        #expect(hex(long.authenticate(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        // Test case 7: a long key and a message of several blocks.
        let message = "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
        #expect(hex(long.authenticate(Array(message.utf8))) == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    /// The prepared state is copied, never used up: the same key gives the same MAC again,
    /// in any order, also for the empty message.
    @Test func preparedKeyIsReusable() {
        let key = TokenKey(secret: Array("Jefe".utf8))
        let empty = key.authenticate([])
        #expect(hex(key.authenticate(Array("what do ya want for nothing?".utf8))) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(key.authenticate([]) == empty)
        #expect(hex(key.authenticate(Array("what do ya want for nothing?".utf8))) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}

@Suite struct AddressTokenTests {
    let tokens = AddressTokens(secret: Array("test secret 0123456789abcdef".utf8))
    let edition = try! EmailAddress(parsing: "kizuna@clinic.example")

    @Test func verpRoundTrip() throws {
        let verp = OwnAddress.verp(deliveryID: 123_456).address(in: edition, plusAddressing: true, signedWith: tokens)
        #expect(verp.localPart.hasPrefix("kizuna+b-"))
        #expect(verp.domain == "clinic.example")
        #expect(OwnAddress.readVERP(verp, tokens: tokens) == .valid(123_456))
        #expect(OwnAddress.verp(deliveryID: 1).address(in: edition, plusAddressing: false, signedWith: tokens) == edition)
    }

    @Test func forgedOrMangledVERPIsNotTrusted() throws {
        let verp = OwnAddress.verp(deliveryID: 77).address(in: edition, plusAddressing: true, signedWith: tokens)
        let parts = verp.localPart.split(separator: "-")
        let otherID = try EmailAddress(localPart: "kizuna+b-\(String(78, radix: 36))-\(parts[2])", domain: "clinic.example")
        #expect(OwnAddress.readVERP(otherID, tokens: tokens) == .forged)
        let truncated = try EmailAddress(localPart: String(verp.localPart.dropLast()), domain: "clinic.example")
        #expect(OwnAddress.readVERP(truncated, tokens: tokens) == .forged)
        #expect(OwnAddress.readVERP(edition, tokens: tokens) == .none)
        #expect(OwnAddress.readVERP(try EmailAddress(parsing: "kizuna+c-abc@clinic.example"), tokens: tokens) == .none)
        let otherKey = AddressTokens(secret: Array("another".utf8))
        #expect(OwnAddress.readVERP(verp, tokens: otherKey) == .forged)
        // Case folding by a relay does not break it.
        #expect(OwnAddress.readVERP(try EmailAddress(localPart: verp.localPart.uppercased(), domain: "clinic.example"), tokens: tokens) == .valid(77))
    }

    /// Tokens already out in the world (VERP senders of mail in flight, confirmation requests,
    /// unsubscribe links) must keep verifying: the bytes are pinned, computed independently
    /// (Python's hmac/hashlib over `KIND:ID`, first 5 bytes in lower-case base 32).
    @Test func tokensArePinned() throws {
        #expect(OwnAddress.verp(deliveryID: 123_456).address(in: edition, plusAddressing: true, signedWith: tokens).smtpPath == "kizuna+b-2n9c-e2weydhr@clinic.example")
        #expect(OwnAddress.verp(deliveryID: 1).address(in: edition, plusAddressing: true, signedWith: tokens).localPart == "kizuna+b-1-od5i6e2d")
        #expect(OwnAddress.unsubscribe(subscriberID: 42).detail(signedWith: tokens) == "u-16-kaceaqhn")
        let confirmation = AddressTokens(secret: Array("confirmation secret 0123456789".utf8))
        #expect(OwnAddress.confirmation(subscriberID: 123_456, issued: CivilDate(iso: "2026-11-20")!).detail(signedWith: confirmation) == "c-2n9c-g15-eze62da6")
        // A secret longer than SHA-256's 64-byte block is hashed first (RFC 2104).
        let longKey = AddressTokens(secret: (0..<100).map { UInt8($0) })
        #expect(OwnAddress.verp(deliveryID: 77).address(in: edition, plusAddressing: true, signedWith: longKey).localPart == "kizuna+b-25-cnsmxk4j")
        #expect(OwnAddress.readVERP(try EmailAddress(parsing: "kizuna+b-25-cnsmxk4j@clinic.example"), tokens: longKey) == .valid(77))
    }

    @Test func unsubscribeTokens() {
        let t = OwnAddress.unsubscribe(subscriberID: 42).detail(signedWith: tokens)
        #expect(OwnAddress.readUnsubscribe(t, tokens: tokens) == .valid(42))
        #expect(OwnAddress.readUnsubscribe(t.replacingOccurrences(of: "u-16", with: "u-17"), tokens: tokens) == .forged)
    }
}

@Suite struct EmailAddressTests {
    @Test func carrierAddressesAreQuotedOnTheWire() throws {
        let a = try EmailAddress(parsing: "taro..yamada.@docomo.ne.jp")
        #expect(a.smtpPath == "\"taro..yamada.\"@docomo.ne.jp")
        #expect(try EmailAddress(parsing: "\"taro..yamada.\"@docomo.ne.jp") == a)
        #expect(try EmailAddress(parsing: "Hanako@Example.JP").smtpPath == "Hanako@example.jp")
    }

    @Test func rejectsBadAddresses() {
        for bad in ["", "no-at", "@example.jp", "a@", "a@localhost", "a b@example.jp", "a@exa mple.jp", "a@-x.jp", "a\r\nbcc@x.jp"] {
            #expect(throws: EmailAddress.Problem.self) { try EmailAddress(parsing: bad) }
        }
    }
}

/// Our own plus-addresses and Message-IDs: built and read by one type each.
@Suite struct OwnAddressTests {
    let tokens = AddressTokens(secret: Array("test secret 0123456789abcdef".utf8))
    let edition = try! EmailAddress(parsing: "kizuna@clinic.example")

    @Test func everyKindRoundTripsThroughItsAddress() throws {
        let today = CivilDate(iso: "2026-11-20")!
        let plused = try EmailAddress(parsing: "kizuna+old@clinic.example")
        for own in [OwnAddress.verp(deliveryID: 99), .unsubscribe(subscriberID: 42), .confirmation(subscriberID: 7, issued: today)] {
            let detail = own.detail(signedWith: tokens)
            // The edition's own +detail is replaced, never stacked.
            #expect(own.localPart(in: plused, signedWith: tokens) == "kizuna+\(detail)")
            let address = own.address(in: edition, plusAddressing: true, signedWith: tokens)
            #expect(address.smtpPath == "kizuna+\(detail)@clinic.example")
            #expect(own.address(in: edition, plusAddressing: false, signedWith: tokens) == edition)
            let read = try #require(OwnAddress.detail(of: address.localPart))
            switch own {
            case .verp:
                #expect(OwnAddress.kind(ofDetail: read) == .verp)
                #expect(OwnAddress.readVERP(address, tokens: tokens) == .valid(99))
                #expect(OwnAddress.verpShapeIsWhole(address.localPart))
                #expect(OwnAddress.hasVERPDetail(address.smtpPath.uppercased()))
            case .unsubscribe:
                #expect(OwnAddress.kind(ofDetail: read) == .unsubscribe)
                #expect(OwnAddress.readUnsubscribe(read, tokens: tokens) == .valid(42))
            case .confirmation:
                #expect(OwnAddress.kind(ofDetail: read) == .confirmation)
                #expect(OwnAddress.findConfirmation(in: address.smtpPath) == detail)
                #expect(OwnAddress.readConfirmation(read, today: today, tokens: tokens) == .valid(7))
            }
        }
        #expect(OwnAddress.kind(ofDetail: "news") == nil)
        #expect(OwnAddress.mailbox(of: "kizuna+b-1-x") == "kizuna")
        #expect(OwnAddress.detail(of: "kizuna") == nil)
    }

    @Test func messageIDsRoundTrip() {
        let day = CivilDate(iso: "2027-01-11")!
        let id = OwnMessageID.delivery(4418, date: day, domain: "clinic.example", random: 1_234_567)
        #expect(id == "kizuna.3eq.20270111.qglj@clinic.example")
        #expect(OwnMessageID.deliveryID(in: id) == 4418)
        #expect(OwnMessageID.deliveryID(in: OwnMessageID.delivery(1, date: day, domain: "x.example")) == 1)
        let report = OwnMessageID.report(4418, date: day, domain: "clinic.example", random: 1_234_567)
        #expect(report == "kizuna-report.20270111.3eq.qglj@clinic.example")
        #expect(OwnMessageID.deliveryID(in: report) == nil)
        #expect("<\(id)>".hasPrefix(OwnMessageID.deliveryOpening))
    }
}
