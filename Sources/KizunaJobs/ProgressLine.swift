import Foundation

/// The words of a progress line: `send: messages 1200/5000 · 310/s · 12 s left`.
/// Pure, so that what a person sees on a terminal is tested without one.
public enum ProgressLine {
    /// `done` of `total` (nil: not known yet) after `elapsed` seconds.
    public static func text(label: String, done: Int, total: Int?, elapsed: Double) -> String {
        var parts = ["\(label) " + (total.map { "\(done)/\($0)" } ?? "\(done)")]
        // A rate needs a moment of history; before that it would be noise.
        guard elapsed >= 0.5, done > 0 else { return parts[0] }
        let rate = Double(done) / elapsed
        parts.append(rate >= 10 ? "\(Int(rate.rounded()))/s" : String(format: "%.1f/s", rate))
        if let total, total > done {
            parts.append(duration(Double(total - done) / rate) + " left")
        }
        return parts.joined(separator: " · ")
    }

    /// `42 s`, `3 min 05 s`, `1 h 02 min`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        if s < 60 { return "\(s) s" }
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min", s / 3600, (s % 3600) / 60)
    }
}
