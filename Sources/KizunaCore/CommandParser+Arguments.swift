/// A command's arguments and evidence: its language, fields (`nickname:`), dates, the
/// subscribe request and the scope of a stop.
extension CommandParser.Reader {
    func evidence(_ hit: CommandParser.Hit, _ meaning: String) -> CommandEvidence {
        CommandEvidence(source: lines[hit.line].source, matched: String(lines[hit.line].chars[hit.range]), meaning: meaning)
    }

    func language(of hit: CommandParser.Hit?) -> ReplyLanguage? {
        guard let hit else { return scriptLanguage() }
        return hit.keyword.english ? .en : .ja
    }

    /// Japanese when the text read has kana or kanji, English when it has Latin letters;
    /// when nothing was read, the subject (our own, being replied to) decides.
    func scriptLanguage() -> ReplyLanguage? {
        var sawLatin = false
        var texts = lines.filter(\.isCommandWindow).map(\.chars)
        if texts.isEmpty { texts = [Array(subjectText)] }
        for chars in texts {
            for c in chars {
                for s in c.unicodeScalars {
                    switch s.value {
                    case 0x3040...0x30FF, 0x4E00...0x9FFF, 0x3400...0x4DBF: return .ja
                    case 0x41...0x5A, 0x61...0x7A: sawLatin = true
                    default: break
                    }
                }
            }
        }
        return sawLatin ? .en : nil
    }

    func explicitLanguage(_ hits: [CommandParser.Hit]) -> ReplyLanguage? {
        for hit in hits {
            switch hit.verb {
            case .languageEn: return .en
            case .languageJa: return .ja
            case .lang:
                let value = fieldValue(hit).lowercased()
                if value.hasPrefix("en") || value.hasPrefix("英") { return .en }
                if value.hasPrefix("ja") || value.hasPrefix("jp") || value.hasPrefix("日本") { return .ja }
            default: continue
            }
        }
        return nil
    }

    /// The text after a field keyword up to the next keyword or date, without separators.
    func fieldValue(_ hit: CommandParser.Hit) -> String {
        let line = lines[hit.line]
        var end = line.chars.count
        for h in line.hits where h.range.lowerBound >= hit.range.upperBound { end = min(end, h.range.lowerBound) }
        for (r, _) in line.dates where r.lowerBound >= hit.range.upperBound { end = min(end, r.lowerBound) }
        var value = String(line.chars[hit.range.upperBound..<end])
        value = value.trimmingBlanks()
        while let f = value.first, ":=：-、,".contains(f) { value.removeFirst(); value = value.trimmingBlanks() }
        // `名前は はなこ`; but `名前：はなこ` keeps the は of the name.
        if value.hasPrefix("は "), value.count > 2 { value.removeFirst(); value = value.trimmingBlanks() }
        for suffix in ["でお願いします", "です", "で", "、", ",", "。", "."] where value.hasSuffix(suffix) {
            value.removeLast(suffix.count)
            value = value.trimmingBlanks()
        }
        return value
    }

    /// `地域 北区`, `area kita`: an area word first on its line, the area after it and no other
    /// command word there; an area word inside a sentence is not a command.
    func areaCommand(_ counted: [CommandParser.Hit]) -> (CommandParser.Hit, String)? {
        for hit in counted where hit.verb == .area && hit.range.lowerBound == 0 && lines[hit.line].hits.count == 1 {
            let value = fieldValue(hit)
            if !value.isEmpty && value.count <= 40 { return (hit, value) }
        }
        return nil
    }

    func field(_ verb: CommandParser.Verb, _ hits: [CommandParser.Hit]) -> String? {
        for hit in hits where hit.verb == verb {
            let v = fieldValue(hit)
            if !v.isEmpty { return v }
        }
        return nil
    }

    /// A date on the hit's line, else the first date in the command window.
    func findDate(near hit: CommandParser.Hit?) -> WrittenDate? {
        if let hit, let d = lines[hit.line].dates.first { return d.1 }
        for line in lines where line.isCommandWindow { if let d = line.dates.first { return d.1 } }
        return nil
    }

    mutating func date(near hit: CommandParser.Hit?, kind: DateKind) -> DateArgument {
        guard let written = findDate(near: hit) else {
            return .failure(DateParseProblem(code: .missing, text: "", kind: kind, today: today))
        }
        why.append(CommandEvidence(source: hit.map { lines[$0.line].source } ?? .subject, matched: written.text, meaning: "date (\(kind.rawValue))"))
        return JapaneseDateParser.resolve(written, today: today, kind: kind)
    }

