import Foundation
import KizunaContent
import KizunaCore
import KizunaMIME
import KizunaStore

/// System mail — confirmation requests, welcomes and replies — rendered from
/// `templates/system` into the same MIME shape as the daily mail, for the same spool.
extension MessageComposer {
    /// Today's message for each active subscription (the one a welcome carries and records).
    func todaysMessages(_ subscriptions: [SubscriptionRecord], schedule: Schedule, today: CivilDate) -> [(SubscriptionRecord, DueMessage)] {
        subscriptions.filter { $0.status == .active }.compactMap { s in
            guard let id = s.id else { return nil }
            let d = schedule.decide(ScheduledSubscription(id: id, track: s.track, anchor: s.anchorDate, startDate: today), on: today, recorded: [])
            return d.send.map { (s, $0) }
        }
    }

    /// What a system mail says before it is rendered: the template, its language and
    /// variables, the Reply-To a confirmation request carries, and the daily message a welcome adds.
    struct SystemMailPlan {
        var template = ""
        var language: String
        var variables: [String: String]
        var replyTo: Mailbox?
        /// Today's daily message, below the welcome.
        var appended: RenderedMail?
        /// Whether the footer tells how to stop (not on a confirmation request, a stop or a loss).
        var stopFooter = true
    }

    /// A system mail's subject and its text and HTML bodies.
    typealias SystemMailBody = (subject: String, text: String, html: String)

    /// `schedules`: each edition's; the mail asks its edition's (today's message, next mail).
    func renderSystemMail(_ request: SystemMailRequest, edition: Edition, schedules: EditionSchedules, today: CivilDate, now: Date) throws -> SystemMailContent {
        let own = composer(for: edition)
        guard own === self else { return try own.renderSystemMail(request, edition: edition, schedules: schedules, today: today, now: now) }
        let plan = try systemMailPlan(request, edition: edition, schedule: schedules.schedule(editionID: edition.id), today: today)
        let body = try systemMailBody(plan, edition: edition)
        return systemMailContent(body, replyTo: plan.replyTo, request: request, edition: edition, today: today, now: now)
    }

    /// The template and variables for the request's action.
    func systemMailPlan(_ request: SystemMailRequest, edition: Edition, schedule: Schedule, today: CivilDate) throws -> SystemMailPlan {
        let subscriber = request.subscriber
        let active = request.subscriptions.filter { $0.status == .active }
        var plan = SystemMailPlan(language: availableLanguage(subscriber.language, edition: edition), variables: [
            "nickname": active.first?.nickname ?? "",
            "support_contacts": edition.supportContacts ?? edition.address.description,
        ])
        let reach = SubscriptionReach(schedule: schedule, today: today)
        plan.variables["next_message_date"] = reach.nextMailDate(active, subscriber: subscriber).map {
            ContentCatalog.dateWords($0, language: plan.language)
        } ?? ""
        switch request.action {
        case .sendConfirmationRequest:
            plan.template = "confirm"
            // Confirmed today, the welcome carries a message due today.
            plan.variables["next_message_date"] = reach.firstMessageDate(active).map {
                ContentCatalog.dateWords($0, language: plan.language)
            } ?? ""
            addConfirmation(to: &plan, subscriberID: subscriber.id!, edition: edition, today: today)
        case .sendCommandConfirmationRequest(let command):
            plan.template = "confirm_command"
            addConfirmation(to: &plan, subscriberID: subscriber.id!, edition: edition, today: today)
            plan.variables["command"] = catalog.text(Self.describe(command), language: plan.language)
        case .sendWelcome:
            plan.template = "welcome"
            if let first = try welcomeDailyMessage(request, edition: edition, schedule: schedule, today: today, language: plan.language) {
                plan.variables["first_message_subject"] = first.subject
                plan.appended = first
            } else {
                // Nothing today: the first message is the next one, on `next_message_date`.
                plan.variables["first_message_subject"] = try nextMessageSubject(request, edition: edition, reach: reach, language: plan.language) ?? "—"
            }
        case .sendFarewell:
            // The last mail: nothing more comes, so no stop instructions.
            plan.template = "farewell"
            plan.stopFooter = false
        case .reply(let kind, let lang):
            plan.language = availableLanguage(lang.rawValue, edition: edition)
            plan.variables["next_message_date"] = reach.nextMailDate(active, subscriber: subscriber).map {
                ContentCatalog.dateWords($0, language: plan.language)
            } ?? ""
            (plan.template, plan.variables) = replyTemplate(kind, language: ReplyLanguage(code: plan.language), subscriptions: active,
                                                            variables: plan.variables, reach: reach, subscriber: subscriber)
            if case .stopped = kind { plan.stopFooter = false }
            switch kind {
            case .loss, .resumeWhich, .endedAfterLoss, .notCovered: plan.stopFooter = false
            default: break
            }
        default:
            throw JobError("not a system mail action: \(request.action)")
        }
        return plan
    }

