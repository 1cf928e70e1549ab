import Foundation
import KizunaCore
@testable import KizunaContent

enum Fixtures {
    static let content = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/content")
    static let valid = content.appendingPathComponent("valid")
    static let broken = content.appendingPathComponent("broken")
    static let repoTemplates = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("templates")

    static func validCatalog() throws -> ContentCatalog {
        try ContentCatalog.load(directory: valid)
    }

    /// A copy of the valid fixture catalog in a temporary directory, for breaking.
    static func scratchCopy() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kizuna-content-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: valid, to: dir)
        return dir
    }

    /// Loads the valid catalog with `brokenFile` placed at `path`; returns the error it throws.
    static func loadError(placing brokenFile: String, at path: String) throws -> ContentError? {
        let dir = try scratchCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: broken.appendingPathComponent(brokenFile), to: target)
        do {
            _ = try ContentCatalog.load(directory: dir)
            return nil
        } catch {
            return error
        }
    }
}

let town = EditionInfo(id: "town", name: "Town <Kizuna> & Co")

/// A day for renders whose local info has no calendar window: any date gives the same mail.
let undatedDay = CivilDate(year: 2026, month: 6, day: 1)!
