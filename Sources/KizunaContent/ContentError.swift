/// A problem in `templates/`, found while loading: names the file, the line where known, and what is wrong.
public struct ContentError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem it is, for callers and tests that branch on it.
    public enum Code: String, Sendable, Equatable {
        case unreadable
        case missingFrontMatter
        case badTOML
        case missingKey
        case unknownKey
        case wrongType
        case badValue
        case conflictingStage
        case unknownTrack
        case duplicateStage
        case mustacheSyntax
        case unknownVariable
        case missingLayout
        case unsupportedLanguage
        case misplacedFile
        /// An edition's overlay names a system message the shared catalog (and so the program) does not have.
        case notShared
        /// A local info file or an overlay names an edition the configuration does not have.
        case unknownEdition
    }

    public let code: Code
    /// Path relative to the templates directory, e.g. `messages/ja/pregnancy/d0140.md`.
    public let path: String
    /// 1-based line in the file, when known.
    public let line: Int?
    public let message: String
    /// Further problems found in the same load, so an editor can fix them all in one pass.
    public internal(set) var additional: [ContentError] = []

    public init(_ code: Code, path: String, line: Int? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.line = line
        self.message = message
    }

    /// Every problem this error carries: itself, then the additional ones.
    public var all: [ContentError] {
        var first = self
        first.additional = []
        return [first] + additional
    }

    public var description: String {
        func one(_ e: ContentError) -> String {
            let location = e.line.map { "\(e.path):\($0)" } ?? e.path
            return "\(location): \(e.message)"
        }
        var lines = [one(self)]
        lines += additional.map(one)
        if !additional.isEmpty { lines.insert("\(additional.count + 1) problems in templates:", at: 0) }
        return lines.joined(separator: "\n")
    }
}

/// A request the catalog cannot serve: no such message, system message or language.
public struct RenderError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        case noMessage
        case noSystemMessage
        case noLanguage
        case missingVariable
        case noSections
    }
    public let code: Code
    public let message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { message }
}
