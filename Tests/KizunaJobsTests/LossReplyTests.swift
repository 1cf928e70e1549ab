import Foundation
import KizunaContent
import KizunaCore
import KizunaStore
@testable import KizunaJobs
import Testing

/// The loss replies' words: each resume line the reply offers is read back by the parser as a
/// resume of exactly that subscription, and a loss of one child offers none.
@Suite struct LossReplyTests {
    static let hana = LifecycleSubscription(id: 1, track: .child, anchor: CivilDate(iso: "2026-03-01")!, nickname: "ハナ",
                                            status: .ended, endReason: .lossUnattributed)
    static let spaced = LifecycleSubscription(id: 2, track: .child, anchor: CivilDate(iso: "2024-06-01")!, nickname: "Hana Chan",
                                              status: .ended, endReason: .lossUnattributed)
    static let sameName = LifecycleSubscription(id: 3, track: .pregnancy, anchor: CivilDate(iso: "2027-05-01")!, nickname: "ハナ",
                                                status: .ended, endReason: .lossUnattributed)
    static let unnamed = LifecycleSubscription(id: 4, track: .child, anchor: CivilDate(iso: "2025-01-31")!,
                                               status: .ended, endReason: .lossUnattributed)

    @Test(arguments: [ReplyLanguage.ja, .en])
    func everyResumeLineResumesExactlyItsSubscription(language: ReplyLanguage) {
        let all = [Self.hana, Self.spaced, Self.sameName, Self.unnamed]
        let word = language == .ja ? "再開" : "resume"
        // A nickname that would not read back alone (blanks; another one's nickname) is replaced by the date.
        #expect(all.map { MessageComposer.resumeCommand($0, among: all, language: language) }
                == ["\(word) 2026-03-01", "\(word) 2024-06-01", "\(word) 2027-05-01", "\(word) 2025-01-31"])
        #expect(MessageComposer.resumeCommand(Self.hana, among: [Self.hana, Self.unnamed], language: language) == "\(word) ハナ")
        for s in all {
            let line = MessageComposer.resumeCommand(s, among: all, language: language)
            guard case .resume(let target?) = CommandParser.parse(subject: "", body: line, today: CivilDate(iso: "2026-12-07")!).command else {
                Issue.record("\(line) is not read as a resume with a target")
                continue
            }
            #expect(all.filter { target.names(nickname: $0.nickname, anchor: $0.anchor) }.map(\.id) == [s.id], "\(line)")
        }
    }

    @Test func theLossReplyOffersResumeOnlyWhenSeveralEnded() throws {
        let catalog = try ContentCatalog.load(directory: repoTemplates)
        let renderer = Renderer(catalog: catalog)
        let edition = EditionInfo(id: "sakura", name: "さくらクリニック")
        for language in [ReplyLanguage.ja, .en] {
            let base = ["support_contacts": "保健センター 000-0000-0000"]
            func say(_ phrase: Phrase) -> String { catalog.text(phrase, language: language.rawValue) }
            let (single, v1) = MessageComposer.lossReply(.loss(resumable: []), language: language, variables: base, say: say)
            let one = try renderer.renderSystem(name: single, language: language.rawValue, edition: edition, variables: v1)
            #expect(!one.text.contains("再開") && !one.text.contains("resume"), "\(one.text)")
            #expect(!one.text.contains("\n\n\n"), "no empty paragraph where the choices would be: \(one.text)")
            #expect(!one.html.contains("<p></p>"), "\(one.html)")
            #expect(one.text.contains("保健センター 000-0000-0000"))
            let (several, v2) = MessageComposer.lossReply(.loss(resumable: [Self.hana, Self.unnamed]), language: language, variables: base, say: say)
            let two = try renderer.renderSystem(name: several, language: language.rawValue, edition: edition, variables: v2)
            let word = language == .ja ? "再開" : "resume"
            #expect(two.text.contains("\(word) ハナ") && two.text.contains("\(word) 2025-01-31"), "\(two.text)")
            let lines = language == .ja ? ["・ハナ（", "生まれ）：再開 ハナ", "・2025-01-31生まれのお子さん：再開 2025-01-31"]
                                        : ["- ハナ (born ", "): resume ハナ", "- your child born 2025-01-31: resume 2025-01-31"]
            for line in lines { #expect(two.text.contains(line), "\(line) in \(two.text)") }
        }
    }
}

/// A loss from an address with no subscription: the reply goes out, and the report can name the address.
@Suite struct LossFromAStrangerTests {
    @Test func theAddressIsKeptForTheReport() throws {
        let store = try Store.inMemory()
        let day = CivilDate(iso: "2026-11-25")!, at = Date(timeIntervalSince1970: 1_795_000_000)
        let stranger = try EmailAddress(parsing: "grieving@families.example")
        let (_, actions) = Lifecycle.handle(.command(.loss(.unspecified), language: .ja, from: stranger, messageID: "<s@x>"),
                                            state: LifecycleState(subscriber: nil), today: day, limits: LifecycleLimits())
        let applier = CommandApplier(today: day, at: at, welcomeItems: { _, _, _ in [] }, render: { r in
            SystemMailContent(mailFrom: "k@clinic.example", messageID: "m\(r.deliveryID)@clinic.example", subject: "s", bytes: [1])
        })
        let command = InboundCommand(place: InboundPlace(mailbox: "INBOX", uidValidity: 1, uid: 1), messageID: "s@x", kind: .command,
                                     sender: stranger, edition: "sakura", decision: "{}", decide: { _ in actions })
        let applied = try #require(try applier.apply([command], in: store).first).get()
        #expect(applied.mail.count == 1, "the kind reply")
        let activity = try store.reportActivity(since: at.addingTimeInterval(-60), until: at.addingTimeInterval(60))
        #expect(activity.losses == [ReportedLoss(address: "grieving@families.example", edition: "sakura")])
    }
}
