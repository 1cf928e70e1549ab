/// Reading a message for commands: its lines (plus-address, subject, body) with the keywords
/// found in each, and the decision what they ask for.
extension CommandParser {
    struct Hit {
        var verb: Verb
        var range: Range<Int>
        var keyword: Keyword
        var line: Int // index into lines
    }

    struct Line {
        var source: CommandSource
        /// Width-folded, case kept (for nicknames and addresses).
        var chars: [Character]
        /// The same, lower-cased character by character, so indices line up.
        var lower: [Character]
        var hits: [Hit] = []
        var dates: [(Range<Int>, WrittenDate)] = []
        var isCommandWindow: Bool
        /// The subject of an earlier message, quoted under `Re:`/`Fwd:`: not the sender's words.
        var isQuotedSubject = false
    }

    struct Reader {
        let today: CivilDate
        var lines: [Line] = []
        var why: [CommandEvidence] = []
        /// The subject after prefixes, even when it is not read for commands (for the language only).
        var subjectText = ""

        init(today: CivilDate) { self.today = today }

        mutating func read(subject rawSubject: String, body: String, plusDetail: String?, replyTo: ReplyToOurMail?) -> ParsedCommand {
            // The plus address.
            var token: String?
            var unsubscribeToken: String?
            if let plus = plusDetail.map({ MailText.fold($0).trimmingBlanks().lowercased() }), !plus.isEmpty {
                switch OwnAddress.kind(ofDetail: plus) {
                case .confirmation:
                    token = OwnAddress.findConfirmation(in: plus) ?? plus
                    why.append(CommandEvidence(source: .plusAddress, matched: plus, meaning: "confirmation token"))
                case .unsubscribe:
                    unsubscribeToken = plus
                    why.append(CommandEvidence(source: .plusAddress, matched: plus, meaning: "unsubscribe address: stop"))
                case .verp, nil:
                    break
                }
            }

            // The subject.
            let subject = CommandParser.readSubject(String(rawSubject.prefix(maxLineLength * 2)))
            self.subjectText = subject.text
            // A token in a quoted subject counts: replying to our confirmation request is how one confirms.
            if token == nil, let t = OwnAddress.findConfirmation(in: subject.text) {
                token = t
                why.append(CommandEvidence(source: .subject, matched: t, meaning: "confirmation token"))
            }
            if let replyTo {
                why.append(CommandEvidence(source: .header(replyTo.header.rawValue), matched: replyTo.messageID,
                                           meaning: "a reply to our mail: no command in the new text is chatter, not answered"))
            }
            if subject.isOurs {
                why.append(CommandEvidence(source: .subject, matched: subject.text, meaning: "ignored: a reply to one of our messages"))
            } else if subject.isQuoted, replyTo != nil {
                why.append(CommandEvidence(source: .subject, matched: subject.text, meaning: "ignored: our mail's subject, quoted in a reply to it"))
            } else if !subject.text.isEmpty {
                addLine(subject.text, source: .subject, window: true)
                lines[lines.count - 1].isQuotedSubject = subject.isQuoted
            }

            // The body: the command window, then further new lines for loss words only.
            var nonEmpty = 0
            var quotedNoted = false
            for rawLine in body.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                if nonEmpty >= maxLossLines { break }
                let folded = MailText.fold(String(rawLine.prefix(maxLineLength))).trimmingBlanks()
                if folded.isEmpty { continue }
                if folded == "--" || rawLine.hasPrefix("-- ") || rawLine == "--" { break }
                if CommandParser.startsQuotedMessage(folded) {
                    why.append(CommandEvidence(source: .body(line: nonEmpty + 1), matched: folded, meaning: "stop reading: quoted message follows"))
                    break
                }
                if folded.hasPrefix(">") || folded.hasPrefix("|") {
                    if !quotedNoted {
                        why.append(CommandEvidence(source: .body(line: nonEmpty + 1), matched: folded, meaning: "ignored: quoted"))
                        quotedNoted = true
                    }
                    continue
                }
                nonEmpty += 1
                if token == nil, nonEmpty <= maxBodyLines, let t = OwnAddress.findConfirmation(in: folded) {
                    token = t
                    why.append(CommandEvidence(source: .body(line: nonEmpty), matched: t, meaning: "confirmation token"))
                }
                addLine(folded, source: .body(line: nonEmpty), window: nonEmpty <= maxBodyLines)
            }

            return decide(token: token, unsubscribeToken: unsubscribeToken, replyToOurs: subject.isOurs || replyTo != nil,
                          hadText: !rawSubject.trimmingBlanks().isEmpty || nonEmpty > 0)
        }