    /// `language` when the catalog has it, else the edition's first language the catalog has.
    func availableLanguage(_ language: String, edition: Edition) -> String {
        let languages = catalog.languages
        return languages.contains(language) ? language : (edition.languages.first { languages.contains($0) } ?? language)
    }

    /// The confirmation token, and the plus-address carrying it as the Reply-To.
    func addConfirmation(to plan: inout SystemMailPlan, subscriberID: Int64, edition: Edition, today: CivilDate) {
        let own = OwnAddress.confirmation(subscriberID: subscriberID, issued: today)
        let confirm = own.address(in: edition.address, plusAddressing: edition.plusAddressing, signedWith: tokens)
        plan.variables["token"] = own.detail(signedWith: tokens)
        plan.variables["confirm_address"] = confirm.description
        plan.replyTo = Mailbox(confirm)
        plan.stopFooter = false
    }

    /// Today's daily message for the new subscriptions, which the welcome carries; nil when none is due today.
    func welcomeDailyMessage(_ request: SystemMailRequest, edition: Edition, schedule: Schedule, today: CivilDate,
                             language: String) throws -> RenderedMail? {
        let info = EditionInfo(id: edition.id, name: edition.name)
        var parts: [(stage: Stage, language: String, nickname: String?)] = []
        for (s, due) in todaysMessages(request.subscriptions, schedule: schedule, today: today) {
            guard let lang = self.language(for: due.stage, preferred: request.subscriber.language, edition: edition) else { continue }
            parts.append((due.stage, lang, s.nickname))
        }
        let locals = catalog.localInfo(editionID: edition.id, sections: parts.map { ($0.stage, $0.language) },
                                       area: request.subscriber.area, date: today)
        var sections: [(PreparedSection, nickname: String?)] = []
        for (part, local) in zip(parts, locals) {
            sections.append((try renderer.prepareSection(stage: part.stage, language: part.language, edition: info,
                                                         area: request.subscriber.area, local: local), part.nickname))
        }
        guard !sections.isEmpty else { return nil }
        return renderer.compose(sections: sections, language: language, edition: info, unsubscribeAddress: edition.address.description)
    }

    /// The subject of the first message after today of the new subscriptions, for a welcome
    /// sent on a day without one.
    func nextMessageSubject(_ request: SystemMailRequest, edition: Edition, reach: SubscriptionReach, language: String) throws -> String? {
        let upcoming = request.subscriptions.filter { $0.status == .active }.compactMap { s in
            reach.schedule.nextMessage(track: s.track, anchor: s.anchorDate, onOrAfter: reach.today.adding(days: 1)).map { (s, $0) }
        }
        guard let (s, next) = upcoming.min(by: { $0.1.date < $1.1.date }),
              let lang = self.language(for: next.stage, preferred: request.subscriber.language, edition: edition) else { return nil }
        let info = EditionInfo(id: edition.id, name: edition.name)
        let section = try renderer.prepareSection(stage: next.stage, language: lang, edition: info, area: request.subscriber.area, date: next.date)
        return renderer.compose(sections: [(section, s.nickname)], language: language, edition: info,
                                unsubscribeAddress: edition.address.description).subject
    }

