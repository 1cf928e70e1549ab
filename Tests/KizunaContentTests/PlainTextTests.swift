import Testing
@testable import KizunaContent

@Suite struct PlainTextTests {
    let en = PlainText(forms: .english)
    let ja = PlainText(forms: .japanese)

    /// Markdown syntax that must not reach the text part.
    static func leftovers(_ text: String) -> [String] {
        var found: [String] = []
        for marker in ["**", "__", "](", "`", "<http", "~~", "\\*"] where text.contains(marker) { found.append(marker) }
        for line in text.split(separator: "\n") {
            let t = line.drop(while: { $0 == " " })
            if t.hasPrefix("#") || t.hasPrefix("- ") || t.hasPrefix("* ") || t.hasPrefix("+ ") || t.hasPrefix(">") {
                found.append(String(line))
            }
        }
        return found
    }

    @Test func convertsBlocksAndInlines() {
        let markdown = """
        # Title

        Some **bold**, *italic*, _also_ and `code` text
        that wraps onto a second line.

        - one
        - two with [a link](https://example.org/x)
          continued
        * three

        1. first
        2) second

        > quoted *words*

        ---

        ![a picture](https://example.org/p.png) and <https://example.org/auto> and snake_case_name.
        Line with a hard break\\
        next. 2 * 3 = 6. AT&amp;T &lt;ok&gt; \\*literal\\*
        """
        let text = en.render(markdown)
        #expect(text == """
        ■ Title

        Some bold, italic, also and code text that wraps onto a second line.

        • one
        • two with a link (https://example.org/x) continued
        • three

        1. first
        2. second

          quoted words

        ――――――――

        a picture and https://example.org/auto and snake_case_name. Line with a hard break
        next. 2 * 3 = 6. AT&T <ok> *literal*
        """)
        #expect(Self.leftovers(text).isEmpty, "\(Self.leftovers(text))")
    }

    @Test func japaneseLinesJoinWithoutSpaces() {
        let text = ja.render("## 見出し\n\n今日は\n**いい天気**です。\n\n- 項目")
        #expect(text == "■ 見出し\n\n今日はいい天気です。\n\n・項目")
    }

    @Test func linksToThemselvesAreShownOnce() {
        #expect(en.inline("[https://a.example](https://a.example)") == "https://a.example")
        #expect(en.inline("[k@a.example](mailto:k@a.example)") == "k@a.example")
        #expect(en.inline("<b>bold</b><br>next") == "bold\nnext")
    }

    @Test func fencedCodeKeepsItsLines() {
        #expect(en.render("```\n**not bold**\n  kept\n```\nafter") == "**not bold**\n  kept\n\nafter")
    }
}
