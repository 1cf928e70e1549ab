import KizunaCore
import TOMLKit

/// One text that can reach a family, with its review: a daily message, a system message, a
/// layout, a local information entry, a survey, or (from the configuration) an edition's support contacts.
public struct ReviewableText: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case message
        case system = "system message"
        case layout
        case localInfo = "local info"
        case supportContacts = "support contacts"
        case phrases
        case survey
    }

    public let kind: Kind
    /// The file that holds the text: relative to the templates directory, or the configuration file.
    public let path: String
    /// Names the text within its file (an entry, an edition), for people; empty for a whole file.
    public let label: String
    /// Names the text uniquely and stably across rewrites (line numbers shift): the path, and the
    /// entry's index or the edition's id.
    public let id: String
    public let sample: Bool
    public let review: ReviewRecord
    /// The SHA-256 of the text as it is now (`ReviewFingerprint`).
    public let fingerprint: String

    public init(kind: Kind, path: String, label: String = "", id: String? = nil, sample: Bool, review: ReviewRecord, fingerprint: String) {
        self.kind = kind; self.path = path; self.label = label; self.id = id ?? path
        self.sample = sample; self.review = review; self.fingerprint = fingerprint
    }

    public var verdict: ReviewVerdict { review.verdict(fingerprint: fingerprint, sample: sample) }

    /// The path and, for a part of a file, which part.
    public var place: String { label.isEmpty ? path : "\(path) (\(label))" }
}

extension ContentCatalog {
    /// Every text of the catalog that can reach a family, in a fixed order: daily messages, system
    /// messages, phrases, layouts, local information, surveys; then each edition's overlay the same way.
    public var reviewableTexts: [ReviewableText] {
        var result = Self.texts(messages: messages, system: systemMessages, phrases: phrases, layouts: layouts)
        for editionID in localEditionIDs {
            for info in localInfo(editionID: editionID) {
                result.append(ReviewableText(kind: .localInfo, path: info.path, label: "[[info]] #\(info.index + 1)\(info.line.map { ", line \($0)" } ?? "")",
                                             id: "\(info.path)#\(info.index)", sample: info.sample, review: info.review,
                                             fingerprint: info.fingerprint))
            }
        }
        for survey in surveys {
            guard let source = surveySources[survey.id] else { continue }
            result.append(ReviewableText(kind: .survey, path: source.path, sample: survey.sample, review: survey.review, fingerprint: source.fingerprint))
        }
        for editionID in overlayEditionIDs {
            let o = overlays[editionID]!
            result += Self.texts(messages: o.messages, system: o.systemMessages, phrases: o.phrases, layouts: o.layouts)
        }
        return result
    }

    /// The texts of one set of files (the shared catalog's, or an overlay's), by kind then language.
    static func texts(messages: [String: [Stage: CatalogMessage]], system: [String: [String: SystemMessage]],
                      phrases: [String: PhraseFile], layouts: [String: Layout]) -> [ReviewableText] {
        var result: [ReviewableText] = []
        for language in messages.keys.sorted() {
            for m in messages[language]!.values.sorted(by: CatalogMessage.inCatalogOrder) {
                result.append(ReviewableText(kind: .message, path: m.path, sample: m.sample, review: m.review, fingerprint: m.fingerprint))
            }
        }
        for language in system.keys.sorted() {
            for name in system[language]!.keys.sorted() {
                let m = system[language]![name]!
                result.append(ReviewableText(kind: .system, path: m.path, sample: m.sample, review: m.review, fingerprint: m.fingerprint))
            }
        }
        for language in phrases.keys.sorted() {
            let p = phrases[language]!
            result.append(ReviewableText(kind: .phrases, path: p.path, sample: p.sample, review: p.review, fingerprint: p.fingerprint))
        }
        for language in layouts.keys.sorted() {
            let layout = layouts[language]!
            for kind in ["text", "html"] {
                guard let fingerprint = layout.fingerprints[kind] else { continue }
                result.append(ReviewableText(kind: .layout, path: layout.path(kind), sample: false,
                                             review: layout.reviews[kind] ?? .none, fingerprint: fingerprint))
            }
        }
        return result
    }

    /// Where the review records of a language's layouts are kept: the layouts are Mustache, with
    /// no front matter, so their records sit beside them.
    public static func layoutReviewPath(language: String) -> String { "layouts/\(language)/review.toml" }
}

extension CatalogLoader {
    /// The records in `layouts/<lang>/review.toml` (`text = { … }`, `html = { … }`); none when
    /// the file does not exist. A bad file is a load error.
    mutating func layoutReviews(language: String) -> [String: ReviewInfo] {
        let path = prefix + ContentCatalog.layoutReviewPath(language: language)
        guard exists(path) else { return [:] }
        do throws(ContentError) {
            let text = try read(path)
            let table: TOMLTable
            do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
                throw ContentError(.badTOML, path: path, line: error.source.begin.line, "bad TOML: \(error.description)")
            } catch {
                throw ContentError(.badTOML, path: path, line: 1, "bad TOML: \(error)")
            }
            var result: [String: ReviewInfo] = [:]
            for key in table.keys.sorted() {
                let line = TOMLLines.line(ofKey: key, in: nil, text: text)
                guard key == "text" || key == "html" else {
                    throw ContentError(.unknownKey, path: path, line: line, "unknown key `\(key)`; allowed: html, text (the review record of each layout)")
                }
                guard let record = table[key]?.table else {
                    throw ContentError(.wrongType, path: path, line: line, "`\(key)` must be an inline table: \(key) = { status = \"unreviewed\" }")
                }
                do { result[key] = try ReviewTOML.read(record) } catch { throw ContentError(.badValue, path: path, line: line, error.message) }
            }
            return result
        } catch {
            errors.append(error)
            return [:]
        }
    }
}

/// How much of what reaches families is reviewed, and by which fields.
public struct ReviewCoverage: Sendable, Equatable {
    public var total = 0
    public var reviewed = 0
    /// Reviewed texts per field.
    public var byField: [ReviewField: Int] = [:]
    /// Reviewed and total texts per kind.
    public var byKind: [ReviewableText.Kind: (reviewed: Int, total: Int)] = [:]
    /// Texts marked `sample = true`.
    public var sample = 0
    /// Texts reviewed once but changed since.
    public var changed = 0

    public init(_ texts: [ReviewableText]) {
        for text in texts {
            total += 1
            var kind = byKind[text.kind] ?? (0, 0)
            kind.total += 1
            switch text.verdict {
            case .reviewed(let field):
                reviewed += 1
                kind.reviewed += 1
                byField[field, default: 0] += 1
            case .sample: sample += 1
            case .changed: changed += 1
            case .unreviewed, .incomplete: break
            }
            byKind[text.kind] = kind
        }
    }

    public static func == (a: ReviewCoverage, b: ReviewCoverage) -> Bool {
        a.lines == b.lines
    }

    /// The coverage for people: a summary line, then one line per kind and per field.
    public var lines: [String] {
        var out = ["review coverage: \(reviewed) of \(total) texts reviewed (\(total - reviewed) not: \(sample) sample, \(changed) changed since review)"]
        for kind in ReviewableText.Kind.allCases {
            guard let k = byKind[kind] else { continue }
            out.append("  \(kind.rawValue): \(k.reviewed) of \(k.total)")
        }
        for field in byField.keys.sorted() {
            out.append("  field \(field.rawValue): \(byField[field]!)")
        }
        return out
    }
}
