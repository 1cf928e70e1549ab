import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaMIME
import KizunaStore
import Logging

extension PollJob {
    /// One poll's working parts.
    struct Worker {
        let job: PollJob
        let store: Store
        let spool: Spool
        let inbound: InboundSpool
        let mailbox: InboundMailbox
        /// The edition whose own mailbox this is (its mail acts on it alone); nil: the shared mailbox.
        let mailboxEdition: String?
        let composer: MessageComposer
        /// Each edition's schedule: a family's welcome, "next mail" and coverage ask its edition's.
        let schedules: EditionSchedules
        let tokens: AddressTokens
        let today: CivilDate
        let now: Date
        /// An administrator's mail: verified, decided, recorded, carried out, answered.
        let admin: AdminMailIntake
        var logger: Logger { job.logger }
        var editions: [Edition] { job.instance.configuration.editions }
        var bounceIntake: BounceIntake { BounceIntake(store: store, tokens: tokens, logger: logger, policy: job.instance.configuration.bounces) }

        func queue(_ mail: [PendingSystemMail]) throws {
            try SystemMailQueue.queue(mail, spool: spool, ledger: store, now: now)
        }

        /// A message in `spool/inbound`: where it was in the mailbox, and its file's name.
        struct Received {
            var place: InboundPlace
            var name: String
        }

        /// What a chunk's messages left to do once their effects are committed: the commands to
        /// apply, then system mail to spool (kept in the store until then), then filing and
        /// removing the raw copies.
        struct Finished {
            struct Command {
                var received: Received
                var inbound: InboundCommand
                /// The command's name, for the log.
                var name: String
                /// The From address as read, for the ledger if the command fails.
                var from: String?
                var meta: Logger.Metadata
            }
            var commands: [Command] = []
            var mail: [PendingSystemMail] = []
            var filing: [(received: Received, handled: Bool)] = []
            /// Mail read outside its edition's mailbox: recorded, filed as failed, its raw copy removed.
            var setAside: [Received] = []
        }

        func complete(_ f: inout Finished, summary: inout PollSummary) throws {
            try applyCommands(&f, summary: &summary)
            try queue(f.mail)
            // One command per outcome for the whole chunk (fewer round trips and mailbox syncs).
            for handled in [true, false] {
                let group = f.filing.filter { $0.handled == handled }.map(\.received)
                guard !group.isEmpty else { continue }
                do { try mailbox.file(uids: group.map(\.place.uid), handled: handled) } catch {
                    logger.warning("imap: cannot file the messages", metadata: ["imap.uids": "\(group.count)", "error": "\(error)"])
                }
                if handled { for x in group { try? inbound.remove(x.name) } }
            }
            if !f.setAside.isEmpty {
                do { try mailbox.file(uids: f.setAside.map(\.place.uid), handled: false) } catch {
                    logger.warning("imap: cannot file the messages set aside", metadata: ["imap.uids": "\(f.setAside.count)", "error": "\(error)"])
                }
                for x in f.setAside { try? inbound.remove(x.name) }
            }
            f = Finished()
        }

