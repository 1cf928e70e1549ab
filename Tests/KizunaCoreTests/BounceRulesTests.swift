import Testing
@testable import KizunaCore

@Suite struct BounceRulesTests {
    @Test func specificStatusCodesDecideOnTheirOwn() {
        #expect(BounceRules.reason(status: "5.1.1", diagnostic: "") == .userunknown)
        #expect(BounceRules.reason(status: "5.1.2", diagnostic: "") == .hostunknown)
        #expect(BounceRules.reason(status: "5.2.2", diagnostic: "") == .mailboxfull)
        #expect(BounceRules.reason(status: "4.2.2", diagnostic: "over quota", action: .failed) == .mailboxfull)
        #expect(BounceRules.reason(status: "5.3.4", diagnostic: "") == .mesgtoobig)
        #expect(BounceRules.reason(status: "5.2.3", diagnostic: "") == .exceedlimit)
        // 5.2.3 is said of a message too large as well as of other limits: the words decide.
        #expect(BounceRules.reason(status: "5.2.3", diagnostic: "RecipSizeLimit; message too large for this recipient") == .mesgtoobig)
        #expect(BounceRules.reason(status: "5.4.7", diagnostic: "") == .expired)
        #expect(BounceRules.reason(status: "5.7.26", diagnostic: "") == .authfailure)
        #expect(BounceRules.reason(status: "5.1.6", diagnostic: "") == .hasmoved)
        // A definite code is not overridden by words that would say otherwise…
        #expect(BounceRules.reason(status: "5.1.2", diagnostic: "mailbox full") == .hostunknown)
        #expect(BounceRules.reason(status: "5.2.2", diagnostic: "user unknown") == .mailboxfull)
        // …except 5.1.1, which servers send for any refused mailbox: words saying the mailbox
        // exists but is suspended, full or too small win, unless they also say it is unknown.
        #expect(BounceRules.reason(status: "5.1.1", diagnostic: "mailbox full") == .mailboxfull)
        #expect(BounceRules.reason(status: "5.1.1", diagnostic: "550 [SUSPEND] Mailbox currently suspended") == .suspend)
        #expect(BounceRules.reason(status: "5.1.1", diagnostic: "550 RCPT TO:<a@b.example> max message size exceeded") == .mesgtoobig)
        #expect(BounceRules.reason(status: "5.1.1", diagnostic: "user unknown; mailbox full") == .userunknown)
    }

    @Test func phrasesRefineLooseCodes() {
        #expect(BounceRules.reason(status: "5.7.1", diagnostic: "554 5.7.1 <a@b.example>: Relay access denied") == .norelaying)
        #expect(BounceRules.reason(status: "5.7.1", diagnostic: "Client host [192.0.2.1] blocked using zen.spamhaus.org") == .blocked)
        #expect(BounceRules.reason(status: "5.7.1", diagnostic: "message is likely unsolicited mail") == .spamdetected)
        #expect(BounceRules.reason(status: "5.7.1", diagnostic: "Delivery not authorized") == .securityerror)
        #expect(BounceRules.reason(status: "5.1.10", diagnostic: "RESOLVER.ADR.RecipientNotFound") == .userunknown)
        #expect(BounceRules.reason(status: "5.1.10", diagnostic: "") == .notaccept)
        #expect(BounceRules.reason(status: "5.5.0", diagnostic: "Requested action not taken: mailbox unavailable") == .userunknown)
        #expect(BounceRules.reason(status: "5.0.0", diagnostic: "Sender address rejected: Domain not found") == .rejected)
        #expect(BounceRules.reason(status: "5.0.0", diagnostic: "Recipient address rejected: Domain not found") == .hostunknown)
        #expect(BounceRules.reason(status: nil, diagnostic: "このメールアドレスは存在しません") == .userunknown)
        #expect(BounceRules.reason(status: nil, diagnostic: "受信者の設定により受信拒否されました") == .filtered)
        #expect(BounceRules.reason(status: nil, diagnostic: "メールボックスの容量がいっぱいです") == .mailboxfull)
        #expect(BounceRules.reason(status: nil, diagnostic: "This account has been disabled or discontinued") == .suspend)
        #expect(BounceRules.reason(status: nil, diagnostic: "") == .undefined)
    }

