import KizunaCore
import KizunaStore

extension BatchJob {
    /// A survey to send with a recipient's mail tonight.
    struct SurveyPlan {
        var opening: SurveyOpening
        /// The ledger item `survey/<id>` of the delivery that carries it: a delivery with only
        /// this item is the survey's own mail.
        var item: ItemPlan
        /// Recorded in the transaction that plans the delivery, and unrecorded with it when the
        /// delivery is planned again (`Store.deleteDeliveries`), so it goes out exactly once.
        var send: SurveySend
    }

    /// The survey for `recipient` tonight, if any: the one that targets them on `date` (their
    /// edition, language, and the pregnancies and children they follow) and that they have not
    /// been sent. Its item goes under the subscription it came by (the one whose stage opened
    /// it, else the first).
    ///
    /// `alone`: no message goes tonight, so the survey would be the night's own mail. Not on the
    /// day a subscription started: the welcome went that day (carrying the day's message), and a
    /// family gets at most one email a day from us; the survey waits for the next night.
    func surveyPlan(for recipient: Recipient, date: CivilDate, surveys: [Survey], sent: Set<String>, alone: Bool) -> SurveyPlan? {
        let sub = recipient.subscriber
        guard !surveys.isEmpty, var carrier = recipient.subscriptions.first else { return nil }
        if alone, recipient.subscriptions.contains(where: { $0.startDate == date }) { return nil }
        let audience = SurveyAudience(edition: sub.edition, language: sub.language,
                                      subscriptions: recipient.subscriptions.map { (track: $0.track, anchor: $0.anchorDate) })
        guard let opening = Survey.targeting(surveys, audience: audience, on: date), !sent.contains(opening.survey.id) else { return nil }
        if case .stage(let stage, _) = opening.survey.when,
           let s = recipient.subscriptions.first(where: { $0.track == stage.track && stage.date(anchor: $0.anchorDate) == opening.opensOn }) {
            carrier = s
        }
        let item = ItemPlan(subscriptionID: carrier.id!, messageKey: SurveySend.itemKey(opening.survey.id), scheduledDate: date,
                            status: .included, reason: "survey")
        let send = SurveySend(surveyID: opening.survey.id, subscriberID: sub.id!, edition: sub.edition, sentOn: date, closesOn: opening.closesOn)
        return SurveyPlan(opening: opening, item: item, send: send)
    }
}
