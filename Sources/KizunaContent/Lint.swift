import KizunaCore

/// How much a lint finding matters.
public enum LintSeverity: String, Sendable, Comparable {
    case warning
    case error
    public static func < (a: LintSeverity, b: LintSeverity) -> Bool { a == .warning && b == .error }
}

/// A problem in content that loads but should not go out as it is.
public struct LintFinding: Sendable, Equatable, CustomStringConvertible {
    public let severity: LintSeverity
    /// Path relative to the templates directory.
    public let path: String
    public let message: String
    public var description: String { "\(severity.rawValue): \(path): \(message)" }
}

extension ContentCatalog {
    /// The longest subject that shows whole on most phones.
    public static let subjectLimit = 60

    /// Checks the catalog for content that is not ready. In production mode unreviewed or
    /// sample content is an error; otherwise a warning.
    public func lint(production: Bool) -> [LintFinding] {
        let contentLanguages = languages.filter { !(messages[$0] ?? [:]).isEmpty }
        return unreadyTextFindings(production: production)
            + missingLanguageFindings(contentLanguages: contentLanguages)
            + pregnancyGapFindings(contentLanguages: contentLanguages)
            + localInfoFindings()
    }

    /// Sample or unreviewed messages, reviews without a reviewer or date, and long subjects.
    private func unreadyTextFindings(production: Bool) -> [LintFinding] {
        var findings: [LintFinding] = []
        let reviewSeverity: LintSeverity = production ? .error : .warning

        func checkReview(path: String, sample: Bool, review: ReviewInfo) {
            if sample {
                findings.append(LintFinding(severity: reviewSeverity, path: path, message: "sample text (sample = true), not for families"))
            }
            switch review.status {
            case .unreviewed:
                findings.append(LintFinding(severity: reviewSeverity, path: path, message: "not reviewed (review.status = \"unreviewed\")"))
            case .reviewed:
                if review.reviewer.trimmingSpaces.isEmpty || review.reviewedOn == nil {
                    findings.append(LintFinding(severity: .error, path: path, message: "marked reviewed but review.reviewer or review.reviewed_on is empty"))
                }
            }
        }
        func checkSubject(path: String, subject: String) {
            if subject.count > Self.subjectLimit {
                findings.append(LintFinding(severity: .warning, path: path, message: "subject is \(subject.count) characters, over \(Self.subjectLimit)"))
            }
        }

        for language in languages {
            for message in messages(language: language) {
                checkReview(path: message.path, sample: message.sample, review: message.review)
                checkSubject(path: message.path, subject: message.subject)
            }
            for name in (systemMessages[language] ?? [:]).keys.sorted() {
                let message = systemMessages[language]![name]!
                checkReview(path: message.path, sample: message.sample, review: message.review)
                checkSubject(path: message.path, subject: message.subject)
            }
        }
        return findings
    }

    /// A stage or system message in one language but not another.
    private func missingLanguageFindings(contentLanguages: [String]) -> [LintFinding] {
        var findings: [LintFinding] = []
        for track in Track.allCases {
            for stage in stages(track: track) {
                let present = contentLanguages.filter { messages[$0]?[stage] != nil }
                let absent = contentLanguages.filter { messages[$0]?[stage] == nil }
                guard !absent.isEmpty, let witness = present.first.flatMap({ messages[$0]?[stage] }) else { continue }
                findings.append(LintFinding(severity: .warning, path: witness.path,
                                            message: "\(stage.messageKey) has no message in \(absent.joined(separator: ", "))"))
            }
        }
        let languages = self.languages
        for name in systemMessageNames {
            let absent = languages.filter { systemMessages[$0]?[name] == nil }
            guard !absent.isEmpty, let witness = languages.lazy.compactMap({ self.systemMessages[$0]?[name] }).first else { continue }
            findings.append(LintFinding(severity: .error, path: witness.path,
                                        message: "system message \(name) is missing in \(absent.joined(separator: ", "))"))
        }
        return findings
    }

    /// Daily pregnancy messages from week 4 to 41: flag weeks with none.
    private func pregnancyGapFindings(contentLanguages: [String]) -> [LintFinding] {
        var findings: [LintFinding] = []
        for language in contentLanguages {
            let weeks = Set((messages[language] ?? [:]).keys.compactMap { stage -> Int? in
                if case .gestationalDay(let d) = stage { return d / 7 }
                return nil
            })
            guard !weeks.isEmpty else { continue }
            var run: [Int] = []
            func flush() {
                guard let first = run.first, let last = run.last else { return }
                let span = first == last ? "week \(first)" : "weeks \(first)–\(last)"
                findings.append(LintFinding(severity: .warning, path: "messages/\(language)/pregnancy",
                                            message: "no pregnancy message in \(span) (the cadence is daily from week 4 to 41)"))
                run = []
            }
            for week in 4...41 {
                if weeks.contains(week) { flush() } else { run.append(week) }
            }
            flush()
        }
        return findings
    }

    /// Local info whose stage range does not parse or does not fit its track, or whose
    /// language has no messages.
    private func localInfoFindings() -> [LintFinding] {
        var findings: [LintFinding] = []
        let languages = self.languages
        for editionID in localEditionIDs {
            for info in localInfo(editionID: editionID) {
                let at = info.line.map { " (line \($0))" } ?? ""
                for (name, key, stage) in [("from", info.fromKey, info.from), ("until", info.untilKey, info.until)] {
                    if stage == nil {
                        findings.append(LintFinding(severity: .error, path: info.path,
                                                    message: "\(name) = \"\(key)\"\(at) is not a message key like pregnancy/d0140, child/d0100, child/m04 or child/y01"))
                    } else if stage!.track != info.track {
                        findings.append(LintFinding(severity: .error, path: info.path,
                                                    message: "\(name) = \"\(key)\"\(at) is not on track \(info.track.rawValue)"))
                    }
                }
                if let from = info.from, let until = info.until, from.track == until.track, StageOrder.precedes(until, from) {
                    findings.append(LintFinding(severity: .error, path: info.path, message: "until = \"\(info.untilKey)\" comes before from = \"\(info.fromKey)\"\(at)"))
                }
                if !languages.contains(info.language) || (messages[info.language] ?? [:]).isEmpty {
                    findings.append(LintFinding(severity: .warning, path: info.path, message: "language \(info.language)\(at) has no messages"))
                }
            }
        }
        return findings
    }
}
