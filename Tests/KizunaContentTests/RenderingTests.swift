import Foundation
import KizunaCore
import Testing
@testable import KizunaContent

@Suite struct RenderingTests {
    let catalog: ContentCatalog
    let renderer: Renderer
    init() throws {
        catalog = try Fixtures.validCatalog()
        renderer = Renderer(catalog: catalog)
    }

    func mail(_ stage: Stage, _ language: String, nickname: String?, area: String? = nil) throws -> RenderedMail {
        let section = try renderer.prepareSection(stage: stage, language: language, edition: town, area: area, date: undatedDay)
        return renderer.compose(sections: [(section, nickname: nickname)], language: language, edition: town,
                                unsubscribeAddress: "kizuna@town.example")
    }

    @Test func pregnancyVariablesFollowTheStage() throws {
        let ja = try mail(.gestationalDay(140), "ja", nickname: "ももちゃん")
        #expect(ja.subject == "20週0日　折り返し地点です")
        #expect(ja.text.contains("■ 今日で20週0日"))
        #expect(ja.text.contains("ももちゃんは順調に育っています。出産予定日まで、あと140日。"))
        #expect(ja.html.contains("<h1>今日で20週0日</h1>"))
        #expect(ja.html.contains("ももちゃんは<strong>順調に</strong>育っています。"))
        #expect(ja.html.contains("<html lang=\"ja\">"))

        let en = try mail(.gestationalDay(140), "en", nickname: nil)
        #expect(en.subject == "20 weeks: halfway there")
        #expect(en.text.contains("your baby is growing steadily. 140 days to go until the due date."))
        #expect(en.text.contains("■ Week 20, day 0"))
    }

    @Test func childVariablesFollowTheStage() throws {
        let dayJa = try mail(.childDay(100), "ja", nickname: nil)
        #expect(dayJa.subject == "生後100日、お食い初めの頃")
        #expect(dayJa.text.contains("赤ちゃんは今日で生後100日（100日目）。Town <Kizuna> & Coより。"))
        #expect(dayJa.html.contains("Town &lt;Kizuna&gt; &amp; Coより"))
        let monthEn = try mail(.childMonth(3), "en", nickname: "Sam")
        #expect(monthEn.subject == "3 months old")
        #expect(monthEn.text.contains("Sam is 3 months old (3 months)."))
        let yearEn = try mail(.childYear(1), "en", nickname: "Sam")
        #expect(yearEn.text.contains("Sam is 1 year old."))
    }

    @Test func languageFormsOfAges() {
        #expect(LanguageForms.japanese.age(.childMonth(14)) == "1歳2か月")
        #expect(LanguageForms.japanese.age(.childMonth(24)) == "2歳")
        #expect(LanguageForms.english.age(.childMonth(14)) == "1 year and 2 months old")
        #expect(LanguageForms.english.age(.childMonth(13)) == "1 year and 1 month old")
        #expect(LanguageForms.english.age(.childDay(100)) == "100 days old")
        #expect(LanguageForms.english.weeksDays(weeks: 20, days: 3) == "20 weeks and 3 days")
        #expect(LanguageForms.japanese.weeksDays(weeks: 20, days: 3) == "20週3日")
    }

    @Test("subscriber text is never interpreted", arguments: [
        "<script>alert(1)</script>", "{{edition_name}}", "**bold**", "[link](http://evil.example)", "# heading", "&amp;",
    ])
    func nicknameIsEscaped(nickname: String) throws {
        let mail = try mail(.gestationalDay(140), "ja", nickname: nickname)
        #expect(mail.text.contains(nickname + "は順調に"))
        #expect(mail.html.contains(Splice.html(nickname) + "は<strong>"))
        #expect(!mail.html.contains("<script>"))
        #expect(!mail.html.contains("<strong>bold</strong>"))
        #expect(!mail.html.contains("href=\"http://evil.example\""))
        let subjectMail = try self.mail(.childDay(100), "en", nickname: nickname)
        #expect(subjectMail.subject == "\(nickname) is 100 days old")
        #expect(subjectMail.html.contains("<h1>\(Splice.html(nickname)) is 100 days old</h1>"))
    }