        mutating func addLine(_ text: String, source: CommandSource, window: Bool) {
            let chars = Array(text)
            let lower = chars.map { c -> Character in
                let l = c.lowercased()
                return l.count == 1 ? Character(l) : c
            }
            var line = Line(source: source, chars: chars, lower: lower, isCommandWindow: window)
            let index = lines.count
            // Keywords, longest first, English ones on word boundaries.
            var i = 0
            while i < lower.count {
                var found: Keyword?
                if let candidates = CommandParser.keywords[lower[i]] {
                    for k in candidates where CommandParser.matches(k, lower, at: i) { found = k; break }
                }
                if let k = found {
                    line.hits.append(Hit(verb: k.verb, range: i..<(i + k.text.count), keyword: k, line: index))
                    i += k.text.count
                } else {
                    i += 1
                }
            }
            // Dates, outside keywords.
            var from = 0
            while let (range, written) = JapaneseDateParser.scan(line.chars, from: from) {
                if !line.hits.contains(where: { $0.range.overlaps(range) && $0.verb != .neutral }) {
                    line.dates.append((range, written))
                }
                from = range.upperBound
            }
            lines.append(line)
        }

        /// The first stop that counts in the new text below the command window, read as the
        /// window reads it.
        func stopBelowCommandWindow() -> Hit? {
            for line in lines where !line.isCommandWindow && !line.isQuotedSubject {
                if let hit = line.hits.first(where: { $0.verb == .stop && counts($0) }) { return hit }
            }
            return nil
        }

        /// Whether a hit counts, by its strength and the rest of its line.
        func counts(_ hit: Hit) -> Bool {
            let line = lines[hit.line]
            switch hit.keyword.strength {
            case .strong: return true
            case .lineStart:
                return line.hits.first.map { $0.range == hit.range } == true && hit.range.lowerBound == 0
            case .needsBaby:
                let sentence = sentenceText(line, around: hit.range)
                return CommandParser.babyWords.contains { sentence.contains($0) }
            case .weak:
                return residue(line).count <= CommandParser.weakResidueLimit
            case .weakUnlessDated:
                return !line.dates.isEmpty || residue(line).count <= CommandParser.weakResidueLimit
            }
        }

