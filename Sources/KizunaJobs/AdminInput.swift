import KizunaCore

/// What the administrator's commands share: an address as typed, and the subscriber it must name.
enum AdminInput {
    /// `email` as an address, or an error for the operator (65).
    static func address(_ email: String) throws -> EmailAddress {
        do { return try EmailAddress(parsing: email) } catch {
            throw JobError("\"\(email)\" is not a usable email address: \(error)", exitCode: ExitStatus.dataError)
        }
    }

    /// What `lookup` finds for the address `email` (in `edition`, when given), or an error that
    /// says there is no such subscriber (65).
    static func subscriber<T>(_ email: String, edition: String?, _ lookup: (EmailAddress) throws -> T?) throws -> T {
        let address = try address(email)
        guard let found = try lookup(address) else {
            throw JobError("no subscriber \(address)\(edition.map { " in edition \($0)" } ?? "")", exitCode: ExitStatus.dataError)
        }
        return found
    }
}
