import GRDB

/// Counts for some editions only (`editions` non-nil): what belongs to one of their subscribers.
/// What belongs to no subscriber (the report's own mail, a stranger's message, an event about the
/// instance) is counted only for every edition (`editions` nil), so that nothing of one edition
/// — and nothing that might be another's — reaches an edition's own report.
enum EditionScope {
    /// `AND column IN (…)` for a column holding an edition id, or nothing for every edition.
    static func edition(_ column: String, _ editions: [String]?) -> (sql: String, arguments: StatementArguments) {
        guard let editions else { return ("", []) }
        guard !editions.isEmpty else { return (" AND 0", []) }
        return (" AND \(column) IN (\(Array(repeating: "?", count: editions.count).joined(separator: ", ")))", StatementArguments(editions))
    }

    /// `AND column IN (the subscribers of those editions)` for a column holding a subscriber id.
    static func subscriber(_ column: String, _ editions: [String]?) -> (sql: String, arguments: StatementArguments) {
        guard editions != nil else { return ("", []) }
        let inner = edition("edition", editions)
        return (" AND \(column) IN (SELECT id FROM subscribers WHERE 1\(inner.sql))", inner.arguments)
    }
}
