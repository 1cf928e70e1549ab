import Crypto
import Foundation

/// Whether a piece of content has been reviewed by a qualified person.
public enum ReviewStatus: String, Sendable, Hashable {
    case unreviewed
    case reviewed
}

/// The expertise a reviewer brings: a known list, so that coverage by field adds up and a typo
/// ("paediatircs") is an error rather than a field of its own.
public enum ReviewField: String, Sendable, Hashable, CaseIterable, Comparable {
    case obstetrics
    case paediatrics
    case midwifery
    case nursing
    case publicHealth = "public health"
    case nutrition
    case dentistry
    case mentalHealth = "mental health"
    case lactation
    case pharmacy
    case socialWork = "social work"
    /// A person at the clinic or town office who checks local notices and contacts (opening
    /// hours, phone numbers, addresses): not a medical field, but a review all the same.
    case localServices = "local services"

    /// Other spellings people write for a field.
    static let aliases: [String: ReviewField] = ["pediatrics": .paediatrics, "paediatric": .paediatrics, "pediatric": .paediatrics]

    /// Reads a field as written on the command line or in a file: case and `-`/`_` for spaces do
    /// not matter; nil when it is not a known field.
    public init?(parsing text: String) {
        let words = text.lowercased().replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ")
            .split(separator: " ").joined(separator: " ")
        guard let field = ReviewField(rawValue: words) ?? Self.aliases[words] else { return nil }
        self = field
    }

    /// The known fields, for an error message.
    public static var knownList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    public static func < (a: ReviewField, b: ReviewField) -> Bool { a.rawValue < b.rawValue }
}

/// A review as recorded beside a text: who reviewed it, in which field, when, and the SHA-256 of
/// the text they approved. The hash pins the review to the text: a changed text is unreviewed again.
public struct ReviewRecord: Sendable, Hashable {
    public var status: ReviewStatus
    public var reviewer: String
    public var field: ReviewField?
    public var reviewedOn: CivilDate?
    /// Lowercase hex SHA-256 of the reviewed text (`ReviewFingerprint`); nil in records written
    /// before reviews were pinned, which count as unreviewed.
    public var sha256: String?

    public init(status: ReviewStatus, reviewer: String, field: ReviewField? = nil, reviewedOn: CivilDate?, sha256: String? = nil) {
        self.status = status; self.reviewer = reviewer; self.field = field; self.reviewedOn = reviewedOn; self.sha256 = sha256
    }

    /// No review at all.
    public static let none = ReviewRecord(status: .unreviewed, reviewer: "", reviewedOn: nil)

    /// What this record says about a text whose fingerprint is `fingerprint` now. Sample text is
    /// never reviewed, whatever its record says.
    public func verdict(fingerprint: String, sample: Bool) -> ReviewVerdict {
        if sample { return .sample }
        guard status == .reviewed else { return .unreviewed }
        var missing: [String] = []
        if reviewer.trimmingCharacters(in: .whitespaces).isEmpty { missing.append("reviewer") }
        if field == nil { missing.append("field") }
        if reviewedOn == nil { missing.append("reviewed_on") }
        if sha256 == nil { missing.append("sha256") }
        if !missing.isEmpty { return .incomplete(missing) }
        guard sha256 == fingerprint, let field else { return .changed(self) }
        return .reviewed(field)
    }
}

/// Whether a text may go to families in production, and if not, why.
public enum ReviewVerdict: Sendable, Equatable {
    case reviewed(ReviewField)
    /// `sample = true`: original sample text, never for families in production.
    case sample
    /// No review recorded (`status = "unreviewed"`, or no record).
    case unreviewed
    /// Marked reviewed, but these parts of the record are missing.
    case incomplete([String])
    /// Reviewed, but the text changed since: its hash is not the one the reviewer approved.
    case changed(ReviewRecord)

    public var isReviewed: Bool {
        if case .reviewed = self { return true }
        return false
    }

    /// Why the text is not reviewed, for lint and for a refusing step; nil when it is reviewed.
    public var problem: String? {
        switch self {
        case .reviewed: return nil
        case .sample: return "sample text (sample = true), never sent in production whatever its review says"
        case .unreviewed: return "not reviewed"
        case .incomplete(let missing):
            return "marked reviewed but the review record has no \(missing.joined(separator: ", ")): record it with `kizuna content review`"
        case .changed(let r):
            let by = [r.reviewer, r.field.map { "(\($0.rawValue))" }, r.reviewedOn.map { "on \($0.iso)" }].compactMap { $0 }.joined(separator: " ")
            return "changed since it was reviewed by \(by) (the text's SHA-256 is not the one reviewed): review it again"
        }
    }
}

/// The SHA-256 a review is pinned to, over a text's parts after canonicalising each, so that
/// what a reviewer approved can be told from any later change while invisible differences
/// (a Windows editor's line ends, a precomposed or decomposed kana, blanks at a line's end or
/// blank lines around the text) do not undo a review.
public enum ReviewFingerprint {
    /// Names the canonical form; a new form gets a new name, so no old hash matches it by chance.
    public static let version = "kizuna-review-1"

    /// Unicode NFC, LF line ends, spaces and tabs at line ends removed, blank lines at the start
    /// and end removed.
    public static func canonical(_ text: String) -> String {
        let nfc = text.precomposedStringWithCanonicalMapping
            .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = nfc.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var end = line.endIndex
            while end > line.startIndex, line[line.index(before: end)] == " " || line[line.index(before: end)] == "\t" {
                end = line.index(before: end)
            }
            return line[..<end]
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// Lowercase hex SHA-256 of the named parts, each canonicalised and length-prefixed (so no
    /// two different lists of parts hash alike).
    public static func of(_ parts: [(name: String, value: String)]) -> String {
        var bytes = Array("\(version)\n".utf8)
        for part in parts {
            let value = canonical(part.value)
            bytes += Array("\(part.name) \(value.utf8.count)\n\(value)\n".utf8)
        }
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
