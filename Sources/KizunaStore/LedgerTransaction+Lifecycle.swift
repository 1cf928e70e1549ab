import Foundation
import GRDB
import KizunaCore

extension LedgerTransaction {
    /// Writes what one of the lifecycle's actions changes in the ledger, for `sender` (whose
    /// subscriber a `createPending` may create). The actions that ask for mail write nothing
    /// here: the caller plans that mail with `planSystemMail` once all actions are carried out.
    public func carryOut(_ action: LifecycleAction, for sender: inout CommandSender, today: CivilDate, at: Date) throws {
        let now = Timestamp.string(from: at)
        switch action {
        case .createPending(let p):
            try createPending(p, for: &sender, today: today, now: now, at: at)
        case .holdCommand(let held):
            guard let id = sender.subscriberID, let form = held.command.heldForm else { return }
            try db.execute(sql: """
                INSERT INTO held_commands (subscriber_id, command, held_on, message_id, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (subscriber_id) DO UPDATE SET command = excluded.command, held_on = excluded.held_on,
                    message_id = excluded.message_id, created_at = excluded.created_at
                """, arguments: [id, form, held.day.iso, held.messageID, now])
        case .releaseHeldCommand:
            try db.execute(sql: "DELETE FROM held_commands WHERE subscriber_id = ?", arguments: [sender.subscriberID])
        case .activate:
            guard let id = sender.subscriberID else { return }
            try activate(id, today: today, now: now)
            try recordEvent(.status, "pending -> active: confirmed by reply (consent)", for: sender, at: at)
        case .addSubscription(let p):
            guard let id = sender.subscriberID else { return }
            try insertSubscription(id, p.track, p.anchor, p.nickname, today: today, now: now)
            try recordEvent(.subscribed, "\(p.track.rawValue) \(p.anchor.iso) by email", for: sender, subscription: db.lastInsertedRowID, at: at)
        case .stop(.all):
            guard let id = sender.subscriberID else { return }
            _ = try Store.stop(db, id: id, reason: "stop by email", at: at, messageID: sender.messageID)
        case .stop(.subscription(let sid)):
            try setSubscription(sid, of: sender, to: .stopped, now: now)
            try Store.cancelDaily(db, subscriptionID: sid, now: now)
            try recordEvent(.subscription, "active -> stopped: stop by email", for: sender, subscription: sid, at: at)
        case .pause(let until):
            guard let id = sender.subscriberID else { return }
            try db.execute(sql: "UPDATE subscribers SET status = 'paused', paused_until = ?, updated_at = ? WHERE id = ?",
                           arguments: [until?.iso, now, id])
            try recordEvent(.status, "active -> paused\(until.map { " until \($0.iso)" } ?? ""): by email", for: sender, at: at)
        case .setArea(let area):
            guard let id = sender.subscriberID else { return }
            try db.execute(sql: "UPDATE subscribers SET area = ?, updated_at = ? WHERE id = ?", arguments: [area, now, id])
        case .resume:
            guard let id = sender.subscriberID else { return }
            try db.execute(sql: "UPDATE subscribers SET status = 'active', paused_until = NULL, updated_at = ? WHERE id = ?", arguments: [now, id])
            try recordEvent(.status, "paused -> active: by email", for: sender, at: at)
        case .switchToChild(let sid, let birth):
            guard let id = sender.subscriberID else { return }
            let nickname = try String.fetchOne(db, sql: "SELECT nickname FROM subscriptions WHERE id = ?", arguments: [sid])
            try setSubscription(sid, of: sender, to: .ended, reason: .born, now: now)
            try Store.cancelDaily(db, subscriptionID: sid, now: now)
            try insertSubscription(id, .child, birth, nickname, today: today, now: now)
            try recordEvent(.subscription, "pregnancy \(sid) -> child born \(birth.iso)", for: sender, subscription: sid, at: at)
        case .correctDue(let sid, let due):
            try db.execute(sql: "UPDATE subscriptions SET anchor_date = ?, updated_at = ? WHERE id = ? AND subscriber_id = ?",
                           arguments: [due.iso, now, sid, sender.subscriberID])
            try recordEvent(.subscription, "due date corrected to \(due.iso)", for: sender, subscription: sid, at: at)
        case .correctBirth(let sid, let birth):
            try db.execute(sql: "UPDATE subscriptions SET anchor_date = ?, birth_assumed = 0, updated_at = ? WHERE id = ? AND subscriber_id = ?",
                           arguments: [birth.iso, now, sid, sender.subscriberID])
            try recordEvent(.subscription, "birth date corrected to \(birth.iso) (it was assumed)", for: sender, subscription: sid, at: at)
        case .endSubscription(let sid, let reason):
            try setSubscription(sid, of: sender, to: .ended, reason: reason, now: now)
            // A message about a child after a loss must never go out: withdraw what is planned or queued.
            try Store.cancelDaily(db, subscriptionID: sid, now: now)
            // A loss may also end a subscription stopped before it (so that it never comes back).
            let from = reason == .loss || reason == .lossUnattributed ? "" : "active "
            try recordEvent(.subscription, "\(from)-> ended: \(reason)", for: sender, subscription: sid, at: at)
        case .resumeAfterLoss(let sid):
            // From today, like a new subscription: no backlog of the days it was ended.
            try db.execute(sql: """
                UPDATE subscriptions SET status = 'active', end_reason = NULL, start_date = ?, updated_at = ?
                WHERE id = ? AND subscriber_id = ? AND status = 'ended' AND end_reason = ?
                """, arguments: [today.iso, now, sid, sender.subscriberID, SubscriptionEndReason.lossUnattributed])
            try recordEvent(.subscription, "ended -> active: named by the parent after a loss", for: sender, subscription: sid, at: at)
        case .attributeLoss(let sid):
            try db.execute(sql: "UPDATE subscriptions SET end_reason = ?, updated_at = ? WHERE id = ? AND subscriber_id = ? AND status = 'ended'",
                           arguments: [SubscriptionEndReason.loss, now, sid, sender.subscriberID])
            try recordEvent(.subscription, "\(SubscriptionEndReason.lossUnattributed) -> \(SubscriptionEndReason.loss): the one left of a loss",
                            for: sender, subscription: sid, at: at)
        case .closeSubscriber:
            guard let id = sender.subscriberID else { return }
            try db.execute(sql: "UPDATE subscribers SET status = 'stopped', paused_until = NULL, updated_at = ? WHERE id = ?", arguments: [now, id])
            try recordEvent(.status, "active -> stopped: every subscription has ended (farewell sent)", for: sender, at: at)
        case .recordSurveyAnswer(let answer):
            guard let id = sender.subscriberID else { return }
            try Store.recordSurveyAnswer(db, answer, subscriberID: id, edition: sender.edition, at: at)
        case .recordEvent(let r):
            var e = EventRecord(at: at, subscriberID: sender.subscriberID, kind: r.kind, detail: r.detail, messageID: r.messageID)
            try e.insert(db)
        case .sendConfirmationRequest, .sendCommandConfirmationRequest, .sendWelcome, .reply, .sendFarewell:
            return
        }
    }