        /// The line without keywords, dates, polite filler, punctuation and blanks.
        func residue(_ line: Line) -> String {
            var keep = [Bool](repeating: true, count: line.lower.count)
            for h in line.hits { for k in h.range { keep[k] = false } }
            for (r, _) in line.dates { for k in r { keep[k] = false } }
            var text = String(zip(line.lower, keep).compactMap { $1 ? $0 : nil })
            for f in CommandParser.jaFillers { text = text.replacingAll(f, with: " ") }
            let words = text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "'") })
            return words.filter { !CommandParser.enFillers.contains(String($0)) }.joined()
        }

        func sentenceText(_ line: Line, around range: Range<Int>) -> String {
            let stops: Set<Character> = ["。", "!", ".", "\n"]
            var start = range.lowerBound
            while start > 0, !stops.contains(line.lower[start - 1]) { start -= 1 }
            var end = range.upperBound
            while end < line.lower.count, !stops.contains(line.lower[end]) { end += 1 }
            if end < line.lower.count { end += 1 }
            return String(line.lower[start..<end])
        }

        func isHedged(_ hit: Hit) -> Bool {
            let sentence = sentenceText(lines[hit.line], around: hit.range)
            if CommandParser.hedgeJa.contains(where: { sentence.contains($0) }) { return true }
            let words = sentence.split(whereSeparator: { !($0.isLetter || $0 == "'") }).map(String.init)
            return words.contains { CommandParser.hedgeEn.contains($0) || $0.hasSuffix("n't") }
        }

        mutating func decide(token: String?, unsubscribeToken: String?, replyToOurs: Bool, hadText: Bool) -> ParsedCommand {
            // Loss first: anywhere in the new text.
            var lossHits: [Hit] = []
            for line in lines {
                for hit in line.hits where hit.verb == .loss && counts(hit) {
                    if line.isQuotedSubject {
                        why.append(evidence(hit, "ignored: loss word in a quoted subject (Re:/Fwd:), not the sender's words"))
                    } else if isHedged(hit) {
                        why.append(evidence(hit, "ignored: loss word with a negation, question, worry or another person"))
                    } else {
                        lossHits.append(hit)
                    }
                }
            }
            if let hit = lossHits.first {
                let kind = CommandParser.lossKind(lossHits)
                why.append(evidence(hit, "loss (\(kind.rawValue))"))
                return ParsedCommand(command: .loss(kind), language: language(of: hit), why: why, unsubscribeToken: unsubscribeToken)
            }

            // The command window.
            var counted: [Hit] = []
            var quoted: [Hit] = []
            for line in lines where line.isCommandWindow {
                for hit in line.hits where hit.verb != .loss {
                    if hit.verb == .neutral {
                        why.append(evidence(hit, "ignored: not a command here"))
                    } else if !counts(hit) && resumeTarget(hit) == nil {
                        why.append(evidence(hit, "ignored: \(hit.verb.rawValue) word inside a longer sentence"))
                    } else if line.isQuotedSubject {
                        quoted.append(hit)
                    } else {
                        counted.append(hit)
                    }
                }
            }
            let fieldVerbs: Set<Verb> = [.name, .lang, .area, .languageEn, .languageJa]
            var commands = counted.filter { !fieldVerbs.contains($0.verb) }
            // Chatter is not answered, so a stop further down its new text must not go unseen.
            if commands.isEmpty, replyToOurs, let stop = stopBelowCommandWindow() {
                why.append(evidence(stop, "stop (below the first lines of a reply to our mail: when unsure, stop)"))
                commands = [stop]
            }
            for hit in commands { why.append(evidence(hit, hit.verb.rawValue)) }
            // A quoted subject's words are the earlier message's (usually ours), never the sender's
            // command — except a stop when the new text asks for nothing: a parent who replies to
            // their own `stop` mail, or to ours, with no word of their own still wants it to stop.
            let quotedStop = commands.isEmpty ? quoted.first { $0.verb == .stop } : nil
            for hit in quoted {
                if let stop = quotedStop, hit.range == stop.range {
                    why.append(evidence(hit, "stop (in a quoted subject, and the new text has no command: when unsure, stop)"))
                    commands = [hit]
                } else {
                    why.append(evidence(hit, "ignored: \(hit.verb.rawValue) word in a quoted subject (Re:/Fwd:), not the sender's words"))
                }
            }

            if unsubscribeToken != nil {
                return ParsedCommand(command: .stop(.all), language: language(of: commands.first), why: why, unsubscribeToken: unsubscribeToken)
            }

            var kinds = Set(commands.map(\.verb))
            let hasSubscribe = kinds.contains(.subscribe)
            if hasSubscribe {
                kinds.subtract([.dueWord, .birthWord, .bornWord])
            } else {
                if kinds.contains(.birthWord) { kinds.remove(.birthWord); kinds.insert(.bornWord) }
                if kinds.contains(.bornWord) { kinds.remove(.dueWord) }
            }
            if let token {
                if kinds.isSubset(of: [.subscribe, .confirm, .help]) {
                    return ParsedCommand(command: .confirm(token: token), language: language(of: commands.first), why: why)
                }
                kinds.subtract([.confirm, .subscribe])
            } else if kinds.contains(.confirm) {
                kinds.remove(.confirm)
                why.append(CommandEvidence(source: commands.first { $0.verb == .confirm }.map { lines[$0.line].source } ?? .subject,
                                           matched: "confirm", meaning: "ignored: no confirmation token"))
            }
            if kinds.count > 1 { kinds.remove(.help) }
            if kinds.count > 1, kinds.contains(.stop), let stop = commands.first(where: { $0.verb == .stop }) {
                // A stop honoured wrongly is mended by subscribing again; one ignored breaks the law
                // on specified e-mail and the parent's trust.
                let others = kinds.subtracting([.stop]).map { CommandParser.commandName($0) }.sorted()
                why.append(evidence(stop, "stop wins over \(others.joined(separator: ", ")) (conflicting commands: when unsure, stop)"))
                kinds = [.stop]
            }
            commands = commands.filter { kinds.contains($0.verb) || (hasSubscribe && [.dueWord, .birthWord, .bornWord].contains($0.verb)) }
            let lang = explicitLanguage(counted) ?? language(of: commands.first)

            guard kinds.count <= 1 else {
                let names = kinds.map { CommandParser.commandName($0) }.sorted()
                return ParsedCommand(command: .unknown(.conflicting(names)), language: lang, why: why)
            }
            guard let verb = kinds.first else {
                // Only when nothing else is asked: an area never beats stop, loss or any command.
                if let (hit, area) = areaCommand(counted) {
                    why.append(evidence(hit, "area \(area)"))
                    return ParsedCommand(command: .area(area), language: lang ?? language(of: hit), why: why)
                }
                let reason: UnknownReason = replyToOurs ? .replyToDailyMessage : (!hadText ? .empty : .noCommand)
                return ParsedCommand(command: .unknown(reason), language: lang ?? scriptLanguage(), why: why)
            }
            let command: MailCommand
            switch verb {
            case .subscribe: command = .subscribe(subscribeRequest(commands, counted))
            case .dueWord: command = .due(date(near: commands.first { $0.verb == .dueWord }, kind: .due))
            case .bornWord, .birthWord: command = .born(date(near: commands.first { $0.verb == .bornWord || $0.verb == .birthWord }, kind: .birth))
            case .stop: command = .stop(stopScope(commands.first { $0.verb == .stop }!, counted))
            case .pause:
                let hit = commands.first { $0.verb == .pause }!
                command = .pause(until: findDate(near: hit).map { JapaneseDateParser.resolve($0, today: today, kind: .pauseEnd) })
            case .resume: command = .resume(resumeTarget(commands.first { $0.verb == .resume }!))
            case .status: command = .status
            case .help: command = .help
            default: command = .unknown(.noCommand)
            }
            return ParsedCommand(command: command, language: lang ?? scriptLanguage(), why: why)
        }
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
