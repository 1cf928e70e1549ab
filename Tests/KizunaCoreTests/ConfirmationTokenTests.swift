import Testing
@testable import KizunaCore

@Suite struct ConfirmationTokenTests {
    let tokens = AddressTokens(secret: Array("confirmation secret 0123456789".utf8))
    let issued = CivilDate(iso: "2026-11-20")!

    @Test func roundTripsWithinSevenDays() {
        let token = tokens.confirmationToken(subscriberID: 123_456, issued: issued)
        #expect(token.hasPrefix("c-"))
        #expect(token == token.lowercased())
        #expect(token.count <= 24)
        #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        for age in 0..<7 {
            #expect(tokens.decodeConfirmation(token, today: issued.adding(days: age)) == .valid(123_456))
        }
    }

    @Test func expiresOnDayEight() {
        let token = tokens.confirmationToken(subscriberID: 9, issued: issued)
        #expect(tokens.decodeConfirmation(token, today: issued.adding(days: 6)) == .valid(9))
        #expect(tokens.decodeConfirmation(token, today: issued.adding(days: 7)) == .expired(9))
        #expect(tokens.decodeConfirmation(token, today: issued.adding(days: 400)) == .expired(9))
    }

    @Test func survivesCaseFoldingAndBlanks() {
        let token = tokens.confirmationToken(subscriberID: 77, issued: issued)
        #expect(tokens.decodeConfirmation(token.uppercased(), today: issued) == .valid(77))
        #expect(tokens.decodeConfirmation("  \(token)\r\n", today: issued) == .valid(77))
        // As a plus address and in a subject.
        let address = try! EmailAddress(localPart: "kizuna+\(token)", domain: "clinic.example")
        #expect(address.smtpPath == "kizuna+\(token)@clinic.example")
        #expect(ConfirmationToken.find(in: "Re: [さくら] 登録の確認 \(token.uppercased())") == token)
    }

    @Test func forgedTokensAreRefused() {
        let token = tokens.confirmationToken(subscriberID: 77, issued: issued)
        let parts = token.split(separator: "-").map(String.init)
        // Another id, another day (to stretch the lifetime), a changed MAC, a truncated MAC.
        let otherID = "c-\(String(78, radix: 36))-\(parts[2])-\(parts[3])"
        let laterDay = "c-\(parts[1])-\(String(issued.dayNumber + 30, radix: 36))-\(parts[3])"
        let flipped = "c-\(parts[1])-\(parts[2])-\(parts[3].dropLast())\(parts[3].last == "a" ? "b" : "a")"
        let truncated = String(token.dropLast())
        for bad in [otherID, laterDay, flipped, truncated, "c-zz-zz-zzzzzzzz", "c--fs4-abcdefgh", "c-1-!!-abcdefgh"] {
            #expect(tokens.decodeConfirmation(bad, today: issued) == .forged, "\(bad)")
        }
        // Another key.
        let other = AddressTokens(secret: Array("another edition's secret".utf8))
        #expect(other.decodeConfirmation(token, today: issued) == .forged)
        // Claims to be issued well in the future.
        let future = tokens.confirmationToken(subscriberID: 77, issued: issued.adding(days: 5))
        #expect(tokens.decodeConfirmation(future, today: issued) == .forged)
        #expect(tokens.decodeConfirmation(tokens.confirmationToken(subscriberID: 77, issued: issued.adding(days: 1)), today: issued) == .valid(77))
    }

    @Test func otherTokensAreNotConfirmationTokens() {
        #expect(tokens.decodeConfirmation(tokens.unsubscribeToken(subscriberID: 5), today: issued) == .none)
        #expect(tokens.decodeConfirmation("hello", today: issued) == .none)
        #expect(tokens.decodeConfirmation("", today: issued) == .none)
        // A confirmation token is not accepted as an unsubscribe or VERP token either.
        let token = tokens.confirmationToken(subscriberID: 5, issued: issued)
        #expect(tokens.decodeUnsubscribe(token) == .none)
        #expect(tokens.decode(kind: "b", token: token) == .none)
    }

    @Test func findsTokensOnlyWhereTheyStand() {
        #expect(ConfirmationToken.find(in: "abc-2n9c-fs4-abcdefgh") == nil)
        #expect(ConfirmationToken.find(in: "c-2n9c-fs4-abcdefg") == nil)
        #expect(ConfirmationToken.find(in: "kizuna+c-2n9c-fs4-abcdefgh@x") == "c-2n9c-fs4-abcdefgh")
        #expect(ConfirmationToken.find(in: "no token here") == nil)
    }
}
