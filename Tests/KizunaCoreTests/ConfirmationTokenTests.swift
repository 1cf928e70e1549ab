import Testing
@testable import KizunaCore

@Suite struct ConfirmationTokenTests {
    let tokens = AddressTokens(secret: Array("confirmation secret 0123456789".utf8))
    let issued = CivilDate(iso: "2026-11-20")!

    @Test func roundTripsWithinSevenDays() {
        let token = OwnAddress.confirmation(subscriberID: 123_456, issued: issued).detail(signedWith: tokens)
        #expect(token.hasPrefix("c-"))
        #expect(token == token.lowercased())
        #expect(token.count <= 24)
        #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        for age in 0..<7 {
            #expect(OwnAddress.readConfirmation(token, today: issued.adding(days: age), tokens: tokens) == .valid(123_456))
        }
    }

    @Test func expiresOnDayEight() {
        let token = OwnAddress.confirmation(subscriberID: 9, issued: issued).detail(signedWith: tokens)
        #expect(OwnAddress.readConfirmation(token, today: issued.adding(days: 6), tokens: tokens) == .valid(9))
        #expect(OwnAddress.readConfirmation(token, today: issued.adding(days: 7), tokens: tokens) == .expired(9))
        #expect(OwnAddress.readConfirmation(token, today: issued.adding(days: 400), tokens: tokens) == .expired(9))
    }

    @Test func survivesCaseFoldingAndBlanks() {
        let token = OwnAddress.confirmation(subscriberID: 77, issued: issued).detail(signedWith: tokens)
        #expect(OwnAddress.readConfirmation(token.uppercased(), today: issued, tokens: tokens) == .valid(77))
        #expect(OwnAddress.readConfirmation("  \(token)\r\n", today: issued, tokens: tokens) == .valid(77))
        // As a plus address and in a subject.
        let address = try! EmailAddress(localPart: "kizuna+\(token)", domain: "clinic.example")
        #expect(address.smtpPath == "kizuna+\(token)@clinic.example")
        #expect(OwnAddress.findConfirmation(in: "Re: [さくら] 登録の確認 \(token.uppercased())") == token)
    }

    @Test func forgedTokensAreRefused() {
        let token = OwnAddress.confirmation(subscriberID: 77, issued: issued).detail(signedWith: tokens)
        let parts = token.split(separator: "-").map(String.init)
        // Another id, another day (to stretch the lifetime), a changed MAC, a truncated MAC.
        let otherID = "c-\(String(78, radix: 36))-\(parts[2])-\(parts[3])"
        let laterDay = "c-\(parts[1])-\(String(issued.dayNumber + 30, radix: 36))-\(parts[3])"
        let flipped = "c-\(parts[1])-\(parts[2])-\(parts[3].dropLast())\(parts[3].last == "a" ? "b" : "a")"
        let truncated = String(token.dropLast())
        for bad in [otherID, laterDay, flipped, truncated, "c-zz-zz-zzzzzzzz", "c--fs4-abcdefgh", "c-1-!!-abcdefgh"] {
            #expect(OwnAddress.readConfirmation(bad, today: issued, tokens: tokens) == .forged, "\(bad)")
        }
        // Another key.
        let other = AddressTokens(secret: Array("another edition's secret".utf8))
        #expect(OwnAddress.readConfirmation(token, today: issued, tokens: other) == .forged)
        // Claims to be issued well in the future.
        let future = OwnAddress.confirmation(subscriberID: 77, issued: issued.adding(days: 5)).detail(signedWith: tokens)
        #expect(OwnAddress.readConfirmation(future, today: issued, tokens: tokens) == .forged)
        #expect(OwnAddress.readConfirmation(OwnAddress.confirmation(subscriberID: 77, issued: issued.adding(days: 1)).detail(signedWith: tokens), today: issued, tokens: tokens) == .valid(77))
    }

    @Test func otherTokensAreNotConfirmationTokens() {
        #expect(OwnAddress.readConfirmation(OwnAddress.unsubscribe(subscriberID: 5).detail(signedWith: tokens), today: issued, tokens: tokens) == .none)
        #expect(OwnAddress.readConfirmation("hello", today: issued, tokens: tokens) == .none)
        #expect(OwnAddress.readConfirmation("", today: issued, tokens: tokens) == .none)
        // A confirmation token is not accepted as an unsubscribe or VERP token either.
        let token = OwnAddress.confirmation(subscriberID: 5, issued: issued).detail(signedWith: tokens)
        #expect(OwnAddress.readUnsubscribe(token, tokens: tokens) == .none)
        #expect(OwnAddress.read(kind: "b", token: token, tokens: tokens) == .none)
    }

    @Test func findsTokensOnlyWhereTheyStand() {
        #expect(OwnAddress.findConfirmation(in: "abc-2n9c-fs4-abcdefgh") == nil)
        #expect(OwnAddress.findConfirmation(in: "c-2n9c-fs4-abcdefg") == nil)
        #expect(OwnAddress.findConfirmation(in: "kizuna+c-2n9c-fs4-abcdefgh@x") == "c-2n9c-fs4-abcdefgh")
        #expect(OwnAddress.findConfirmation(in: "no token here") == nil)
    }
}