    /// The plan's template rendered, with the welcome's daily message below a rule.
    func systemMailBody(_ plan: SystemMailPlan, edition: Edition) throws -> SystemMailBody {
        let mail = try renderer.renderSystem(name: plan.template, language: plan.language, edition: EditionInfo(id: edition.id, name: edition.name),
                                             variables: plan.variables, unsubscribeAddress: plan.stopFooter ? edition.address.description : nil)
        var text = mail.text, html = mail.html
        if let extra = plan.appended {
            text += "\n\n" + String(repeating: "-", count: 20) + "\n\n" + extra.text
            html += "\n<hr>\n" + extra.html
        }
        return (mail.subject, text, html)
    }

    /// The rendered mail as the spool takes it: the daily mail's MIME shape, Message-ID and VERP sender.
    func systemMailContent(_ mail: SystemMailBody, replyTo: Mailbox?, request: SystemMailRequest, edition: Edition,
                           today: CivilDate, now: Date) -> SystemMailContent {
        let id = request.deliveryID
        // The daily mail's shape (deliveries share one id space): a bounce of a reply maps to its delivery.
        let messageID = OwnMessageID.delivery(id, date: today, domain: edition.address.domain)
        let sender = OwnAddress.verp(deliveryID: id).address(in: edition.address, plusAddressing: edition.plusAddressing, signedWith: tokens)
        let message = OutgoingMessage(
            from: Mailbox(edition.address, displayName: edition.fromName), to: Mailbox(request.subscriber.address), replyTo: replyTo,
            subject: mail.subject, date: now, timeZone: timeZone(for: edition), messageID: messageID,
            // RFC 3834: our answers are automatic, so a well-behaved responder never answers them;
            // the night's check-in answers nothing, so it is generated.
            extraHeaders: [("Auto-Submitted", Self.isGenerated(request.action) ? "auto-generated" : "auto-replied")],
            textBody: mail.text, htmlBody: mail.html)
        var bytes: [UInt8] = []
        MIMEWriter.render(message, into: &bytes, boundary: MIMEWriter.makeBoundary(seed: UInt64(id)))
        return SystemMailContent(mailFrom: sender.smtpPath, messageID: messageID, subject: mail.subject, bytes: bytes)
    }

    /// System mail the night sends on its own (not in answer to a message).
    static func isGenerated(_ action: LifecycleAction) -> Bool {
        if case .reply(.overdueCheckIn, _) = action { return true }
        return false
    }

    /// A held command in the parent's words, for the request to confirm it: the phrase key and
    /// variables (the words are the catalog's phrases).
    static func describe(_ command: MailCommand) -> Phrase {
        func date(_ d: DateArgument?) -> Phrase.Value { .text(d.flatMap { try? $0.get() }?.iso ?? "") }
        switch command {
        case .subscribe(let r):
            let who: Phrase.Value = r.nickname.map { .phrase(Phrase(.nicknameAside, ["nickname": .text($0)])) } ?? .text("")
            return Phrase(r.track == .child ? .commandSubscribeChild : .commandSubscribePregnancy, ["date": date(r.date), "who": who])
        case .stop(.all): return Phrase(.commandStopAll)
        case .stop(.nickname(let name)): return Phrase(.commandStopNickname, ["name": .text(name)])
        case .pause(let until):
            if let d = try? until?.get() { return Phrase(.commandPauseUntil, ["date": .text(d.iso)]) }
            return Phrase(.commandPause)
        case .resume(nil): return Phrase(.commandResume)
        case .resume(let target?):
            let who: String
            switch target {
            case .nickname(let name): who = name
            case .date(let year, let month, let day): who = (year.map { "\($0)-" } ?? "") + "\(month)-\(day)"
            }
            return Phrase(.commandResumeFor, ["who": .text(who)])
        case .born(let d): return Phrase(.commandBorn, ["date": date(d)])
        case .due(let d): return Phrase(.commandDue, ["date": date(d)])
        case .loss(.pregnancy): return Phrase(.commandLossPregnancy)
        case .loss(.unspecified): return Phrase(.commandLoss)
        case .area(let written): return Phrase(.commandArea, ["area": .text(written)])
        case .confirm, .status, .help, .unknown: return Phrase(.commandName, ["name": .text(command.name)])
        }
    }

