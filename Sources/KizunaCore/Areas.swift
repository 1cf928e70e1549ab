import Foundation

/// One area an edition declares (in `templates/local/<edition>.toml`, table `[areas]`): the id a
/// subscriber's area is stored as, the name shown to people, and the other spellings families use.
public struct Area: Sendable, Hashable {
    public let id: String
    public let name: String
    public let aliases: [String]

    public init(id: String, name: String, aliases: [String] = []) {
        self.id = id; self.name = name; self.aliases = aliases
    }

    /// Every spelling that names this area: its id, its name and its aliases.
    public var spellings: [String] { [id, name] + aliases }
}

/// How two spellings of an area are compared: Unicode NFKC (full-width Latin and digits become
/// half-width, half-width Katakana becomes full-width), then lower case, blanks at the ends
/// removed. Hiragana and Katakana stay distinct on purpose (きた is not キタ): an edition lists
/// each spelling its families use as an alias, so nothing matches that nobody wrote down.
public enum AreaSpelling {
    public static func fold(_ spelling: String) -> String {
        // NFKC again after lowering: lower-casing can leave a string that is not normalised.
        spelling.precomposedStringWithCompatibilityMapping.lowercased().precomposedStringWithCompatibilityMapping
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The areas of one edition, looked up by any spelling once folded.
public struct EditionAreas: Sendable, Hashable {
    /// In declaration order (sorted by id).
    public let areas: [Area]
    private let idByFolded: [String: String]

    /// Two areas whose spellings fold to the same text: a family writing it could mean either.
    public struct Conflict: Error, Sendable, Hashable, CustomStringConvertible {
        public let spelling: String
        public let firstID: String
        public let secondID: String
        public var description: String {
            "areas `\(firstID)` and `\(secondID)` both claim \"\(spelling)\" (compared after NFKC and case folding); give each spelling to one area"
        }
    }

    public init(_ areas: [Area]) throws(Conflict) {
        var idByFolded: [String: String] = [:]
        for area in areas {
            for spelling in area.spellings {
                let folded = AreaSpelling.fold(spelling)
                if let other = idByFolded[folded], other != area.id {
                    throw Conflict(spelling: spelling, firstID: other, secondID: area.id)
                }
                idByFolded[folded] = area.id
            }
        }
        self.areas = areas
        self.idByFolded = idByFolded
    }

    /// The area `spelling` names (its id, name or an alias, after folding), if any.
    /// A particle written after the area word (`お住まいは北区です`) is not part of the area.
    public func area(matching spelling: String) -> Area? {
        let folded = AreaSpelling.fold(spelling)
        var candidates = [folded]
        if let first = folded.first, "はがをも".contains(first), folded.count > 1 {
            candidates.append(String(folded.dropFirst()).trimmingCharacters(in: .whitespaces))
        }
        guard let id = candidates.lazy.compactMap({ self.idByFolded[$0] }).first else { return nil }
        return areas.first { $0.id == id }
    }

    /// The areas as a person reads them, for errors and replies: `kita (北区), minami (南区)`.
    public var listing: String {
        areas.map { $0.name == $0.id ? $0.id : "\($0.id) (\($0.name))" }.joined(separator: ", ")
    }

    /// Why `spelling` names no area of `edition`, listing the ones it has.
    public func unknown(_ spelling: String, edition: String) -> String {
        "unknown area \"\(spelling)\" in edition \(edition); its areas are \(listing)"
    }
}

extension MailCommand {
    /// The command with a subscribe's area as the declared area's id when `areas` knows the
    /// spelling (`地域 キタ` → `kita`); an undeclared one stays as written (the subscription is
    /// not refused over it; it matches no area's local information).
    public func namingAreaIDs(_ areas: EditionAreas?) -> MailCommand {
        guard case .subscribe(var request) = self, let spelling = request.area, let area = areas?.area(matching: spelling) else { return self }
        request.area = area.id
        return .subscribe(request)
    }
}
