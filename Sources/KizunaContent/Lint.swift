import KizunaCore

/// How much a lint finding matters.
public enum LintSeverity: String, Sendable, Comparable {
    case warning
    case error
    public static func < (a: LintSeverity, b: LintSeverity) -> Bool { a == .warning && b == .error }
}

/// A problem in content that loads but should not go out as it is.
public struct LintFinding: Sendable, Hashable, CustomStringConvertible {
    public let severity: LintSeverity
    /// Path relative to the templates directory.
    public let path: String
    public let message: String
    public init(severity: LintSeverity, path: String, message: String) {
        self.severity = severity; self.path = path; self.message = message
    }
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
            + phraseFindings()
            + overlayFindings()
    }

    /// What is wrong with each edition's view (the shared catalog with its overlay) that is not
    /// wrong with the shared catalog already: a system message or phrase its language lacks, a
    /// stage in one language only, a long subject in an overlay file. Named with the edition.
    private func overlayFindings() -> [LintFinding] {
        let shared = Set(missingLanguageFindings(contentLanguages: languages.filter { !(messages[$0] ?? [:]).isEmpty }) + phraseFindings())
        var findings: [LintFinding] = []
        for editionID in overlayEditionIDs {
            let view = view(editionID: editionID)
            let own = Self.texts(messages: overlays[editionID]!.messages, system: overlays[editionID]!.systemMessages, phrases: [:], layouts: [:])
            let ownPaths = Set(own.map(\.path))
            let subjects = view.languages.flatMap { language in
                view.messages(language: language).map { ($0.path, $0.subject) } + (view.systemMessages[language] ?? [:]).values.map { ($0.path, $0.subject) }
            }.filter { ownPaths.contains($0.0) }.sorted { $0.0 < $1.0 }
            let long = subjects.filter { $0.1.count > Self.subjectLimit }.map {
                LintFinding(severity: .warning, path: $0.0, message: "subject is \($0.1.count) characters, over \(Self.subjectLimit)")
            }
            let candidates = view.missingLanguageFindings(contentLanguages: view.languages.filter { !(view.messages[$0] ?? [:]).isEmpty })
                + view.phraseFindings()
            findings += long + candidates.filter { !shared.contains($0) }.map {
                LintFinding(severity: $0.severity, path: $0.path, message: "edition \(editionID): \($0.message)")
            }
        }
        return findings
    }

    /// Sample text, and texts that are not reviewed (no record, an incomplete record, or a text
    /// changed since its review): errors in production, else warnings. A record marked reviewed
    /// without a reviewer or a date is an error either way.
    public static func reviewFindings(_ texts: [ReviewableText], production: Bool) -> [LintFinding] {
        let severity: LintSeverity = production ? .error : .warning
        var findings: [LintFinding] = []
        for text in texts {
            let label = text.label.isEmpty ? "" : "\(text.label): "
            if text.sample {
                findings.append(LintFinding(severity: severity, path: text.path, message: "\(label)sample text (sample = true), not for families"))
            }
            let verdict = text.review.verdict(fingerprint: text.fingerprint, sample: false)
            guard let problem = verdict.problem else { continue }
            var level = severity
            if case .incomplete(let missing) = verdict, missing.contains("reviewer") || missing.contains("reviewed_on") { level = .error }
            findings.append(LintFinding(severity: level, path: text.path, message: label + problem))
        }
        return findings
    }

    /// Sample or unreviewed texts, and long subjects.
    private func unreadyTextFindings(production: Bool) -> [LintFinding] {
        var findings = Self.reviewFindings(reviewableTexts, production: production)
        for language in languages {
            let subjects = messages(language: language).map { ($0.path, $0.subject) }
                + (systemMessages[language] ?? [:]).values.sorted { $0.path < $1.path }.map { ($0.path, $0.subject) }
            for (path, subject) in subjects where subject.count > Self.subjectLimit {
                findings.append(LintFinding(severity: .warning, path: path, message: "subject is \(subject.count) characters, over \(Self.subjectLimit)"))
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
