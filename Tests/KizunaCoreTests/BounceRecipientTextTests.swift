import Testing
@testable import KizunaCore

/// How the addresses of a bounce's text are cleaned, and which of them can be a recipient that failed.
@Suite struct BounceRecipientTextTests {
    @Test func addressesAreCleanedToABareMailbox() {
        // Exchange: a type written with `=` or `:` before the address, upper-case domains.
        #expect(BounceText.addresses(in: "c=US;a= ;p=CORP;o=Hub;dda:SMTP=hana@Example.COM; on Mon") == ["hana@example.com"])
        #expect(BounceText.addresses(in: "smtp=hana@example.org") == ["hana@example.org"])
        #expect(BounceText.addresses(in: "SMTP:hana@example.org") == ["hana@example.org"])
        #expect(BounceText.addresses(in: "recipient rfc822;hana@example.org failed") == ["hana@example.org"])
        #expect(BounceText.addresses(in: "RFC822=hana@example.org") == ["hana@example.org"])
        // Stray quotes and brackets around it.
        #expect(BounceText.addresses(in: "addressed to 'hana@example.org',") == ["hana@example.org"])
        #expect(BounceText.addresses(in: "`hana@example.org'") == ["hana@example.org"])
        #expect(BounceText.addresses(in: "\"hana@example.org\"") == ["hana@example.org"])
        #expect(BounceText.addresses(in: "hana@example.org>:") == ["hana@example.org"])
        #expect(BounceText.addresses(in: "<mailto:hana@example.org>") == ["hana@example.org"])
        // A local part that merely starts like a type is kept whole.
        #expect(BounceText.addresses(in: "smtpteam@example.org") == ["smtpteam@example.org"])
        #expect(BounceText.stripType("RFC822;'hana@example.org'") == "'hana@example.org'")
        #expect(BounceText.addresses(in: BounceText.stripType("RFC822;'hana@example.org'")) == ["hana@example.org"])
    }

    @Test func listMachineryIsNeverARecipient() {
        for a in ["parents-request@lists.example.org", "parents-bounces@lists.example.org",
                  "parents-bounces+hana=example.jp@lists.example.org", "parents-admin@lists.example.org",
                  "parents-owner@lists.example.org", "owner-parents@lists.example.org"] {
            #expect(BounceText.isListMachinery(a), "\(a)")
            #expect(BounceText.listBase(a) == "parents@lists.example.org", "\(a)")
        }
        for a in ["hana@example.org", "request@example.org", "owner@example.org", "hana.admin@example.org"] {
            #expect(!BounceText.isListMachinery(a), "\(a)")
        }
        #expect(BounceText.listAddress(fromListID: "Parents' list <parents.lists.example.org>") == "parents@lists.example.org")
        #expect(BounceText.listAddress(fromListID: "<localhost>") == nil)
    }

    @Test func sendersNamedInTheTextAreNotRecipients() {
        #expect(BounceText.isSenderMention("news@list.example", line: "not accepting mail from news@list.example:"))
        #expect(BounceText.isSenderMention("a@b.example", line: "SMTP error after MAIL FROM:<a@b.example> SIZE=1234"))
        #expect(BounceText.isSenderMention("a@b.example", line: "(envelope-from <a@b.example>)"))
        #expect(BounceText.isSenderMention("a@b.example", line: "Sender: a@b.example"))
        #expect(!BounceText.isSenderMention("a@b.example", line: "(expanded from: <a@b.example>)"))
        #expect(!BounceText.isSenderMention("a@b.example", line: "(generated from a@b.example)"))
        #expect(!BounceText.isSenderMention("a@b.example", line: "after RCPT TO:<a@b.example>: 550 5.1.1 unknown"))
        #expect(!BounceText.isSenderMention("a@b.example", line: "<a@b.example>: host mx.b.example said: 550"))
    }

    @Test func onlyAddressesPresentedAsFailedCount() {
        // A transcript's RCPT TO, a list line, failure words on the line, a heading before it.
        #expect(BounceText.presentsAsFailed("a@b.example", line: ">>> RCPT TO:<a@b.example>", before: []))
        #expect(BounceText.presentsAsFailed("a@b.example", line: "<a@b.example>:", before: []))
        #expect(BounceText.presentsAsFailed("a@b.example", line: "a@b.example on Mon, 11 Jan 2027 3:00 AM", before: []))
        #expect(BounceText.presentsAsFailed("a@b.example", line: "You wrote to a@b.example, which is not a valid user here.", before: []))
        #expect(BounceText.presentsAsFailed("a@b.example", line: "Hana Ito (a@b.example) said goodbye",
                                            before: ["Your message did not reach the following recipient(s):"]))
        // An example in an explanation, a contact in a directory listing.
        #expect(!BounceText.presentsAsFailed("a@b.example", line: "The usual form of an address here is a@b.example or so",
                                             before: ["Please check the spelling before writing again."]))
        #expect(!BounceText.presentsAsFailed("a@b.example", line: "Hana Ito  Nursing office  a@b.example", before: []))
        #expect(BounceText.blockNamesFailure(["someone@b.example", "550 5.1.1 no such user"]))
        #expect(!BounceText.blockNamesFailure(["someone@b.example", "is the address of the help desk"]))
    }

    @Test func bareLocalParts() {
        #expect(BounceText.bareLocalPart("\tsakura") == "sakura")
        #expect(BounceText.bareLocalPart("  <sakura.ito>:") == "sakura.ito")
        #expect(BounceText.bareLocalPart("sakura ito") == nil)
        #expect(BounceText.bareLocalPart("12345") == nil)
        #expect(BounceText.bareLocalPart("---------") == nil)
    }

    @Test func aQuotedHeaderStartsTheCopy() {
        let text = "could not be delivered to 'a@b.example'\nReceived: from x by y for c@d.example\n"
        let cut = BounceText.quotedHeaderStarts.earliest(in: BounceText.lowered(text))
        #expect(cut?.offset == 39)
    }
}
