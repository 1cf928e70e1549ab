import Testing
@testable import KizunaCore

/// `地域 北区`, `area kita`: a parent sets or changes their area by email. It is read only when
/// nothing else is asked, so it never beats stop or loss.
@Suite struct AreaCommandParserTests {
    let today = CivilDate(iso: "2026-11-25")!

    func command(_ subject: String, _ body: String) -> MailCommand {
        CommandParser.parse(subject: subject, body: body, today: today).command
    }

    @Test("an area line alone is the area command", arguments: [
        ("", "地域 北区", "北区"),
        ("地域", "地域：キタ", "キタ"),
        ("", "area kita", "kita"),
        ("", "Area: Kita-ku", "Kita-ku"),
        ("地域 ｷﾀ", "", "キタ"),
    ])
    func areaAlone(subject: String, body: String, area: String) {
        #expect(command(subject, body) == .area(area))
    }

    @Test func stopAndLossWinAndOtherCommandsKeepTheirMeaning() {
        #expect(command("", "地域 北区\n配信停止") == .stop(.all))
        #expect(command("停止", "area kita") == .stop(.all))
        #expect(command("", "地域 北区\n流産しました") == .loss(.pregnancy))
        #expect(command("", "area kita\nstatus") == .status)
        // A subscribe keeps its area as a field of the subscription.
        guard case .subscribe(let r) = command("登録", "出産予定日 2027-05-01\n地域 北区") else { Issue.record("not a subscribe"); return }
        #expect(r.area == "北区")
    }

    @Test func anAreaWordInASentenceIsNotACommand() {
        #expect(command("", "We moved to a new area last month") == .unknown(.noCommand))
        #expect(command("", "この地域の病院を教えてください") == .unknown(.noCommand))
        #expect(command("", "地域") == .unknown(.noCommand))
    }

    @Test func aHeldAreaCommandReadsBack() {
        let held = MailCommand.area("北 区=1")
        #expect(held.heldForm == "area area=北%20区%3D1")
        #expect(MailCommand(heldForm: held.heldForm!) == held)
    }
}