    @Test func nicknameLosesControlCharactersAndLength() throws {
        let mail = try mail(.childDay(100), "en", nickname: "Sam\r\nBcc: x@evil.example\u{202E}" + String(repeating: "a", count: 100))
        #expect(!mail.subject.contains("\n") && !mail.subject.contains("\r") && !mail.subject.contains("\u{202E}"))
        #expect(mail.subject.hasPrefix("Sam Bcc: x@evil.example"))
        #expect(mail.subject.count == Splice.nicknameLimit + " is 100 days old".count)
        let blank = try self.mail(.childDay(100), "en", nickname: " \n ")
        #expect(blank.subject == "your baby is 100 days old")
    }

    @Test func multiSectionEmail() throws {
        let a = try renderer.prepareSection(stage: .childDay(100), language: "ja", edition: town, area: nil, date: undatedDay)
        let b = try renderer.prepareSection(stage: .childMonth(3), language: "ja", edition: town, area: nil, date: undatedDay)
        let mail = renderer.compose(sections: [(a, nickname: "はな"), (b, nickname: "そら")], language: "ja", edition: town,
                                    unsubscribeAddress: "kizuna@town.example")
        #expect(mail.subject == "生後100日、お食い初めの頃（ほか1件）")
        #expect(mail.text.contains("== 生後100日、お食い初めの頃\nはなは今日で生後100日"))
        #expect(mail.text.contains("== 生後3か月になりました\n生後3か月（3か月）。"))
        #expect(mail.html.components(separatedBy: "<section>").count == 3)
        #expect(mail.sample)
        #expect(mail.html.contains("<title>生後100日、お食い初めの頃（ほか1件）</title>"))
        let en1 = try renderer.prepareSection(stage: .childDay(100), language: "en", edition: town, area: nil, date: undatedDay)
        let en2 = try renderer.prepareSection(stage: .childMonth(3), language: "en", edition: town, area: nil, date: undatedDay)
        let en = renderer.compose(sections: [(en1, nickname: "A"), (en2, nickname: "B"), (en1, nickname: "C")], language: "en",
                                  edition: town, unsubscribeAddress: "k@town.example")
        #expect(en.subject == "A is 100 days old (and 2 more)")
        #expect(en.text.contains("Today C is 100 days old"))
    }

    @Test func sampleNoticeOnlyForSamples() throws {
        let reviewed = try mail(.childDay(100), "en", nickname: nil)
        #expect(!reviewed.sample)
        #expect(!reviewed.text.contains("[SAMPLE]"))
        let sample = try mail(.childMonth(3), "en", nickname: nil)
        #expect(sample.text.hasPrefix("[SAMPLE]"))
    }

    @Test func unsubscribeAddressIsEscapedAndLinked() throws {
        let section = try renderer.prepareSection(stage: .childDay(100), language: "en", edition: town, area: nil, date: undatedDay)
        let mail = renderer.compose(sections: [(section, nickname: nil)], language: "en", edition: town,
                                    unsubscribeAddress: "\"a..b\"@town.example")
        #expect(mail.text.contains("stop: \"a..b\"@town.example"))
        #expect(mail.html.contains("href=\"mailto:%22a..b%22@town.example?subject=stop\""))
        #expect(mail.html.contains(">&quot;a..b&quot;@town.example</a>"))
    }

