/// format=flowed (RFC 3676): lines ending in a space continue on the next line of the same
/// quote depth. Unwrapped lines keep their quote marks as `> ` so quoted text stays visible.
enum IncomingFlowedText {
    static func unwrap(_ text: String, deleteSpace: Bool) -> String {
        var out: [String] = []
        var paragraph = ""
        var paragraphDepth = -1
        var open = false

        func prefix(_ depth: Int) -> String { depth == 0 ? "" : String(repeating: ">", count: depth) + " " }
        func close() {
            if open { out.append(prefix(paragraphDepth) + paragraph) }
            paragraph = ""; open = false; paragraphDepth = -1
        }

        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            // A final empty piece is just the last line break.
            if index == lines.count - 1 && rawLine.isEmpty { break }
            var line = rawLine[...]
            var depth = 0
            while line.first == ">" { depth += 1; line = line.dropFirst() }
            // Space-stuffing (§4.4).
            if line.first == " " { line = line.dropFirst() }
            let isSignature = line == "-- "
            let soft = !isSignature && line.last == " "
            if open && depth != paragraphDepth { close() }
            var content = String(line)
            if soft && deleteSpace { content.removeLast() }
            paragraph += content
            paragraphDepth = depth
            open = true
            if !soft { close() }
        }
        close()
        return out.joined(separator: "\n") + (text.hasSuffix("\n") ? "\n" : "")
    }
}
