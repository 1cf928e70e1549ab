/// What a loss is about, and which child a `resume` names: the two readings the care paths
/// need beyond the command word itself.
extension CommandParser {
    /// Loss words that name a pregnancy loss. The others (`亡くなり`, `天使になり`, `passed away`,
    /// `lost our baby`, `no heartbeat`) do not say whether a pregnancy or a born child was lost.
    static let pregnancyLossWords: Set<String> = [
        "流産", "死産", "稽留流産", "流れてしまい",
        "miscarriage", "miscarried", "stillbirth", "stillborn", "pregnancy loss", "lost the pregnancy",
        "lost my pregnancy", "lost our pregnancy",
    ]

    /// A pregnancy loss only when every loss word read names one: with a word that does not
    /// say which child, every child's messages must stop rather than risk one more.
    static func lossKind(_ hits: [Hit]) -> LossKind {
        hits.allSatisfy { pregnancyLossWords.contains(String($0.keyword.text)) } ? .pregnancy : .unspecified
    }

    /// Polite endings after a resume's child (`再開 ハナをお願いします`, `resume Hana please`).
    static let resumeTails = ["をお願いいたします", "をお願い致します", "をお願いします", "お願いいたします", "お願い致します",
                              "お願いします", "おねがいします", "してください", "して下さい", "ください", "下さい", "したいです",
                              "したい", "しました", "しています", "しております", "します", "して", "する", "です", "please", "pls", "plz", "thanks", "thank you"]
    /// What joins a child to a resume word before it (`ハナの配信を再開`, `ハナを再開`).
    static let resumeJoiners = ["の配信を", "の配信", "の分を", "の分の", "の分", "のメールを", "のメール", "の", "を"]
}

extension CommandParser.Reader {
    /// The child a resume line names — `再開 ハナ`, `ハナの配信を再開`, `resume Hana`,
    /// `resume 2025-03-01`, `再開 2025年3月1日` — or nil. Only a line that is the command and the
    /// child alone names one, so `明日から仕事を再開する予定です` is no resume.
    func resumeTarget(_ hit: CommandParser.Hit) -> ResumeTarget? {
        guard hit.verb == .resume else { return nil }
        let line = lines[hit.line]
        if let (_, written) = line.dates.first {
            guard residue(line).count <= CommandParser.weakResidueLimit else { return nil }
            if written.year != nil, let d = Self.calendarDate(written, today: today) {
                return .date(year: d.year, month: d.month, day: d.day)
            }
            if written.year == nil, !written.dayMonthOrderUnclear {
                return .date(year: nil, month: written.month, day: written.day)
            }
            // Not a date that exists: no child matches it, so the reply lists the choices.
            return .nickname(written.text)
        }
        let before = Self.withoutPoliteTail(String(line.chars[..<hit.range.lowerBound]))
        let after = Self.withoutPoliteTail(String(line.chars[hit.range.upperBound...]))
        var word: String
        if before.isEmpty, !after.isEmpty {
            word = after
        } else if after.isEmpty, !hit.keyword.english,
                  let joiner = CommandParser.resumeJoiners.first(where: { before.hasSuffix($0) && before.count > $0.count }) {
            word = String(before.dropLast(joiner.count))
        } else {
            return nil
        }
        word = word.trimmingBlanks()
        guard !word.isEmpty, !word.contains(where: \.isWhitespace), !CommandParser.isCommandWord(word),
              !CommandParser.enFillers.contains(word.lowercased()), !CommandParser.jaFillers.contains(word),
              let nickname = NewSubscriber.cleanNickname(word) else { return nil }
        return .nickname(nickname)
    }

    /// A written date with its year as a day of the calendar (an era year converted), whether
    /// it lies in the past (a birth) or ahead (a due date); nil when no such day exists.
    static func calendarDate(_ written: WrittenDate, today: CivilDate) -> CivilDate? {
        switch JapaneseDateParser.resolve(written, today: today, kind: .birth) {
        case .success(let d): return d
        case .failure(let problem):
            guard case .outOfRange(let range) = problem.code else { return nil }
            switch range {
            case .birthDateInFuture(let d), .birthDateTooLongAgo(let d), .dueDateTooFarAhead(let d), .dueDatePassed(let d): return d
            }
        }
    }

    /// The text without blanks, separators and polite endings at either end.
    static func withoutPoliteTail(_ text: String) -> String {
        let separators: Set<Character> = [":", "：", "=", "、", ",", "。", ".", "!", "！", "-", " ", "\t", "\u{3000}"]
        var s = Substring(text)
        var changed = true
        while changed {
            changed = false
            while let c = s.first, separators.contains(c) { s.removeFirst(); changed = true }
            while let c = s.last, separators.contains(c) { s.removeLast(); changed = true }
            for tail in CommandParser.resumeTails where s.lowercased().hasSuffix(tail) && s.count >= tail.count {
                s.removeLast(tail.count)
                changed = true
                break
            }
        }
        return String(s)
    }
}
