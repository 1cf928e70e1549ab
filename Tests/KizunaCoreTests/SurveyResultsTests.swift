import Testing
@testable import KizunaCore

/// A survey's results, aggregated: shares, response rate, comments by choice then text, the CSV
/// with its documented header and RFC 4180 quoting.
@Suite struct SurveyResultsTests {
    let results = SurveyResults(
        surveyID: "reading", edition: "sakura", language: "ja", question: "メールはいつ読みますか？",
        choices: ["届いたらすぐ", "その日のうちに", "週末に, まとめて", "あまり読まない"],
        counts: [1: 3, 2: 1, 3: 1], sent: 10,
        comments: [SurveyComment(choice: 3, text: "夫も \"読んで\" います"), SurveyComment(choice: 1, text: "毎日\n楽しみです")])

    @Test func sharesAndResponseRate() {
        #expect(results.answered == 5)
        #expect(results.share(ofChoice: 1) == 60)
        #expect(results.share(ofChoice: 4) == 0)
        #expect(results.responseRate == 50)
        #expect(results.comments.map(\.choice) == [1, 3])
        let none = SurveyResults(surveyID: "x", edition: nil, language: "en", question: "?", choices: ["a"], counts: [:], sent: 0, comments: [])
        #expect(none.share(ofChoice: 1) == nil && none.responseRate == nil)
        #expect(none.csv().contains("x,all,answered,,,0,-\r\n"))
    }

    @Test func csv() {
        #expect(results.csv() == """
            survey,edition,row,choice,text,count,percent\r
            reading,sakura,choice,1,届いたらすぐ,3,60.0\r
            reading,sakura,choice,2,その日のうちに,1,20.0\r
            reading,sakura,choice,3,"週末に, まとめて",1,20.0\r
            reading,sakura,choice,4,あまり読まない,0,0.0\r
            reading,sakura,sent,,,10,\r
            reading,sakura,answered,,,5,50.0\r
            reading,sakura,comment,1,"毎日
            楽しみです",,\r
            reading,sakura,comment,3,"夫も ""読んで"" います",,\r

            """)
    }

    @Test func text() {
        let text = results.text()
        #expect(text.contains("  1. 届いたらすぐ: 3 (60.0 %)"))
        #expect(text.contains("sent 10, answered 5, response rate 50.0 %"))
        #expect(text.contains("  [1] 毎日\n      楽しみです"))
    }

    /// A number answered that the survey, since edited, no longer offers is still counted.
    @Test func anAnswerBeyondTheChoicesIsShown() {
        let edited = SurveyResults(surveyID: "x", edition: nil, language: "en", question: "?", choices: ["a", "b"],
                                   counts: [3: 1], sent: 1, comments: [])
        #expect(edited.choiceNumbers == [1, 2, 3])
        #expect(edited.text().contains("3. (no longer in the survey): 1 (100.0 %)"))
    }

    @Test func reportLine() {
        #expect(SurveyReportLine(surveyID: "reading", edition: "sakura", sent: 8, answered: 3).text == "survey reading: 8 sent, 3 answered (37.5 %)")
        #expect(SurveyReportLine(surveyID: "reading", edition: "sakura", sent: 0, answered: 0).text == "survey reading: 0 sent, 0 answered (- %)")
    }
}
