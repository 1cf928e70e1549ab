import KizunaCore

/// The words of the loss replies: the subscriptions a loss ended, each with the one line that
/// resumes it — checked against the parser, so a line always resumes exactly the child it names.
/// The sentences are reviewed phrases (`phrases.toml`); only the resume line is code, because
/// it must be a line the parser reads back.
extension MessageComposer {
    /// The template and variables of a loss reply (`loss`, `resume_which`, `after_loss`);
    /// `say` renders a phrase in the reply's language.
    static func lossReply(_ kind: ReplyKind, language: ReplyLanguage, variables: [String: String],
                          say: (Phrase) -> String) -> (String, [String: String]) {
        var v = variables
        switch kind {
        case .loss(let resumable):
            v["resume_choices"] = resumable.isEmpty ? ""
                : resumeChoices(resumable, language: language, opening: Phrase(.lossResumeOpening), say: say)
            return ("loss", v)
        case .resumeWhich(let candidates):
            v["resume_choices"] = resumeChoices(candidates, language: language, opening: Phrase(.resumeWhichOpening), say: say)
            return ("resume_which", v)
        case .endedAfterLoss(let ended):
            v["child"] = say(childName(ended))
            return ("after_loss", v)
        default:
            return ("help", v)
        }
    }

    /// A subscription as the parent knows it: the nickname, else the birth (or due) date.
    static func childName(_ s: LifecycleSubscription) -> Phrase {
        let date = Phrase.Value.text(s.anchor.iso)
        switch (s.track, s.nickname) {
        case (.child, let nickname?): return Phrase(.childBornNamed, ["nickname": .text(nickname), "date": date])
        case (.child, nil): return Phrase(.childBorn, ["date": date])
        case (.pregnancy, let nickname?): return Phrase(.babyDueNamed, ["nickname": .text(nickname), "date": date])
        case (.pregnancy, nil): return Phrase(.babyDue, ["date": date])
        }
    }

    /// The opening, then one line per subscription with the command that resumes it.
    static func resumeChoices(_ subscriptions: [LifecycleSubscription], language: ReplyLanguage, opening: Phrase,
                              say: (Phrase) -> String) -> String {
        let lines = subscriptions.map { s in
            say(Phrase(.resumeChoiceLine, ["who": .phrase(childName(s)),
                                           "command": .text(resumeCommand(s, among: subscriptions, language: language))]))
        }
        return ([say(opening), ""] + lines).joined(separator: "\n")
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
