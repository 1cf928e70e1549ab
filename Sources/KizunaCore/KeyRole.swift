/// What a key in the instance's keyring may do: run the edition (`admin`) or approve texts
/// (`reviewer`). A role lives in the store, never in the key's user id.
public enum KeyRole: String, Sendable, CaseIterable, Hashable, Codable {
    case admin, reviewer
}