    /// The template and variables of a reply. Replies without a template of their own are the
    /// status message with a first line saying what happened, or the help message.
    func replyTemplate(_ kind: ReplyKind, language: ReplyLanguage, subscriptions: [SubscriptionRecord],
                       variables: [String: String], reach: SubscriptionReach, subscriber: SubscriberRecord) -> (String, [String: String]) {
        var v = variables
        func say(_ phrase: Phrase) -> String { catalog.text(phrase, language: language.rawValue) }
        func status(_ note: Phrase?) -> (String, [String: String]) {
            var lines: [String] = []
            if let note { lines.append(say(note)); lines.append("") }
            if subscriptions.isEmpty { lines.append(say(Phrase(.statusNone))) }
            for s in subscriptions {
                let who: Phrase.Value = s.nickname.map { .phrase(Phrase(.nicknameAside, ["nickname": .text($0)])) } ?? .text("")
                let next: Phrase.Value = reach.nextMailDate([s], subscriber: subscriber).map {
                    .phrase(Phrase(.statusNext, ["date": .text(ContentCatalog.dateWords($0, language: language.rawValue))]))
                } ?? .text("")
                let key: PhraseKey = s.track == .pregnancy ? .statusLinePregnancy : .statusLineChild
                lines.append(say(Phrase(key, ["date": .text(s.anchorDate.iso), "who": who, "next": next])))
            }
            v["status_lines"] = lines.joined(separator: "\n")
            return ("status", v)
        }
        switch kind {
        case .help, .notSubscribed, .confirmationForAnotherAddress, .subscribeForAnotherAddressRefused, .oneCommandPlease:
            return ("help", v)
        case .status: return status(nil)
        case .dateError(let problem):
            v["problem"] = catalog.text(problem.phrase(language: language), language: language.rawValue)
            v["example"] = catalog.text(problem.examplePhrase(language: language), language: language.rawValue)
            return ("date_error", v)
        case .loss, .resumeWhich, .endedAfterLoss: return Self.lossReply(kind, language: language, variables: v, say: say)
        case .resumedAfterLoss(let s):
            return status(Phrase(.noteResumedAfterLoss, ["who": .phrase(Self.childName(s))]))
        case .notCovered(let problem):
            v["problem"] = say(problem.phrase(language: language))
            return ("not_covered", v)
        case .stopped: return ("stopped", v)
        case .paused: return ("paused", v)
        case .resumed: return ("resumed", v)
        case .notPaused: return status(Phrase(.noteNotPaused))
        case .alreadySubscribed: return status(Phrase(.noteAlreadySubscribed))
        case .subscriptionAdded: return status(Phrase(.noteSubscriptionAdded))
        case .switchedToChild(let birth): return status(Phrase(.noteSwitchedToChild, ["date": .text(birth.iso)]))
        case .birthCorrected(let birth): return status(Phrase(.noteBirthCorrected, ["date": .text(birth.iso)]))
        case .dueCorrected(let due): return status(Phrase(.noteDueCorrected, ["date": .text(due.iso)]))
        case .overdueCheckIn(let due):
            v["due_date"] = language == .ja ? "\(due.year)年\(due.month)月\(due.day)日" : due.iso
            return ("check_in", v)
        case .surveyThanks(let id, let choice, let closesOn):
            let survey = catalog.survey(id: id)
            let text = survey?.texts[language.rawValue] ?? survey?.languages.first.flatMap { survey?.texts[$0] }
            var shown = "\(choice)"
            if let text, text.choices.indices.contains(choice - 1) {
                let words: String = text.choices[choice - 1]
                shown += language == .ja ? "（" + words + "）" : " (" + words + ")"
            }
            v["survey_choice"] = shown
            v["survey_closes_on"] = ContentCatalog.dateWords(closesOn, language: language.rawValue)
            return ("survey_thanks", v)
        case .noPregnancySubscription: return status(Phrase(.noteNoPregnancySubscription))
        case .areaChanged(let name): return status(Phrase(.noteAreaChanged, ["area": .text(name)]))
        case .areaUnknown(let written, let areas): return status(Phrase(.noteAreaUnknown, ["area": .text(written), "areas": .text(areas)]))
        }
    }
}
