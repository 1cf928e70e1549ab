import KizunaCore

/// The words of the loss replies: the subscriptions a loss ended, each with the one line that
/// resumes it — checked against the parser, so a line always resumes exactly the child it names.
extension MessageComposer {
    /// The template and variables of a loss reply (`loss`, `resume_which`, `after_loss`).
    static func lossReply(_ kind: ReplyKind, language: ReplyLanguage, variables: [String: String]) -> (String, [String: String]) {
        var v = variables
        let ja = language == .ja
        switch kind {
        case .loss(let resumable):
            v["resume_choices"] = resumable.isEmpty ? "" : resumeChoices(resumable, language: language, opening: ja
                ? "止めたのは次の配信です。どなたかの配信を続けたいときは、その行の「再開 …」だけを1行で返信してください。返信がなければ、すべて止めたままにします。"
                : "These are the messages we stopped. If the messages for one of them should go on, reply with that line's \"resume …\" alone. Without a reply, all of them stay stopped.")
            return ("loss", v)
        case .resumeWhich(let candidates):
            v["resume_choices"] = resumeChoices(candidates, language: language, opening: ja
                ? "再開する配信を、次のうち1行だけ返信して教えてください。返信がなければ、止めたままにします。"
                : "To resume one of these, reply with its line alone. Without a reply, they stay stopped.")
            return ("resume_which", v)
        case .endedAfterLoss(let ended):
            v["child"] = childName(ended, language: language)
            return ("after_loss", v)
        default:
            return ("help", v)
        }
    }

    /// A subscription as the parent knows it: the nickname, else the birth (or due) date.
    static func childName(_ s: LifecycleSubscription, language: ReplyLanguage) -> String {
        let date = s.anchor.iso
        switch (language, s.track) {
        case (.ja, .child): return s.nickname.map { "\($0)（\(date)生まれ）" } ?? "\(date)生まれのお子さん"
        case (.ja, .pregnancy): return s.nickname.map { "\($0)（出産予定日 \(date)）" } ?? "出産予定日 \(date)の赤ちゃん"
        case (.en, .child): return s.nickname.map { "\($0) (born \(date))" } ?? "your child born \(date)"
        case (.en, .pregnancy): return s.nickname.map { "\($0) (due \(date))" } ?? "your baby due \(date)"
        }
    }

    /// The opening, then one line per subscription with the command that resumes it.
    static func resumeChoices(_ subscriptions: [LifecycleSubscription], language: ReplyLanguage, opening: String) -> String {
        let lines = subscriptions.map { s in
            language == .ja ? "・\(childName(s, language: language))：\(resumeCommand(s, among: subscriptions, language: language))"
                            : "- \(childName(s, language: language)): \(resumeCommand(s, among: subscriptions, language: language))"
        }
        return ([opening, ""] + lines).joined(separator: "\n")
    }

    /// `再開 ハナ` when the parser reads that back as this subscription alone, else `再開 2025-03-01`
    /// (a date with its year reads the same on any day, and no two subscriptions share one).
    static func resumeCommand(_ s: LifecycleSubscription, among all: [LifecycleSubscription], language: ReplyLanguage) -> String {
        let word = language == .ja ? "再開" : "resume"
        if let nickname = s.nickname {
            let line = "\(word) \(nickname)"
            if case .resume(let target?) = CommandParser.parse(subject: "", body: line, today: s.anchor).command,
               all.filter({ target.names(nickname: $0.nickname, anchor: $0.anchor) }).map(\.id) == [s.id] {
                return line
            }
        }
        return "\(word) \(s.anchor.iso)"
    }
}