    mutating func subscribeRequest(_ commands: [CommandParser.Hit], _ counted: [CommandParser.Hit]) -> SubscribeRequest {
        let birthHit = commands.first { $0.verb == .birthWord || $0.verb == .bornWord }
        let dueHit = commands.first { $0.verb == .dueWord }
        let track: Track?
        let dateArgument: DateArgument
        if let hit = birthHit ?? dueHit {
            let kind: DateKind = birthHit != nil ? .birth : .due
            track = birthHit != nil ? .child : .pregnancy
            dateArgument = date(near: hit, kind: kind)
        } else if let written = findDate(near: commands.first) {
            // No due or birth word: a full date after today is a due date, else a birth date.
            if written.year != nil, case .success(let raw) = JapaneseDateParser.resolve(written, today: today, kind: .due)
                .flatMapError({ _ in JapaneseDateParser.resolve(written, today: today, kind: .birth) }) {
                let kind: DateKind = raw > today ? .due : .birth
                track = kind == .due ? .pregnancy : .child
                why.append(CommandEvidence(source: .subject, matched: written.text, meaning: "date (\(kind.rawValue), by its being \(kind == .due ? "after" : "not after") today)"))
                dateArgument = JapaneseDateParser.resolve(written, today: today, kind: kind)
            } else if written.year != nil {
                track = nil
                // Impossible either way: report it as a due date (the usual first subscription).
                dateArgument = JapaneseDateParser.resolve(written, today: today, kind: .due)
            } else {
                track = nil
                dateArgument = .failure(DateParseProblem(code: .unclearWhetherDueOrBirth, text: written.text, kind: .due, today: today))
            }
        } else {
            track = nil
            dateArgument = .failure(DateParseProblem(code: .missing, text: "", kind: .due, today: today))
        }
        let nickname = NewSubscriber.cleanNickname(field(.name, counted))
        if let nickname { why.append(CommandEvidence(source: .subject, matched: nickname, meaning: "nickname")) }
        let area = field(.area, counted)
        if let area { why.append(CommandEvidence(source: .subject, matched: area, meaning: "area")) }
        return SubscribeRequest(track: track, date: dateArgument, nickname: nickname, language: explicitLanguage(counted),
                                area: area, mentionedAddresses: mentionedAddresses())
    }

    func mentionedAddresses() -> [EmailAddress] {
        var out: [EmailAddress] = []
        for line in lines where line.isCommandWindow {
            let words = String(line.chars).split(whereSeparator: { " \t<>()[]「」『』\"',;:、。".contains($0) })
            for w in words where w.contains("@") {
                if let a = try? EmailAddress(parsing: w), !out.contains(a) { out.append(a) }
            }
        }
        return out
    }

    mutating func stopScope(_ hit: CommandParser.Hit, _ counted: [CommandParser.Hit]) -> StopScope {
        if let name = NewSubscriber.cleanNickname(field(.name, counted)) {
            why.append(evidence(hit, "stop for nickname \(name)"))
            return .nickname(name)
        }
        let line = lines[hit.line]
        var candidate: String?
        if hit.keyword.english {
            // `stop Hana`: the next word, unless it is filler.
            let rest = String(line.chars[hit.range.upperBound...])
            // A name is capitalised or not in Latin letters (`stop Hana`, `stop はな`); `stop now` is not one.
            if let word = rest.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }).first,
               let first = word.first, first.isUppercase || !first.isASCII,
               !CommandParser.enFillers.contains(word.lowercased()), !CommandParser.isCommandWord(String(word)) {
                candidate = String(word)
            }
        } else {
            // `はなこの配信停止`, `たろうの分を停止`: a word joined to the keyword by の.
            var before = String(line.chars[..<hit.range.lowerBound]).trimmingBlanks()
            var joined = false
            for suffix in ["の配信を", "の配信", "の分を", "の分の", "の分", "のメールを", "のメール", "の"] where before.hasSuffix(suffix) {
                before.removeLast(suffix.count)
                joined = true
                break
            }
            let word = !joined ? "" : before.split(whereSeparator: { " \t、。,.!！?？「」".contains($0) }).last.map(String.init) ?? ""
            if !word.isEmpty, !CommandParser.jaFillers.contains(word), !CommandParser.isCommandWord(word),
               !["全部", "すべて", "全て", "メール", "配信", "登録", "購読", "毎日", "今日", "もう", "すぐ", "至急", "こ", "そ", "あ", "ど"].contains(word) {
                candidate = word
            }
        }
        if let name = NewSubscriber.cleanNickname(candidate) {
            why.append(evidence(hit, "stop for nickname \(name) (all, if no subscription has it)"))
            return .nickname(name)
        }
        return .all
    }
}
