/// The phrase lists that tell a mail system's notice from a person's mail and a bounce from a
/// delay or an auto-reply: lower-case, matched ignoring ASCII case (see `Phrases`).
extension BounceText {
    /// Text that a bounce's human-readable part says and a person's letter rarely does.
    public static let failureMarkers = Phrases([
        "could not be delivered", "couldn't be delivered", "could not deliver", "not be delivered", "wasn't delivered",
        "was not delivered", "undeliverable", "undelivered", "delivery failed", "delivery has failed", "failed permanently",
        "permanent error", "permanent fatal error", "following address(es) failed", "following addresses had permanent",
        "this is the mail system at host", "qmail-send program", "transcript of session follows", "unable to deliver",
        "delivery to the following recipient", "message could not be sent", "delivery failure", "delivery notification",
        "non-delivery", "nondelivery", "remote server returned", "returned mail", "mail delivery failed",
        "delivery to the following recipients failed", "your message was not", "could not be reached", "cannot be reached",
        "did not reach", "permanent fatal", "fatal delivery error", "could not be sent", "has been delayed",
        "delivery is delayed", "delivery delayed", "still trying", "will keep trying", "not yet been delivered",
        "配信できません", "配送できません", "配信できませんでした", "配送できませんでした", "届きませんでした",
        "送信できませんでした", "配信に失敗", "配送に失敗", "宛先不明", "送達できません", "届けることができません",
        // Older and regional systems' own wording: Smail, sendmail's warning, MDaemon, Netscape.
        "failed addresses follow", "could not send message for past", "has been postponed", "no such user here",
        "list of failed recipients", "failed recipients", "the following addresses had", "following address failed",
        "not able to deliver", "wasn't able to deliver", "did not receive a copy of your message", "was automatically rejected",
        "message that you sent was rejected", "encountered delivery problems", "this is the deliver program at",
        "invalid final delivery userid", "message was undeliverable",
        "cannot be delivered", "did not receive this message", "message not delivered",
        "まだ配信できていません", "まだ配信されていません", "配信が遅れて", "配信遅延",
        // Chinese (GB2312/GBK, Big5) and Russian (KOI8-R) carriers, as the MIME layer decodes them.
        "无法发送", "无法送达", "无法投递", "发送失败", "投递失败", "未能送达", "退信", "無法傳送", "無法送達", "傳送失敗",
        "не может быть доставлено", "невозможно доставить", "не удалось доставить", "не было доставлено", "не доставлено",
        // French, German, Spanish, Italian, Portuguese and Dutch systems (accented or not).
        "n'a pas pu etre delivre", "n'a pas pu être délivré", "n'a pas pu etre remis", "n'a pas pu être remis",
        "konnte nicht zugestellt werden", "no se pudo entregar", "no pudo ser entregado", "non è stato possibile consegnare",
        "non e' stato possibile consegnare", "não foi possível entregar", "kon niet worden afgeleverd",
    ])

    /// Subjects of bounces, tried when the text says too little.
    public static let subjectMarkers = Phrases([
        "undeliver", "returned mail", "delivery status notification", "failure notice", "mail delivery failed",
        "delivery failure", "non remis", "unzustellbar", "returned to sender", "mail system error", "not delivered",
        "nondeliverable", "delivery notification", "delivery has failed", "could not send", "delivery delayed",
        "mail failed", "delivery problem",
        "配信不能", "不達", "配送エラー", "送信エラー", "エラー", "退信", "发送失败", "投递失败", "не доставлено",
        // Notices of mail systems without a standard report (old gateways, relays, regional MTAs).
        "failed mail", "non-delivery", "nondelivery", "delivery status", "could not be delivered",
        "undelivered", "error during delivery", "non recapitabile", "onbestelbaar", "未送达",
    ])

    /// Words that say the failure is final, overriding "will retry" wording elsewhere.
    public static let permanentMarkers = Phrases([
        "permanent error", "failed permanently", "permanently", "permanent fatal", "giving up", "gave up",
        "could not be delivered", "couldn't be delivered", "wasn't delivered", "undeliverable", "has failed",
        "delivery failed", "following address(es) failed", "unable to deliver", "配信できません", "配信できませんでした",
        "宛先不明", "届きませんでした", "送信できませんでした", "配送できませんでした",
    ])

    /// Words of a delay notice: the system still tries.
    public static let delayMarkers = Phrases([
        "has been delayed", "delivery is delayed", "delivery delayed", "delayed mail", "will keep trying",
        "still trying", "will retry", "will be retried", "not yet been delivered", "message is delayed",
        "warning: message", "delivery status notification (delay)", "遅延", "再送を試みます",
        "could not send message for past", "has been postponed", "延迟", "задерж",
    ])

    /// A notice's own statement that it is only a warning: the system still tries, although the
    /// notice also says the message "could not be delivered" (yet). Beats the permanent words
    /// that only say it was not delivered, never those that say the failure is final.
    public static let warningMarkers = Phrases([
        "this is a warning message only", "warning message only", "this is just a warning", "this is only a warning",
        "do not need to resend", "delivery attempts will continue", "will continue to attempt", "will continue trying",
        "could not send message for past", "has been postponed", "no action is required on your part",
        "引き続き配信を試み", "再送を試みます",
    ])

    /// Words that say the failure is final even when the notice also reads like a warning.
    public static let finalMarkers = Phrases([
        "permanent error", "failed permanently", "permanent fatal", "giving up", "gave up", "given up", "has been returned",
    ])

    /// Lines after which a bounce quotes the original message.
    public static let originalFollows = Phrases([
        "--- below this line is a copy of the message", "------ this is a copy of the message", "----- original message follows",
        "----- unsent message follows", "--- original message follows", "original message headers:", "------ original message ------",
        "----- message header follows", "-- the header of the original message", "----- original message -----", "below is a copy of the original message", "-- the original message --",
        "------ failed message ------", "------- returned message --------", "--- 元のメッセージ", "----- 元のメッセージ",
        "original message follows.", "message text follows:", "unsent message below:", "--- 以下是原邮件", "--- 原始邮件",
    ])

    /// Challenge-response systems asking the sender to prove it is a person.
    public static let challengeMarkers = Phrases([
        "awaiting verification", "verify that you are", "prove that you are", "confirm that you are a human",
        "confirm that you are a real", "human sender", "approved senders list", "to be added to my whitelist",
        "add you to my approved", "challenge-response", "spam protection system", "your message is on hold",
        "held pending verification", "送信者確認", "認証してください", "allowed list", "allowed senders list", "have your address added",
    ])

    /// Vacation wording in the subject or text of an auto-reply.
    public static let vacationMarkers = Phrases([
        "out of office", "out of the office", "vacation", "on leave", "on holiday", "away from",
        "abwesenheit", "absence", "不在", "休暇", "お休み", "自動返信", "自動応答",
    ])

    /// Subjects auto-responders start with.
    public static let autoReplySubjects = Phrases([
        "auto:", "automatic reply", "autoreply", "auto-reply", "auto reply", "auto response", "autoresponse",
        "out of office", "out of the office", "vacation", "abwesenheitsnotiz", "réponse automatique",
        "自動返信", "自動応答", "【自動返信】", "[自動返信]", "不在",
    ])
}