    @Test func transientFailureThatGaveUpHasExpired() {
        #expect(BounceRules.reason(status: "4.4.1", diagnostic: "connect to mx: Connection timed out", action: .failed) == .expired)
        #expect(BounceRules.reason(status: "4.4.1", diagnostic: "connect to mx: Connection timed out", action: .delayed) == .networkerror)
    }

    @Test func olderAndRegionalWordsHaveTheirReasons() {
        // Mailbox gone, in the words of ph directories, Smail, Exchange 5.5, mail-box filters.
        for text in ["User not known", "553 sorry, badrcptto(user mail-box not found) (#5.7.1)", "550 5.7.1 No mailbox found",
                     "550 ** No mail box available for this user **", "550 BAD_RECIPIENT - see the page",
                     "is not an active address at this host", "this email address is wrong or no longer valid",
                     "Does not have a final email delivery point", "No matches to nameserver query",
                     "The recipient name is not recognized", "L'adresse n'existe pas", "用户不存在",
                     "Пользователь не существует"] {
            #expect(BounceRules.reason(status: nil, diagnostic: text) == .userunknown, "\(text)")
        }
        #expect(BounceRules.reason(status: "5.4.4", diagnostic: "Name service error for name=a.example type=MX: Malformed or unexpected name server reply") == .networkerror)
        #expect(BounceRules.reason(status: "5.4.4", diagnostic: "Name service error for name=a.example type=MX: Host not found") == .hostunknown)
        #expect(BounceRules.reason(status: nil, diagnostic: "554 Too many hops 26 (25 max)") == .networkerror)
        #expect(BounceRules.reason(status: nil, diagnostic: "554 Message looping (received 6 times)") == .networkerror)
        #expect(BounceRules.reason(status: nil, diagnostic: "553 5.3.5 system config error: loops back to myself") == .systemerror)
        #expect(BounceRules.reason(status: nil, diagnostic: "554 Service currently unavailable") == .systemerror)
        #expect(BounceRules.reason(status: nil, diagnostic: "This mail message has exceeded the maximum incoming message size.") == .mesgtoobig)
        #expect(BounceRules.reason(status: "5.7.1", diagnostic: "550 5.7.1 Your email breaches local URIBL policy.") == .spamdetected)
        #expect(BounceRules.reason(status: "5.7.1", diagnostic: "550 5.7.1 Rejected - bulk email") == .spamdetected)
        #expect(BounceRules.reason(status: nil, diagnostic: "they are not accepting mail from list@example.org") == .filtered)
        // A recipient's setting, not a domain that takes no mail (notaccept, hard).
        #expect(BounceRules.reason(status: nil, diagnostic: "they are not accepting mail with attachments or embedded images") == .filtered)
        #expect(BounceRules.reason(status: nil, diagnostic: "example.org does not accept mail (null MX)") == .notaccept)
        #expect(BounceRules.reason(status: nil, diagnostic: "Ящик переполнен") == .mailboxfull)
        // More of the wording Sisimai knows, each in its reason.
        let more: [(String, BounceReason)] = [
            ("550 Unknown mailbox", .userunknown), ("550 #5.1.0 Address rejected: archived recipient", .userunknown),
            ("Utilisateur inconnu !", .userunknown), ("vdeliver: Invalid or unknown virtual user", .userunknown),
            ("The recipient is only accepting mail from specific email addresses", .filtered),
            ("Message refused due to recipient preferences", .filtered),
            ("Recipient mailbox does not have enough space", .mailboxfull), ("Message file too big", .mesgtoobig),
            ("Unable to deliver message after multiple retries", .expired), ("host is unreachable", .networkerror),
            ("451 Temporary local problem - please try later", .systemerror), ("recipient suspend the service", .suspend),
        ]
        for (text, reason) in more { #expect(BounceRules.reason(status: nil, diagnostic: text) == reason, "\(text)") }
        // A folded Diagnostic-Code keeps its continuation's indent.
        #expect(BounceRules.reason(status: "5.0.0", diagnostic: "550 192.0.2.7 is not allowed to    send mail from example.org") == .blocked)
        #expect(BounceRules.reason(status: nil, diagnostic: "failed because it has not been collected after 30 days") == .expired)
        // A queue that counts its tries and stopped.
        #expect(BounceRules.reason(status: nil, diagnostic: "Delivery failed 20 attempts: a@example.com") == .expired)
        #expect(BounceRules.reason(status: nil, diagnostic: "Delivery failed: a@example.com") == .undefined)
    }

    @Test func olderAndRegionalNoticesAreRecognised() {
        for text in ["|---- Failed addresses follow: ----|", "Votre message n'a pas pu etre delivre a", "邮件无法送达",
                     "Ваше письмо не может быть доставлено", "Ihre Nachricht konnte nicht zugestellt werden",
                     "Warning: could not send message for past 4 hours", "次の宛先へのメールは、まだ配信できていません",
                     "Your message has encountered delivery problems", "Here is your list of failed recipients",
                     "Unfortunately, we were not able to deliver your message", "The following address failed:"] {
            #expect(BounceText.firstMatch(text, BounceText.failureMarkers) != nil, "\(text)")
        }
        // A warning that also says "could not be delivered" is a warning, unless it says the failure is final.
        let warning = "could not be delivered to the following recipients. Delivery attempts will continue for 5 days."
        #expect(BounceText.firstMatch(warning, BounceText.warningMarkers) != nil)
        #expect(BounceText.firstMatch(warning, BounceText.finalMarkers) == nil)
        #expect(BounceText.firstMatch("This is a permanent error; I've given up.", BounceText.finalMarkers) != nil)
        #expect(BounceText.firstMatch("Dear parent, thank you for the letter", BounceText.failureMarkers) == nil)
        #expect(BounceText.failureSentence(in: "Notice\n\nDelivery to the following recipients failed permanently:\n\n  a@b.example\n")
                == "Delivery to the following recipients failed permanently:")
        #expect(BounceRules.reason(status: nil, diagnostic: "メールボックスが一杯です") == .mailboxfull)
        #expect(BounceRules.reason(status: nil, diagnostic: "ホストが見つかりません") == .hostunknown)
    }

