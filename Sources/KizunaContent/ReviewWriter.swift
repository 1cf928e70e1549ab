import KizunaCore

/// Writes review records into content files' text, changing nothing but the record: the
/// `[review]` table of a front matter, the `review = { … }` line of a local info entry, a
/// layout's line in `layouts/<lang>/review.toml`. Pure text in, text out; the caller checks the
/// result by loading it (`ContentCatalog.load(directory:replacing:)`) before writing it.
public enum ReviewWriter {
    /// A message or system message with its `[review]` table replaced by `record`.
    public static func frontMatter(_ text: String, record: ReviewRecord, path: String) throws(ContentError) -> String {
        var (lines, crlf) = ReviewTOML.lines(text)
        func isFence(_ line: String) -> Bool {
            line.hasPrefix("\u{FEFF}") ? line.dropFirst().trimmingTrailingSpaces == "+++" : line.trimmingTrailingSpaces == "+++"
        }
        guard let first = lines.first, isFence(first),
              let closing = lines.indices.dropFirst().first(where: { isFence(lines[$0]) }) else {
            throw ContentError(.missingFrontMatter, path: path, line: 1, "no front matter between `+++` lines to record the review in")
        }
        func isReviewHeader(_ line: String) -> Bool {
            let t = line.trimmingSpaces
            return t.hasPrefix("[review]") && (t.count == 8 || t.dropFirst(8).trimmingSpaces.hasPrefix("#"))
        }
        guard let header = (1..<closing).first(where: { isReviewHeader(lines[$0]) }) else {
            throw ContentError(.missingKey, path: path, line: 1, "no [review] table in the front matter to record the review in")
        }
        // [review] is the front matter's only table, so it runs to the closing line.
        lines.replaceSubrange(header..<closing, with: ReviewTOML.tableLines(record))
        return ReviewTOML.text(lines, crlf: crlf)
    }

    /// A local info file with `review = { … }` set in the entries (0-based, in file order) that
    /// `records` names: the line is replaced where the entry has one, else put right under the
    /// entry's `[[info]]` line.
    public static func localInfo(_ text: String, records: [Int: ReviewRecord], path: String) throws(ContentError) -> String {
        var (lines, crlf) = ReviewTOML.lines(text)
        let headers = tableHeaders(lines)
        let entries = headers.filter { $0.array && $0.name == "info" }.map(\.index)
        for (index, record) in records.sorted(by: { $0.key > $1.key }) {
            guard index < entries.count else {
                throw ContentError(.badTOML, path: path, "entry #\(index + 1) has no `[[info]]` line of its own to record the review under")
            }
            let start = entries[index]
            let end = headers.first { $0.index > start }?.index ?? lines.count
            ReviewTOML.setLine("review", to: ReviewTOML.inline(record), in: &lines, range: (start + 1)..<end, insertAt: start + 1)
        }
        return ReviewTOML.text(lines, crlf: crlf)
    }

    /// A phrases file with its top-level `review = { … }` line set.
    public static func phrases(_ text: String, record: ReviewRecord) -> String {
        var (lines, crlf) = ReviewTOML.lines(text)
        let end = tableHeaders(lines).first?.index ?? lines.count
        ReviewTOML.setLine("review", to: ReviewTOML.inline(record), in: &lines, range: 0..<end, insertAt: end)
        return ReviewTOML.text(lines, crlf: crlf)
    }

    /// `layouts/<lang>/review.toml` (its text, or nil when it does not exist yet) with the lines
    /// of `records` (by layout kind: `text`, `html`) set.
    public static func layoutReviews(_ text: String?, records: [String: ReviewRecord]) -> String {
        var (lines, crlf) = text.map(ReviewTOML.lines) ?? ([
            "# Review records of this language's layouts, written by `kizuna content review`.",
            "# Each holds the SHA-256 of the layout file it approves: a changed layout is unreviewed again.",
        ], false)
        if lines.last == "" { lines.removeLast() }
        for (kind, record) in records.sorted(by: { $0.key < $1.key }) {
            let end = tableHeaders(lines).first?.index ?? lines.count
            ReviewTOML.setLine(kind, to: ReviewTOML.inline(record), in: &lines, range: 0..<end, insertAt: end)
        }
        return ReviewTOML.text(lines + [""], crlf: crlf)
    }

    /// Table header lines (`[name]`, `[[name]]`): a line of bare-key characters between brackets,
    /// so a Markdown link at the start of a line of text (`[site](https://…)`) is not one.
    public static func tableHeaders(_ lines: [String]) -> [(index: Int, name: String, array: Bool)] {
        ReviewTOML.tableHeaders(lines).filter { header in
            let line = lines[header.index].trimmingSpaces
            let bare = header.name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-. \"".contains($0)) }
            return bare && line.hasSuffix("]")
        }
    }
}
