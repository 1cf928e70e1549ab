import Foundation
import KizunaCore
import TOMLKit

/// Review records as TOML: read from a `[review]` table or an inline `review = { … }`, and
/// written back as lines that replace only the record. Shared by the catalog and the
/// configuration (the support contacts' record).
public enum ReviewTOML {
    public static let keys: Set<String> = ["status", "reviewer", "field", "reviewed_on", "sha256"]

    /// What is wrong with a record, and at which key.
    public struct Problem: Error, Sendable {
        public enum Kind: Sendable { case unknownKey, missingKey, wrongType, badValue }
        public let kind: Kind
        public let key: String
        public let message: String
    }

    /// Reads a record; `status` is required, the rest optional (an incomplete record is a
    /// verdict, not a load error). An unknown field or a malformed value is an error.
    public static func read(_ table: TOMLTable) throws(Problem) -> ReviewRecord {
        for key in table.keys.sorted() where !keys.contains(key) {
            throw Problem(kind: .unknownKey, key: key, message: "unknown key `\(key)` in the review record; allowed: \(keys.sorted().joined(separator: ", "))")
        }
        func string(_ key: String) throws(Problem) -> String? {
            guard let value = table[key] else { return nil }
            guard let s = value.string else { throw Problem(kind: .wrongType, key: key, message: "`\(key)` must be a string") }
            return s
        }
        guard let statusText = try string("status") else { throw Problem(kind: .missingKey, key: "status", message: "missing key `status` in the review record") }
        guard let status = ReviewStatus(rawValue: statusText) else {
            throw Problem(kind: .badValue, key: "status", message: "review status must be \"unreviewed\" or \"reviewed\", not \"\(statusText)\"")
        }
        var field: ReviewField? = nil
        if let text = try string("field"), !text.isEmpty {
            guard let f = ReviewField(parsing: text) else {
                throw Problem(kind: .badValue, key: "field", message: "unknown review field \"\(text)\"; known: \(ReviewField.knownList)")
            }
            field = f
        }
        var reviewedOn: CivilDate? = nil
        if let dateText = try string("reviewed_on"), !dateText.isEmpty {
            guard let date = CivilDate(iso: dateText) else {
                throw Problem(kind: .badValue, key: "reviewed_on", message: "reviewed_on must be a date written YYYY-MM-DD, not \"\(dateText)\"")
            }
            reviewedOn = date
        }
        var sha: String? = nil
        if let hash = try string("sha256"), !hash.isEmpty {
            guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw Problem(kind: .badValue, key: "sha256", message: "sha256 must be 64 lowercase hex digits (written by `kizuna content review`)")
            }
            sha = hash
        }
        return ReviewRecord(status: status, reviewer: try string("reviewer") ?? "", field: field, reviewedOn: reviewedOn, sha256: sha)
    }

    /// A TOML basic string holding `s`.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The record's key-value pairs, in a fixed order.
    static func pairs(_ r: ReviewRecord) -> [(String, String)] {
        [("status", r.status.rawValue), ("reviewer", r.reviewer), ("field", r.field?.rawValue ?? ""),
         ("reviewed_on", r.reviewedOn?.iso ?? ""), ("sha256", r.sha256 ?? "")]
    }

    /// The record as the lines of a `[review]` table (header included).
    public static func tableLines(_ r: ReviewRecord) -> [String] {
        ["[review]"] + pairs(r).map { "\($0.0) = \(quoted($0.1))" }
    }

    /// The record as one inline table: `{ status = "reviewed", reviewer = "…", … }`.
    public static func inline(_ r: ReviewRecord) -> String {
        "{ " + pairs(r).map { "\($0.0) = \(quoted($0.1))" }.joined(separator: ", ") + " }"
    }

    /// Sets `key = value` (one line) among `lines[range]`: replaces the line that sets `key`
    /// there, else inserts the line at `insertAt`. Callers check the result by parsing it.
    public static func setLine(_ key: String, to value: String, in lines: inout [String], range: Range<Int>, insertAt: Int) {
        let line = "\(key) = \(value)"
        for i in range where i < lines.count {
            let text = lines[i].drop(while: { $0 == " " || $0 == "\t" })
            guard text.hasPrefix(key) else { continue }
            if text.dropFirst(key.count).drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("=") {
                lines[i] = line
                return
            }
        }
        lines.insert(line, at: insertAt)
    }

    /// 0-based indices of the lines that open a table (`[name]` or `[[name]]`), with the name.
    public static func tableHeaders(_ lines: [String]) -> [(index: Int, name: String, array: Bool)] {
        var result: [(Int, String, Bool)] = []
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingSpaces
            guard line.hasPrefix("[") else { continue }
            let array = line.hasPrefix("[[")
            let name = line.drop(while: { $0 == "[" }).prefix(while: { $0 != "]" }).trimmingSpaces
            result.append((i, name, array))
        }
        return result
    }

    /// The file's text as LF lines, and whether it used CRLF (to write it back the same way).
    public static func lines(_ text: String) -> (lines: [String], crlf: Bool) {
        let crlf = text.contains("\r\n")
        let lf = crlf ? text.replacingOccurrences(of: "\r\n", with: "\n") : text
        return (lf.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), crlf)
    }

    /// Lines joined back with the file's line ends.
    public static func text(_ lines: [String], crlf: Bool) -> String {
        lines.joined(separator: crlf ? "\r\n" : "\n")
    }
}