    /// A new subscribe: the sender becomes (or is again) pending with this subscription; it
    /// replaces what a pending or stopped address asked for before.
    private func createPending(_ p: PendingSubscription, for sender: inout CommandSender, today: CivilDate, now: String, at: Date) throws {
        if let id = sender.subscriberID {
            try db.execute(sql: "UPDATE subscriptions SET status = 'stopped', updated_at = ? WHERE subscriber_id = ? AND status = 'active'",
                           arguments: [now, id])
            try db.execute(sql: """
                UPDATE subscribers SET status = 'pending', paused_until = NULL, language = ?, area = ?, updated_at = ? WHERE id = ?
                """, arguments: [p.language.rawValue, p.area, now, id])
        } else {
            try db.execute(sql: """
                INSERT INTO subscribers (address, address_key, edition, language, area, status, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)
                """, arguments: [sender.address.description, sender.address.matchKey, sender.edition, p.language.rawValue, p.area, now, now])
            sender.subscriberID = db.lastInsertedRowID
        }
        try insertSubscription(sender.subscriberID!, p.track, p.anchor, p.nickname, today: today, now: now)
        try recordEvent(.subscribeRequested, "\(p.track.rawValue) \(p.anchor.iso) (pending confirmation)", for: sender,
                        subscription: db.lastInsertedRowID, at: at)
    }

    /// Pending → active; the subscriptions start on the day of consent: no backlog of the waiting days.
    private func activate(_ id: Int64, today: CivilDate, now: String) throws {
        try db.execute(sql: "UPDATE subscribers SET status = 'active', updated_at = ? WHERE id = ?", arguments: [now, id])
        try db.execute(sql: "UPDATE subscriptions SET start_date = ?, updated_at = ? WHERE subscriber_id = ? AND status = 'active'",
                       arguments: [today.iso, now, id])
    }

    /// An active subscription starting `today` (again, when the same track and anchor existed).
    private func insertSubscription(_ id: Int64, _ track: Track, _ anchor: CivilDate, _ nickname: String?, today: CivilDate, now: String) throws {
        try db.execute(sql: """
            INSERT INTO subscriptions (subscriber_id, track, anchor_date, nickname, status, start_date, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'active', ?, ?, ?)
            ON CONFLICT (subscriber_id, track, anchor_date) DO UPDATE SET status = 'active', end_reason = NULL, nickname = excluded.nickname,
                start_date = excluded.start_date, updated_at = excluded.updated_at
            """, arguments: [id, track.rawValue, anchor.iso, nickname, today.iso, now, now])
    }

    /// A subscription of the sender's subscriber stopped or ended (with why it ended).
    private func setSubscription(_ sid: Int64, of sender: CommandSender, to status: SubscriptionStatus,
                                 reason: SubscriptionEndReason? = nil, now: String) throws {
        try db.execute(sql: "UPDATE subscriptions SET status = ?, end_reason = ?, updated_at = ? WHERE id = ? AND subscriber_id = ?",
                       arguments: [status, status == .ended ? reason : nil, now, sid, sender.subscriberID])
    }
}

extension Store {
    /// Withdraws the not yet sent daily deliveries that carry a subscription's message, and its
    /// overdue check-in (a pregnancy that ended or became a child is asked nothing more).
    static func cancelDaily(_ db: Database, subscriptionID: Int64, now: String) throws {
        try db.execute(sql: """
            UPDATE deliveries SET status = 'cancelled', updated_at = ?
            WHERE status IN ('planned', 'queued', 'deferred')
              AND id IN (SELECT delivery_id FROM delivery_items WHERE subscription_id = ? AND delivery_id IS NOT NULL
                         AND (deliveries.kind = 'daily' OR message_key = ?))
            """, arguments: [now, subscriptionID, OverdueCare.checkInKey])
    }
}
