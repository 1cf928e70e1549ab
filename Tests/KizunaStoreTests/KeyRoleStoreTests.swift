import Foundation
import GRDB
import KizunaCore
@testable import KizunaStore
import Testing

/// Roles of OpenPGP keys in the store: one row per key, role and edition, each change an event.
@Suite struct KeyRoleStoreTests {
    let fpr = "C1FBAADC670F93569D95D4B5037D511E7178345F"

    func events(_ store: Store) throws -> [String] {
        try store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT kind || '|' || detail FROM events WHERE kind LIKE 'key role%' ORDER BY id")
        }
    }

    @Test func addingTwiceChangesNothingAndRemovingEndsEveryRoleWithEvents() throws {
        let store = try Store.inMemory()
        let admin = KeyRoleRecord(fingerprint: fpr, role: .admin, edition: "sakura", field: nil, userID: "Admin <a@x.example>", addedAt: noon)
        #expect(try store.addKeyRole(admin))
        #expect(try !store.addKeyRole(admin))
        let reviewer = KeyRoleRecord(fingerprint: fpr, role: .reviewer, edition: nil, field: "midwifery", userID: "Admin <a@x.example>", addedAt: noon)
        #expect(try store.addKeyRole(reviewer))
        #expect(try store.currentKeyRoles().map(\.roleText) == ["admin for sakura", "reviewer (midwifery)"])

        let ended = try store.removeKeyRoles(fingerprint: fpr, at: noon.addingTimeInterval(60))
        #expect(ended.map(\.roleText) == ["admin for sakura", "reviewer (midwifery)"])
        #expect(try store.currentKeyRoles().isEmpty)
        #expect(try store.removeKeyRoles(fingerprint: fpr, at: noon).isEmpty)
        #expect(try events(store) == [
            "key role added|\(fpr) admin for sakura: Admin <a@x.example>",
            "key role added|\(fpr) reviewer (midwifery): Admin <a@x.example>",
            "key role removed|\(fpr) admin for sakura: Admin <a@x.example>",
            "key role removed|\(fpr) reviewer (midwifery): Admin <a@x.example>",
        ])
        // The rows stay, stamped: who could do what, when.
        let removedAt = try store.writer.read { db in try String?.fetchAll(db, sql: "SELECT removed_at FROM openpgp_keys ORDER BY id") }
        #expect(removedAt == ["2026-05-01T12:01:00.000Z", "2026-05-01T12:01:00.000Z"])
        // A role given again after removal is a new row.
        #expect(try store.addKeyRole(admin))
    }

    @Test func theSchemaRefusesBadRows() throws {
        let store = try Store.inMemory()
        for bad in [
            KeyRoleRecord(fingerprint: "c1fbaadc670f93569d95d4b5037d511e7178345f", role: .admin, edition: nil, field: nil, userID: "", addedAt: noon),
            KeyRoleRecord(fingerprint: "ABC", role: .admin, edition: nil, field: nil, userID: "", addedAt: noon),
            KeyRoleRecord(fingerprint: fpr, role: .admin, edition: nil, field: "midwifery", userID: "", addedAt: noon),
        ] {
            #expect(throws: DatabaseError.self) { try store.addKeyRole(bad) }
        }
        #expect(try events(store).isEmpty)
    }
}