        /// Reads a message and records what is not a command at once (unreadable, already
        /// handled, a report, an auto-reply…); a command waits in `finished` for the chunk's
        /// one transaction.
        func handle(place: InboundPlace, name: String, bytes: [UInt8], summary: inout PollSummary, finished: inout Finished) throws {
            let received = Received(place: place, name: name)
            // Its dates are read on its edition's day, as the lifecycle decides on it.
            let reading = InboundReader.read(bytes, editions: editions, dates: job.instance.dates(at: now), mailboxEdition: mailboxEdition)
            let decision = reading.decision
            let decisionJSON = decision.json()
            var meta: Logger.Metadata = ["imap.uid": "\(place.uid)", "inbound.kind": "\(decision.kind.rawValue)"]
            if let id = reading.messageID { meta["message.id"] = "\(id)" }

            guard let kind = reading.kind else {
                try keepForAPerson(received, messageID: nil, kind: nil, from: nil, decision: decisionJSON, event: .inboundUnreadable,
                                   detail: decision.reason ?? "")
                logger.error("inbound message cannot be read; kept in spool/corrupt/inbound", metadata: meta)
                summary.failed += 1
                finished.filing.append((received, false))
                return
            }

            if let existing = try store.inbound(place: place, messageID: reading.messageID), existing.status != .fetched {
                try store.advanceIMAPPosition(mailbox: place.mailbox, uidValidity: place.uidValidity, to: place.uid, at: now)
                logger.info("inbound message already handled", metadata: meta)
                summary.duplicates += 1
                finished.filing.append((received, true))
                return
            }

            // Read outside its edition's mailbox (`EditionPlace`): a parent's stop or loss report, or
            // the confirmation of one held, is honoured for the edition it was written to; the rest
            // is set aside for a person.
            if let other = reading.outsideItsMailbox {
                guard try reading.isStopOrLossReport || confirmsAHeldStopOrLoss(reading, edition: other) else {
                    try setAside(reading, written: other, received: received, kind: kind, decision: decisionJSON, meta: meta)
                    summary.ignored += 1
                    summary.setAside += 1
                    finished.setAside.append(received)
                    return
                }
                logger.notice("a stop or loss report read outside its edition's mailbox: honoured for edition \(other)", metadata: meta)
            }

            // Before any parent's command: an administrator's mail (or one that reads like it) is
            // never read as a parent's.
            if reading.isAdministrators || reading.pgp != nil {
                do {
                    switch try admin.handle(reading, place: place) {
                    case .handled(let result):
                        summary.adminMail += 1
                        switch result.outcome {
                        case .refused: summary.ignored += 1; summary.adminRefused += 1
                        case .done: summary.applied += 1
                        }
                        if let mail = result.mail { finished.mail.append(mail); summary.replies += 1 }
                        finished.filing.append((received, true))
                        return
                    case .parents:
                        break
                    case .parentsEncrypted(let text):
                        // What the parent wrote, read like any parent's mail (the file kept is the one received).
                        logger.info("a parent's mail encrypted to the instance's key: read as theirs", metadata: meta)
                        return try handle(place: place, name: name, bytes: PGPMail.opened(bytes, text: text), summary: &summary, finished: &finished)
                    }
                } catch {
                    try keepForAPerson(received, messageID: reading.messageID, kind: kind, from: decision.from, decision: decisionJSON,
                                       event: .inboundFailed, detail: "administrator's mail: \(error)")
                    logger.error("administrator's mail could not be handled; kept in spool/corrupt/inbound: \(error)", metadata: meta)
                    summary.failed += 1
                    finished.filing.append((received, false))
                    return
                }
            }

            guard kind == .command, let parsed = reading.parsed, let sender = reading.sender, let edition = reading.edition else {
                try record(reading, kind: kind, at: place, decision: decisionJSON)
                logger.info("inbound message recorded, not acted on: \(decision.reason ?? "")", metadata: meta)
                summary.ignored += 1
                finished.filing.append((received, true))
                return
            }

            let command = InboundCommand(place: place, messageID: reading.messageID, kind: .command, sender: sender, edition: edition.id,
                                         decision: decisionJSON,
                                         decide: { state in self.decide(parsed, from: sender, in: edition, reading: reading, state) })
            finished.commands.append(.init(received: received, inbound: command, name: parsed.command.name, from: decision.from, meta: meta))
        }

        /// A parent's confirmation (`.confirm(token:)`) whose token is this sender's in `edition`
        /// and whose held command there is a stop or a loss report: it counts as that stop where
        /// it is read (a stop held for its authentication is still a stop the parent asked for).
        /// A confirmation of any other held command, or with a token of another subscriber, or
        /// forged, or with nothing held, is set aside as before: it would start or change mail.
        func confirmsAHeldStopOrLoss(_ reading: InboundReading, edition: String) throws -> Bool {
            guard reading.kind == .command, !reading.isAdministrators, case .confirm(let token)? = reading.parsed?.command,
                  let sender = reading.sender else { return false }
            let today = job.instance.today(edition: edition, at: now)
            let state = try store.senderState(address: sender, edition: edition, today: today)
            guard let id = state.detail?.subscriber.id, let held = state.held?.command else { return false }
            switch held {
            case .stop, .loss: break
            default: return false
            }
            switch OwnAddress.readConfirmation(token, today: today, tokens: tokens) {
            case .valid(id), .expired(id): return true
            default: return false
            }
        }

