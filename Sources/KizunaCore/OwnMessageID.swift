/// Our Message-IDs, built and read in one place.
///
/// A family's mail (daily messages, replies, confirmation requests: one id space, the
/// delivery's) carries `kizuna.<delivery id base 36>.<yyyymmdd>.<random base 36>@domain`, so a
/// bounce that quotes only the returned message's Message-ID still maps to its delivery. The
/// administrator's report carries `kizuna-report.<yyyymmdd>.<id base 36>.<random base 36>@domain`,
/// which is never taken for a delivery's.
public enum OwnMessageID {
    /// How a delivery's Message-ID begins inside angle brackets, for a quick look at a line of text.
    public static let deliveryOpening = "<kizuna."

    /// The Message-ID (without angle brackets) of the mail of delivery `id`, sent on `date`.
    public static func delivery(_ id: Int64, date: CivilDate, domain: String,
                                random: UInt32 = .random(in: 0 ... .max)) -> String {
        "kizuna.\(String(id, radix: 36)).\(compact(date)).\(String(random, radix: 36))@\(domain)"
    }

    /// The Message-ID of the report for `date` (delivery `id`).
    public static func report(_ id: Int64, date: CivilDate, domain: String,
                              random: UInt32 = .random(in: 0 ... .max)) -> String {
        "kizuna-report.\(compact(date)).\(String(id, radix: 36)).\(String(random, radix: 36))@\(domain)"
    }

    /// Whether `messageID` (without angle brackets) is one of our daily reports'.
    public static func isReport(_ messageID: String) -> Bool { messageID.lowercased().hasPrefix("kizuna-report.") }

    /// The Message-ID of a reply (or notice) to an administrator's mail (delivery `id`): never
    /// taken for a family's delivery either.
    public static func admin(_ id: Int64, date: CivilDate, domain: String,
                             random: UInt32 = .random(in: 0 ... .max)) -> String {
        "kizuna-admin.\(compact(date)).\(String(id, radix: 36)).\(String(random, radix: 36))@\(domain)"
    }

    /// The delivery id in one of our deliveries' Message-IDs; nil for any other Message-ID
    /// (the report's included).
    public static func deliveryID(in messageID: String) -> Int64? {
        let local = messageID.split(separator: "@", maxSplits: 1).first ?? ""
        let parts = local.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "kizuna", parts[2].count == 8, parts[2].allSatisfy(\.isNumber),
              !parts[3].isEmpty, parts[3].allSatisfy({ $0.isNumber || ("a"..."z").contains($0) }),
              let delivery = Int64(parts[1], radix: 36), delivery > 0, String(delivery, radix: 36) == parts[1] else { return nil }
        return delivery
    }

    /// `yyyymmdd`.
    private static func compact(_ date: CivilDate) -> String { date.iso.filter { $0 != "-" } }
}
