import Foundation
import KizunaContent
import KizunaCore
import KizunaMail
import KizunaStore

/// The night's care for pregnancies past their due date with no birth reported (`[care]`):
/// one neutral check-in each, and — when `auto_switch_days` is set — the switch to the child
/// track with the due date as the assumed birth date. Runs in the batch, under its lock,
/// before the pages are planned, so a pregnancy switched tonight gets its child message tonight.
///
/// A check-in's delivery, its ledger item (`care/overdue-check-in`, once per subscription by
/// the ledger's unique index), its event and its rendered bytes are committed in ONE
/// transaction; then the spool gets the bytes and the delivery becomes `queued` — the poller's
/// path for replies. A crash before the commit leaves nothing (the next night decides again);
/// after it, the next batch, poll or report spools the stored message, and a file already in
/// the spool is only marked queued: never lost, never sent twice.
extension BatchJob {
    /// Decides and carries out tonight's overdue care; spools the check-ins not yet in the spool.
    func overdueCare(date: CivilDate, scope: BatchScope, now: Date, composer: MessageComposer, schedules: EditionSchedules,
                     summary: inout BatchSummary) throws {
        let store = try instance.store()
        let care = instance.configuration.care.overdue
        if let latestDue = care.latestDue(on: date) {
            for pregnancy in try store.overduePregnancies(dueOnOrBefore: latestDue) where scope.serves(pregnancy.subscriber.edition) && isReceiving(pregnancy.subscriber, on: date) {
                let subscription = pregnancy.subscription
                switch care.decide(due: subscription.anchorDate, today: date, checkInSent: pregnancy.checkInSent) {
                case .checkIn?:
                    if try checkIn(pregnancy, date: date, now: now, store: store, composer: composer, schedules: schedules) {
                        summary.checkIns += 1
                    } else {
                        summary.failures += 1
                    }
                case .assumeBirth(let birth)?:
                    let reason = "no birth reported \(date - subscription.anchorDate) days after the due date ([care] auto_switch_days = \(care.autoSwitchDays))"
                    if let child = try store.inTransaction({ try $0.assumeBirth(pregnancyID: subscription.id!, today: date, at: now, reason: reason) }) {
                        summary.switched += 1
                        logger.notice("switched to the child track with an assumed birth date",
                                      metadata: ["subscription.id": "\(subscription.id!)", "child.id": "\(child)", "birth": "\(birth)"])
                    }
                case nil:
                    continue
                }
            }
        }
        try beforeSpoolingCheckIns()
        let pending = try store.pendingSystemMail(purpose: Self.checkInPurpose)
        try SystemMailQueue.queue(pending, spool: try instance.spool(), ledger: store, now: now)
    }

    /// The purpose a check-in's stored message is kept under.
    static let checkInPurpose = "check-in"

    /// Plans, renders and stores one check-in in one transaction; false (logged, nothing kept)
    /// when it cannot be rendered, so the next night tries again.
    func checkIn(_ pregnancy: OverduePregnancy, date: CivilDate, now: Date, store: Store, composer: MessageComposer,
                 schedules: EditionSchedules) throws -> Bool {
        let subscriber = pregnancy.subscriber, subscription = pregnancy.subscription
        guard let edition = instance.edition(id: subscriber.edition) else {
            logger.warning("subscriber's edition is not configured; no check-in", metadata: ["subscriber.id": "\(subscriber.id!)"])
            return false
        }
        do {
            try store.inTransaction { tx in
                guard let id = try tx.planCheckIn(subscriptionID: subscription.id!, today: date, at: now) else { return }
                let request = SystemMailRequest(deliveryID: id, action: .reply(.overdueCheckIn(due: subscription.anchorDate),
                                                                               language: ReplyLanguage(code: subscriber.language)),
                                                subscriber: subscriber, subscriptions: [subscription], items: [])
                let content = try composer.renderSystemMail(request, edition: edition, schedules: schedules, today: date, now: now)
                try tx.storeSystemMail(deliveryID: id, inboundID: nil, purpose: Self.checkInPurpose, content: content)
            }
            return true
        } catch where error is JobError || error is RenderError {
            logger.error("cannot render the check-in; the next night tries again", metadata: ["subscription.id": "\(subscription.id!)", "error": "\(error)"])
            return false
        }
    }
}
