@testable import KizunaJobs
import Testing

/// The progress line a person sees on a terminal during a long `batch`, `send`, `import` or `poll`.
@Suite struct ProgressLineTests {
    @Test func doneOfTotalWithRateAndTimeLeft() {
        #expect(ProgressLine.text(label: "send: messages", done: 1200, total: 5000, elapsed: 4)
                == "send: messages 1200/5000 · 300/s · 13 s left")
        #expect(ProgressLine.text(label: "import: rows", done: 3, total: 1000, elapsed: 2)
                == "import: rows 3/1000 · 1.5/s · 11 min 05 s left")
        #expect(ProgressLine.text(label: "batch: recipients", done: 10, total: 1_000_000, elapsed: 1)
                == "batch: recipients 10/1000000 · 10/s · 27 h 46 min left")
    }

    @Test func noRateBeforeHalfASecondNorTimeLeftWithoutATotalOrWhenDone() {
        #expect(ProgressLine.text(label: "poll: messages", done: 5, total: 9, elapsed: 0.2) == "poll: messages 5/9")
        #expect(ProgressLine.text(label: "poll: messages", done: 0, total: 9, elapsed: 3) == "poll: messages 0/9")
        #expect(ProgressLine.text(label: "poll: messages", done: 40, total: nil, elapsed: 2) == "poll: messages 40 · 20/s")
        #expect(ProgressLine.text(label: "send: messages", done: 9, total: 9, elapsed: 3) == "send: messages 9/9 · 3.0/s")
    }
}