    @Test func replyCodesAreTheLastResort() {
        #expect(BounceRules.reason(status: nil, diagnostic: "552 whatever the server said") == .mailboxfull)
        #expect(BounceRules.reason(status: nil, diagnostic: "smtp; 553 sorry") == .userunknown)
        #expect(BounceRules.reason(status: nil, diagnostic: "550 nope") == .undefined)
    }

    @Test func hardOnlyWhenTheAddressIsGone() {
        for r in BounceReason.allCases {
            let hard = r.isHard(status: "5.0.0")
            #expect(hard == [.userunknown, .hostunknown, .hasmoved, .notaccept, .undefined].contains(r), "\(r)")
        }
        #expect(!BounceReason.undefined.isHard(status: "4.0.0"))
        #expect(!BounceReason.mailboxfull.isHard(status: "5.2.2"))
    }

    @Test func codesFoundInText() {
        #expect(BounceRules.enhancedStatus(in: "550-5.1.1 The email account") == "5.1.1")
        #expect(BounceRules.enhancedStatus(in: "<mail.legacy.example #5.1.1>") == "5.1.1")
        #expect(BounceRules.enhancedStatus(in: "550 5.7.606 Access denied") == "5.7.606")
        #expect(BounceRules.enhancedStatus(in: "version 1.5.2 of 192.0.2.5") == nil)
        #expect(BounceRules.enhancedStatus(in: "no code here") == nil)
        #expect(BounceRules.enhancedStatus(in: "Subject: RELEASED Mailman 2.0.12") == "2.0.12")
        #expect(BounceRules.enhancedStatus(in: "Subject: RELEASED Mailman 2.0.12", failuresOnly: true) == nil)
        #expect(BounceRules.enhancedStatus(in: "Mailman 2.0.12 … 550 5.1.1 unknown", failuresOnly: true) == "5.1.1")
        #expect(BounceRules.replyCode(in: "smtp; 550 5.1.1 x") == 550)
        #expect(BounceRules.replyCode(in: "554: delivery error") == 554)
        #expect(BounceRules.replyCode(in: "said: 452-4.2.2 over") == 452)
        #expect(BounceRules.replyCode(in: "port 5500 and id 550x") == nil)
        #expect(BounceAction(field: "Failed") == .failed)
        #expect(BounceAction(field: "delayed (will retry)") == .delayed)
        #expect(BounceAction(field: "bogus") == nil)
    }

