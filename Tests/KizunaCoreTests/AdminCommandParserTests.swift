import Testing
@testable import KizunaCore

private let hanako = try! EmailAddress(parsing: "hanako@example.jp")
private func date(_ s: String) -> CivilDate { CivilDate(iso: s)! }

/// The one command of a one-line text, or the test fails.
private func command(_ line: String, edition: String = "sakura") -> AdminCommand? {
    let r = AdminCommandParser.parse(line, edition: edition)
    #expect(r.problems == [], "\(line)")
    return r.commands.first?.command
}

/// The reason the one line of a text is refused.
private func problem(_ line: String, edition: String = "sakura") -> String? {
    let r = AdminCommandParser.parse(line, edition: edition)
    #expect(r.commands == [], "\(line)")
    #expect(r.problems.count == 1, "\(line)")
    return r.problems.first?.reason
}

@Suite struct AdminCommandParserTests {
    @Test func everyCommandInTheCLIsWords() {
        #expect(command("subscribers add hanako@example.jp --due 2027-05-01 --name はな --lang ja --area north")
                == .subscribersAdd(hanako, track: .pregnancy, date: date("2027-05-01"), name: "はな", language: "ja", area: "north"))
        #expect(command("subscribers add hanako@example.jp --birth 2026/9/1")
                == .subscribersAdd(hanako, track: .child, date: date("2026-09-01"), name: nil, language: nil, area: nil))
        #expect(command("subscribers show hanako@example.jp") == .subscribersShow(hanako))
        #expect(command("subscribers remove hanako@example.jp") == .subscribersRemove(hanako, reason: nil))
        #expect(command("subscribers remove hanako@example.jp --reason \"moved away\"") == .subscribersRemove(hanako, reason: "moved away"))
        #expect(command("subscribers list") == .subscribersList(status: nil, limit: nil, offset: nil))
        #expect(command("subscribers list --status paused --limit 10 --offset 20") == .subscribersList(status: .paused, limit: 10, offset: 20))
        #expect(command("subscribers import") == .subscribersImport(language: nil))
        #expect(command("subscribers import --lang en") == .subscribersImport(language: "en"))
        #expect(command("born hanako@example.jp 2027-04-28") == .born(hanako, date("2027-04-28")))
        #expect(command("loss hanako@example.jp") == .loss(hanako))
        #expect(command("pause hanako@example.jp") == .pause(hanako, until: nil))
        #expect(command("pause hanako@example.jp --until 2027-03-01") == .pause(hanako, until: date("2027-03-01")))
        #expect(command("resume hanako@example.jp") == .resume(hanako))
        #expect(command("bounces list") == .bouncesList)
        #expect(command("bounces show hanako@example.jp") == .bouncesShow(hanako))
        #expect(command("bounces reset hanako@example.jp") == .bouncesReset(hanako))
        #expect(command("stats") == .stats(json: false))
        #expect(command("stats --json") == .stats(json: true))
        #expect(command("report") == .report(date: nil))
        #expect(command("report --date 2027-04-28") == .report(date: date("2027-04-28")))
        #expect(command("content lint") == .contentLint(production: false))
        #expect(command("content lint --production") == .contentLint(production: true))
        #expect(command("help") == .help)
    }

    @Test func optionsAsTheCLITakesThem() {
        // Options in any order among the arguments, `--name=value`, quotes, a leading `kizuna`,
        // and the mail's own edition named.
        let expected = AdminCommand.subscribersAdd(hanako, track: .pregnancy, date: date("2027-05-01"), name: "Hana chan", language: nil, area: nil)
        #expect(command("subscribers add --due=2027-05-01 hanako@example.jp --name 'Hana chan'") == expected)
        #expect(command("kizuna subscribers add hanako@example.jp --name \"Hana chan\" --due 2027-05-01 --edition sakura") == expected)
        #expect(command("\tsubscribers   show  hanako@example.jp  ") == .subscribersShow(hanako))
        #expect(command("born hanako@example.jp 2027-04-28 --edition sakura") == .born(hanako, date("2027-04-28")))
        // A full-width space is part of a word, as for the shell: a name may hold one.
        #expect(command("subscribers add hanako@example.jp --due 2027-05-01 --name はな　ちゃん")
                == .subscribersAdd(hanako, track: .pregnancy, date: date("2027-05-01"), name: "はな　ちゃん", language: nil, area: nil))
    }

    @Test func everyExampleOfTheHelpIsRead() {
        for line in AdminCommand.examples {
            let r = AdminCommandParser.parse(line, edition: "sakura")
            #expect(r.problems == [] && r.commands.count == 1, "\(line): \(r.problems)")
        }
        for line in AdminCommand.examples { #expect(AdminCommand.helpText.contains(line)) }
        #expect(AdminCommand.helpText.contains("Nothing is half done"))
    }

    @Test func blankQuotedAndSignatureLinesAreIgnoredAndLinesKeepTheirNumbers() {
        let text = """

        > subscribers remove someone@example.jp
        stats\r
          >> quoted deeper
        subscribers show hanako@example.jp

        -- \r
        Dr. Sato, clinic
        subscribers remove hanako@example.jp
        """
        let r = AdminCommandParser.parse(text, edition: "sakura")
        #expect(r.problems == [])
        #expect(r.commands == [
            AdminCommandLine(line: 3, text: "stats", command: .stats(json: false)),
            AdminCommandLine(line: 5, text: "subscribers show hanako@example.jp", command: .subscribersShow(hanako)),
        ])
        // Some clients drop the blank of "-- ".
        #expect(AdminCommandParser.parse("help\n--\nnot a command", edition: "sakura").problems == [])
    }

    @Test func everyBadLineIsAProblemWithItsNumberAndTheOthersStillRead() {
        let text = """
        stats
        subscribers add hanako@example.jp --due 2027-02-30
        help
        frobnicate
        """
        let r = AdminCommandParser.parse(text, edition: "sakura")
        #expect(r.commands.map(\.line) == [1, 3])
        #expect(r.problems.map(\.line) == [2, 4])
        #expect(r.problems[0].text == "subscribers add hanako@example.jp --due 2027-02-30")
        #expect(r.problems[0].reason.contains("2027-02 has 28 days"))
        #expect(r.problems[1].description == "line 4: frobnicate\n  unknown command \"frobnicate\"; write \"help\" for the list")
    }

    @Test func eachKindOfProblem() {
        // Unknown commands and subcommands; those of the server only.
        #expect(problem("subscribe hanako@example.jp")?.contains("unknown command \"subscribe\"") == true)
        #expect(problem("subscribers frob")?.contains("unknown command \"subscribers frob\"") == true)
        #expect(problem("bounces clear hanako@example.jp")?.contains("unknown command \"bounces clear\"") == true)
        #expect(problem("content review x.md")?.contains("not offered by mail") == true)
        #expect(problem("keys list")?.contains("not offered by mail") == true)
        #expect(problem("subscribers export")?.contains("not offered by mail") == true)
        #expect(problem("subscribers") == "subscribers needs a subcommand: add, show, remove, list or import")
        // Missing arguments and values; too many.
        #expect(problem("subscribers show") == "missing EMAIL")
        #expect(problem("born hanako@example.jp") == "missing DATE")
        #expect(problem("subscribers add hanako@example.jp") == "give --due DATE (pregnancy) or --birth DATE (child)")
        #expect(problem("subscribers add hanako@example.jp --due 2027-05-01 --birth 2026-01-01") == "give either --due or --birth, not both")
        #expect(problem("subscribers add hanako@example.jp --due") == "--due needs a value")
        #expect(problem("subscribers add hanako@example.jp --due --name x") == "--due needs a value")
        #expect(problem("loss hanako@example.jp now") == "unexpected \"now\"")
        #expect(problem("stats hanako@example.jp") == "unexpected \"hanako@example.jp\"")
        // Options unknown, twice, or a flag with a value.
        #expect(problem("pause hanako@example.jp --for 3") == "unknown option --for")
        #expect(problem("pause hanako@example.jp --until 2027-01-01 --until 2027-02-01") == "--until is given twice")
        #expect(problem("stats --json=yes") == "--json takes no value")
        #expect(problem("stats --edition sakura") == "unknown option --edition")
        // Bad dates, addresses, numbers, statuses.
        #expect(problem("born hanako@example.jp yesterday")?.contains("\"yesterday\" is not a date") == true)
        #expect(problem("pause hanako@example.jp --until 2027-13-01")?.contains("there is no month 13") == true)
        #expect(problem("report --date 2027/4/1")?.contains("--date \"2027/4/1\" is not a valid date") == true)
        #expect(problem("subscribers show hanako.example.jp") == "\"hanako.example.jp\" is not a usable email address: the address has no @")
        #expect(problem("subscribers list --limit -1") == "--limit \"-1\" is not a number (0 or more)")
        #expect(problem("subscribers list --limit ten") == "--limit \"ten\" is not a number (0 or more)")
        #expect(problem("subscribers list --status gone")?.hasPrefix("unknown status \"gone\"") == true)
        // Another edition, a file for import, an open quote.
        #expect(problem("subscribers show hanako@example.jp --edition ume") == "--edition ume: this mail acts on edition sakura only")
        #expect(problem("subscribers import members.csv")?.contains("the CSV file is the attachment") == true)
        #expect(problem("subscribers remove hanako@example.jp --reason \"moved") == "a quote \" is not closed")
        // A full-width space does not separate words (the CLI would not read it either).
        #expect(problem("subscribers　list")?.contains("unknown command") == true)
    }

    @Test func aMessageWithoutACommandIsAProblem() {
        let r = AdminCommandParser.parse("\n> quoted only\n-- \nsignature", edition: "sakura")
        #expect(r.commands == [])
        #expect(r.problems == [AdminCommandProblem(line: 0, text: "", reason: "the message holds no command; write \"help\" for the list")])
    }

    @Test func whatACommandChangesAndWhetherItsAnswerHoldsPersonalData() {
        #expect(AdminCommand.help.answersWithPersonalData == false)
        #expect(AdminCommand.contentLint(production: false).answersWithPersonalData == false)
        #expect(AdminCommand.stats(json: false).answersWithPersonalData == true)
        #expect(AdminCommand.loss(hanako).changesState && !AdminCommand.subscribersShow(hanako).changesState)
        #expect(AdminCommand.pause(hanako, until: nil).address == hanako && AdminCommand.bouncesList.address == nil)
    }
}
