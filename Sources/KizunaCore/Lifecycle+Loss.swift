/// A reported loss, and the one way back it leaves: naming another child whose messages a loss
/// ended without saying which child it was about.
///
/// A pregnancy loss ends every pregnancy subscription. A loss that does not say which child
/// (`亡くなりました`, "our baby died") ends every pregnancy and child subscription of the parent:
/// with several children or twins there is no telling which, and one more message about a child
/// who died hurts more than a week of silence. Ended by a loss is ended for ever — on every path
/// (the daily batch, catch-up, welcome, status, a resumed pause, a bounce reset, a confirmed
/// held command, a subscribe with the same birth date) — except that, when one loss ended
/// several, the parent may name one to resume (`再開 ハナ`); a bare `resume` only lists them, and
/// the last one left is the child who was lost.
extension Lifecycle.Machine {
    /// Ends, at once, what the loss may concern (active or stopped, not yet ended) and sends the
    /// kind reply (a stopped address gets it too: it answers the parent's own message).
    mutating func loss(_ kind: LossKind, _ detail: String) {
        guard var s = state.subscriber else { return }
        // A child followed from an assumed birth date (no birth was ever reported) is the
        // pregnancy still, as far as anyone told us: a pregnancy loss ends it too.
        let concerned = s.subscriptions.indices.filter {
            let sub = s.subscriptions[$0]
            return sub.status != .ended && (kind == .unspecified || sub.track == .pregnancy || sub.birthAssumed)
        }
        let reason: SubscriptionEndReason = kind == .unspecified && concerned.count > 1 ? .lossUnattributed : .loss
        var ended: [LifecycleSubscription] = []
        for i in concerned {
            s.subscriptions[i].status = .ended
            s.subscriptions[i].endReason = reason
            if let id = s.subscriptions[i].id {
                actions.append(.endSubscription(subscriptionID: id, reason: reason))
                ended.append(s.subscriptions[i])
            }
        }
        state.subscriber = s
        dropHeldRestart()
        let what = kind == .pregnancy ? "pregnancy loss" : "loss (which child not said)"
        record(.loss, ended.isEmpty ? "\(what): no subscription to end; \(detail)"
                                    : "\(what): subscription \(ended.compactMap(\.id).map(String.init).joined(separator: ", ")) ended (\(reason)); \(detail)")
        // Only a receiving parent can resume; a pending or stopped one starts again with a subscribe.
        let offer = reason == .lossUnattributed && s.status != .pending && s.status != .stopped
        reply(.loss(resumable: offer ? ended : []))
    }

    /// A held command from before the loss that would start messages again (subscribe, born,
    /// due, resume) is never carried out after it.
    mutating func dropHeldRestart() {
        guard let held = state.subscriber?.held else { return }
        switch held.command {
        case .subscribe, .born, .due, .resume:
            release()
            record(.heldCommandExpired, "\(held.command.name) held on \(held.day.iso): dropped, a loss was reported since")
        default:
            return
        }
    }

    /// The subscriptions a loss ended without saying which child.
    var resumeCandidates: [LifecycleSubscription] {
        state.subscriber?.subscriptions.filter { $0.status == .ended && $0.endReason == .lossUnattributed } ?? []
    }

    /// A child subscription for this date that a loss ended (a pregnancy may be started again:
    /// a loss read by mistake must not keep a pregnant parent from subscribing).
    func endedByLoss(_ track: Track, _ anchor: CivilDate) -> LifecycleSubscription? {
        guard track == .child else { return nil }
        return state.subscriber?.subscriptions.first {
            $0.track == .child && $0.anchor == anchor && $0.status == .ended
                && ($0.endReason == .loss || $0.endReason == .lossUnattributed)
        }
    }

    mutating func refuseAfterLoss(_ ended: LifecycleSubscription) {
        record(.subscribeRefused, "\(ended.track.rawValue) \(ended.anchor.iso): ended after a loss, for ever")
        reply(.endedAfterLoss(ended))
    }

    /// A resume when a loss left subscriptions to choose from: the one named goes on; none, or
    /// more than one, named gets the list and changes nothing. Returns false when no loss left
    /// a choice (or the name is of an active subscription): the resume is then a pause's end.
    mutating func resumeAfterLoss(named target: ResumeTarget?) -> Bool {
        let candidates = resumeCandidates
        guard !candidates.isEmpty else { return false }
        let named = target.map { t in candidates.filter { t.names(nickname: $0.nickname, anchor: $0.anchor) } } ?? []
        if named.count == 1 {
            resumeAfterLoss(named[0])
            return true
        }
        if let target, named.isEmpty,
           state.subscriber?.activeSubscriptions.contains(where: { target.names(nickname: $0.nickname, anchor: $0.anchor) }) == true {
            return false
        }
        record(.resumeIgnored, "which child: \(named.count > 1 ? "the name fits several" : target == nil ? "none named" : "no such child among") "
               + candidates.compactMap(\.id).map(String.init).joined(separator: ", "))
        reply(.resumeWhich(candidates))
        return true
    }

    /// The named subscription goes on from today (a pause ends too: the parent asked for
    /// messages); when one is left of those the loss ended, it is the child who was lost.
    mutating func resumeAfterLoss(_ chosen: LifecycleSubscription) {
        guard var s = state.subscriber, let id = chosen.id, let i = s.subscriptions.firstIndex(where: { $0.id == id }) else { return }
        s.subscriptions[i].status = .active
        s.subscriptions[i].endReason = nil
        actions.append(.resumeAfterLoss(subscriptionID: id))
        var detail = "subscription \(id) (\(chosen.nickname ?? chosen.anchor.iso)) named by the parent after a loss"
        if s.status == .paused {
            s.status = .active
            s.pausedUntil = nil
            actions.append(.resume)
        }
        let left = s.subscriptions.indices.filter { s.subscriptions[$0].status == .ended && s.subscriptions[$0].endReason == .lossUnattributed }
        if left.count == 1, let lostID = s.subscriptions[left[0]].id {
            s.subscriptions[left[0]].endReason = .loss
            actions.append(.attributeLoss(subscriptionID: lostID))
            detail += "; subscription \(lostID), the one left, is the child who was lost: ended for ever"
        }
        record(.resumed, detail)
        state.subscriber = s
        reply(.resumedAfterLoss(s.subscriptions[i]))
    }
}