    @Test func textTools() {
        #expect(BounceText.addresses(in: "<a.b@Example.JP>: host mx said") == ["a.b@example.jp"])
        #expect(BounceText.addresses(in: "宛先: ha..ru.@docomo.example") == ["ha..ru.@docomo.example"])
        #expect(BounceText.addresses(in: "mailto:x@y.example, z@w.example.") == ["x@y.example", "z@w.example"])
        #expect(BounceText.addresses(in: "user@localhost") == [])
        #expect(BounceText.stripType("rfc822; <a@b.example>") == "a@b.example")
        #expect(BounceText.stripType("smtp; 550 5.1.1 x; y") == "550 5.1.1 x; y")
        #expect(OwnMessageID.deliveryID(in: "kizuna.3eq.20270111.q8z1kd@clinic.example") == 4418)
        #expect(OwnMessageID.deliveryID(in: "kizuna.3eq.2027011.q8z1kd@clinic.example") == nil)
        #expect(OwnMessageID.deliveryID(in: "other.3eq.20270111.q8z1kd@clinic.example") == nil)
        #expect(OwnMessageID.deliveryID(in: "kizuna.03eq.20270111.q8z1kd@clinic.example") == nil)
        #expect(OwnAddress.verpShapeIsWhole("kizuna+b-3f-abcdefgh"))
        #expect(!OwnAddress.verpShapeIsWhole("kizuna+b-3f-abcde"))
        #expect(!OwnAddress.verpShapeIsWhole("kizuna+b-3f-abcdefg1"))
        let header = BounceText.headerPrefix(Array("A: 1\r\nB: 2\r\n\r\nbody body".utf8))
        #expect(String(decoding: header, as: UTF8.self) == "A: 1\r\nB: 2\r\n\r\n")
    }
}

@Suite struct InboundClassifierTests {
    @Test func unattendedSendersAreNeverCommands() throws {
        let ours = [try EmailAddress(parsing: "kizuna@clinic.example")]
        let noreply = InboundSignals(contentType: "multipart/mixed", partTypes: ["text/plain", "message/rfc822"],
                                     from: try EmailAddress(parsing: "no-reply@mail.kddi.example"))
        // Handed to the report reader (like an auto-reply), never answered as a command.
        #expect(InboundClassifier.classify(noreply, ours: ours).kind == .autoreply)
        let postMaster = InboundSignals(contentType: "text/plain", from: try EmailAddress(parsing: "post_master@sms.example"))
        #expect(InboundClassifier.classify(postMaster, ours: ours).kind == .bounce)
        let parent = InboundSignals(contentType: "text/plain", from: try EmailAddress(parsing: "noriko@example.jp"))
        #expect(InboundClassifier.classify(parent, ours: ours).kind == .command)
    }
}

@Suite struct HeldOutPhraseTests {
    @Test func phrasesFromRealBounces() {
        #expect(BounceRules.reason(diagnostic: "The number of messages in recipient's mailbox exceeded the local limit.") == .mailboxfull)
        #expect(BounceRules.reason(diagnostic: "Invalid final delivery userid: a@example.org") == .userunknown)
        #expect(BounceRules.reason(diagnostic: "ディレクトリのリストにありません") == .userunknown)
        #expect(BounceRules.reason(diagnostic: "554 5.7.0 Header error") == .contenterror)
        // A host name is not a MIME problem.
        #expect(BounceRules.reason(diagnostic: "554 Host network not allowed - https://community.mimecast.example/554") == .blocked)
        #expect(BounceRules.reason(diagnostic: "This is a MIME-encapsulated message.") == nil)
    }
}