        /// Records mail read outside its edition's mailbox as `ignored`, with why. Its Message-ID
        /// is left out of the ledger row (the event keeps it): a copy of the same mail in the
        /// edition's own mailbox is then still read there, never taken as already handled.
        private func setAside(_ reading: InboundReading, written other: String, received: Received, kind: InboundKind, decision: String,
                              meta: Logger.Metadata) throws {
            let here = mailboxEdition.map { "edition \($0)'s own mailbox" } ?? "the shared mailbox [imap]"
            let detail = "set aside: written to edition \(other), which reads its mail in its own mailbox, but read from \(here); "
                + (reading.isAdministrators || reading.pgp != nil ? "an administrator's mail is bound to an edition only in its own mailbox"
                                                                   : "not acted on (only a stop or a loss report would be)")
            try store.closeInbound(place: received.place, messageID: nil, status: .ignored, kind: kind, sender: reading.decision.from,
                                   decision: decision, event: LifecycleRecord(kind: .inbound(kind), detail: detail, messageID: reading.messageID),
                                   at: now)
            logger.warning("inbound message \(detail)", metadata: meta)
        }

        /// Records a message that is not acted on as `ignored`. Reports (and non-standard bounces
        /// that look like auto-replies) feed the bounce score first; recorded once per report,
        /// so a crash before the ledger row is harmless.
        private func record(_ reading: InboundReading, kind: InboundKind, at place: InboundPlace, decision: String) throws {
            var detail = "\(reading.decision.reason ?? "") from \(reading.decision.from ?? "?")"
            if BounceIntake.reads(kind: kind),
               let message = reading.message,
               case let r = try bounceIntake.record(message, notice: reading.notice, fallbackKey: "imap:\(place.mailbox)/\(place.uidValidity)/\(place.uid)", today: today, at: now),
               !r.decisions.isEmpty {
                detail += "; " + r.summary
            }
            try store.closeInbound(place: place, messageID: reading.messageID, status: .ignored, kind: kind,
                                   sender: reading.decision.from, decision: decision,
                                   event: LifecycleRecord(kind: .inbound(kind), detail: detail, messageID: reading.messageID),
                                   at: now)
        }

        /// Moves a message that cannot be read or applied to `spool/corrupt/inbound` for a
        /// person, and closes it as `failed` (the event says where it is kept).
        private func keepForAPerson(_ received: Received, messageID: String?, kind: InboundKind?, from: String?, decision: String,
                                    event: EventKind, detail: String) throws {
            let kept = try? inbound.moveToCorrupt(received.name)
            try store.closeInbound(place: received.place, messageID: messageID, status: .failed, kind: kind, sender: from, decision: decision,
                                   event: LifecycleRecord(kind: event, detail: "\(detail) (kept in \(kept ?? "?"))", messageID: messageID),
                                   at: now)
        }

        /// The lifecycle's actions for a command, from the sender's state inside the applying transaction.
        func decide(_ parsed: ParsedCommand, from sender: EmailAddress, in edition: Edition, reading: InboundReading,
                    _ state: SenderState) -> [LifecycleAction] {
            let lifecycleState = LifecycleState(subscriber: state.detail.map { Self.lifecycleSubscriber($0, state) },
                                                autoRepliesToday: state.autoRepliesToday, openSurvey: openSurvey(state))
            // Failures reported by the trusted server: the lifecycle holds a confirmed parent's
            // command until the parent confirms it (a new address needs its confirmation anyway).
            let failures = reading.decision.authenticationFailures.map { "\($0) at \(edition.trustedAuthservID ?? "")" }
            var parsed = parsed
            parsed.command = parsed.command.namingAreaIDs(composer.catalog.areas(editionID: edition.id))
            // The edition's day (`time_zone`): "today" in a parent's mail is the parent's today.
            let today = job.instance.today(edition: edition.id, at: now)
            var event = LifecycleEvent(parsed, from: sender, messageID: reading.messageID, tokens: tokens, today: today,
                                       authenticationFailures: failures)
            if let answer = surveyAnswer(parsed, text: reading.decision.text, subject: reading.decision.subject, survey: lifecycleState.openSurvey, failures: failures, today: today) {
                event = .surveyAnswer(answer, otherwise: parsed.command, language: parsed.language, from: sender, messageID: reading.messageID)
            }
            let limits = LifecycleLimits(autoRepliesPerDay: edition.maxAutoRepliesPerDay,
                                         defaultLanguage: ReplyLanguage(code: edition.defaultLanguage),
                                         schedule: schedules.schedule(editionID: edition.id),
                                         areas: composer.catalog.areas(editionID: edition.id))
            return Lifecycle.handle(event, state: lifecycleState, today: today, limits: limits).1
        }