    @Test func localInfoMatchesAreaAndStageRange() throws {
        // Edition-wide entry on exactly pregnancy/d0140.
        #expect(try mail(.gestationalDay(140), "ja", nickname: nil).text.contains("妊婦健診は毎週水曜です。"))
        #expect(try mail(.gestationalDay(140), "ja", nickname: nil).html.contains("<aside><p>妊婦健診は<strong>毎週水曜</strong>です。</p></aside>"))
        #expect(!(try mail(.gestationalDay(141), "ja", nickname: nil).text.contains("妊婦健診")))
        // Area entry child/d0100…child/m04: only for "north".
        #expect(try mail(.childDay(100), "ja", nickname: nil, area: "north").text.contains("北地区の子育てひろば"))
        #expect(!(try mail(.childDay(100), "ja", nickname: nil, area: "south").text.contains("北地区")))
        #expect(!(try mail(.childDay(100), "ja", nickname: nil, area: nil).text.contains("北地区")))
        // child/m03 falls before child/d0100, so outside the range.
        #expect(!(try mail(.childMonth(3), "ja", nickname: nil, area: "north").text.contains("北地区")))
        // Range child/m03…child/y01 by date: d0100 and y01 inside; nickname spliced and escaped.
        let en = try mail(.childDay(100), "en", nickname: "<b>Kai</b>")
        #expect(en.text.contains("Checkups for <b>Kai</b> at the town hall."))
        #expect(en.html.contains("Checkups for &lt;b&gt;Kai&lt;/b&gt; at the town hall."))
        #expect(try mail(.childYear(1), "en", nickname: nil).text.contains("Checkups for your baby"))
        // Another edition has no local info.
        let other = EditionInfo(id: "elsewhere", name: "Elsewhere")
        let s = try renderer.prepareSection(stage: .gestationalDay(140), language: "ja", edition: other, area: nil, date: undatedDay)
        #expect(!s.hasLocal)
    }

    @Test func stageOrderIsDateOrder() {
        #expect(StageOrder.precedes(.childMonth(3), .childDay(100)))
        #expect(StageOrder.precedes(.childDay(100), .childMonth(4)))
        #expect(StageOrder.precedes(.childMonth(11), .childYear(1)))
        #expect(StageOrder.precedes(.childMonth(12), .childYear(1)))
        #expect(StageOrder.contains(from: .childDay(100), until: .childMonth(4), .childMonth(4)))
        #expect(!StageOrder.contains(from: .childDay(100), until: .childMonth(4), .gestationalDay(100)))
    }

    @Test func missingMessageThrows() {
        #expect(throws: RenderError.self) {
            _ = try renderer.prepareSection(stage: .childDay(5), language: "ja", edition: town, area: nil, date: undatedDay)
        }
    }

    @Test func systemMessagesRender() throws {
        let welcome = try renderer.renderSystem(name: "welcome", language: "ja", edition: town,
                                                variables: ["nickname": "<i>はな</i>", "first_message_subject": "20週0日 **x**"],
                                                unsubscribeAddress: "kizuna@town.example")
        #expect(welcome.subject == "ようこそ <i>はな</i>")
        #expect(welcome.text.contains("<i>はな</i>さん、最初は「20週0日 **x**」です。"))
        #expect(welcome.html.contains("&lt;i&gt;はな&lt;/i&gt;さん、最初は「20週0日 **x**」です。"))
        #expect(welcome.html.contains("<h1>ようこそ &lt;i&gt;はな&lt;/i&gt;</h1>"))
        #expect(welcome.sample)

        let status = try renderer.renderSystem(name: "status", language: "en", edition: town,
                                               variables: ["status_lines": "Due: 2027-04-28\nPaused: no <yes>"])
        #expect(status.text.contains("Due: 2027-04-28\nPaused: no <yes>"))
        #expect(status.html.contains("Due: 2027-04-28<br>\nPaused: no &lt;yes&gt;"))
        #expect(status.text.hasSuffix("stop: \n"))

        #expect(throws: RenderError.self) {
            _ = try renderer.renderSystem(name: "welcome", language: "en", edition: town, variables: [:])
        }
        #expect(throws: RenderError.self) {
            _ = try renderer.renderSystem(name: "nope", language: "en", edition: town, variables: [:])
        }
    }

    @Test func preparedSectionsAreCachedAndThreadSafe() async throws {
        let r = renderer
        let results = await withTaskGroup(of: String.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let stage: Stage = i % 2 == 0 ? .childDay(100) : .gestationalDay(140)
                    let s = try! r.prepareSection(stage: stage, language: "en", edition: town, area: nil, date: undatedDay)
                    return r.compose(sections: [(s, nickname: "N\(i)")], language: "en", edition: town, unsubscribeAddress: "a@b.example").subject
                }
            }
            var all: [String] = []
            for await s in group { all.append(s) }
            return all.sorted()
        }
        #expect(results.count == 8)
        #expect(results.contains("N0 is 100 days old"))
        #expect(results.contains("20 weeks: halfway there"))
    }
}