        /// The applier of a poll: welcomes carry today's message; system mail is rendered for the
        /// subscriber's edition, each on its edition's day.
        var applier: CommandApplier {
            let composer = self.composer, schedules = self.schedules, today = self.today, now = self.now, editions = self.editions
            let instance = job.instance
            return CommandApplier(
                today: today, at: now,
                welcomeItems: { subs, edition, today in
                    composer.todaysMessages(subs, schedule: schedules.schedule(editionID: edition), today: today).map {
                        ItemPlan(subscriptionID: $0.0.id!, messageKey: $0.1.messageKey, scheduledDate: $0.1.date, status: .included)
                    }
                },
                render: { request in
                    guard let edition = editions.first(where: { $0.id == request.subscriber.edition }) else {
                        throw JobError("edition \(request.subscriber.edition) is not configured")
                    }
                    return try composer.renderSystemMail(request, edition: edition, schedules: schedules,
                                                         today: instance.today(edition: edition.id, at: now), now: now)
                },
                todayOf: { instance.today(edition: $0, at: now) })
        }

        /// Applies the chunk's commands in one transaction (a savepoint each).
        func applyCommands(_ f: inout Finished, summary: inout PollSummary) throws {
            guard !f.commands.isEmpty else { return }
            let commands = f.commands
            let results = try applier.apply(commands.map(\.inbound), in: store)
            var replies: [(subscriberID: Int64, messageID: String?)] = []
            for (c, result) in zip(commands, results) {
                var meta = c.meta
                switch result {
                case .success(let a):
                    if a.applied, let id = a.subscriberID { replies.append((id, c.inbound.messageID)) }
                    if a.applied {
                        summary.applied += 1
                        meta["command"] = "\(c.name)"
                        logger.info("inbound command applied", metadata: meta)
                    } else {
                        summary.duplicates += 1
                    }
                    f.mail += a.mail
                    summary.replies += a.mail.count
                    f.filing.append((c.received, true))
                case .failure(let error):
                    // This message cannot be applied (nothing of it was committed): keep it for a human, go on.
                    try keepForAPerson(c.received, messageID: c.inbound.messageID, kind: .command, from: c.from, decision: c.inbound.decision,
                                       event: .inboundFailed, detail: "\(error)")
                    logger.error("inbound message could not be applied; kept in spool/corrupt/inbound: \(error)", metadata: meta)
                    summary.failed += 1
                    f.filing.append((c.received, false))
                }
            }
            f.commands = []
            // A parent who writes to us has a working address: any bounce score is cleared.
            for id in try bounceIntake.scoring.recordReplies(replies, today: today, at: now) {
                logger.notice("bounce score cleared by the parent's mail", metadata: ["subscriber.id": "\(id)"])
            }
        }

        static func lifecycleSubscriber(_ d: SubscriberDetail, _ state: SenderState) -> LifecycleSubscriber {
            LifecycleSubscriber(
                id: d.subscriber.id, status: d.subscriber.status, pausedUntil: d.subscriber.pausedUntil,
                language: ReplyLanguage(code: d.subscriber.language),
                subscriptions: d.subscriptions.map {
                    LifecycleSubscription(id: $0.id, track: $0.track, anchor: $0.anchorDate, nickname: $0.nickname, status: $0.status,
                                          endReason: $0.endReason, birthAssumed: $0.birthAssumed)
                },
                lastConfirmationRequest: state.lastConfirmationRequest, held: state.held)
        }
    }
}

extension InboundReading {
    /// The message's kind; nil when the bytes are no message.
    var kind: InboundKind? { decision.kind.inboundKind }

    /// A parent's stop or loss report (never an administrator's mail): acted on wherever it is read.
    var isStopOrLossReport: Bool {
        guard kind == .command, !isAdministrators, let command = parsed?.command else { return false }
        switch command {
        case .stop, .loss: return true
        default: return false
        }
    }
}
