import Foundation
import KizunaContent
import KizunaCore
import KizunaStore

/// The administrator's subscriber operations behind `kizuna subscribers …`: validated input,
/// clear errors, one transaction each.
public struct SubscriberAdmin {
    let instance: Instance
    public init(instance: Instance) { self.instance = instance }

    /// Adds a subscription (a first one, or another child for a known parent), active at once:
    /// the administrator vouches for consent, and the event records that it came from the CLI.
    public func add(email: String, due: String?, birth: String?, name: String?, language: String?,
                    edition editionID: String?, area: String?) throws -> (subscriberID: Int64, subscriptionID: Int64, subscriber: NewSubscriber) {
        let s = try newSubscriber(email: email, due: due, birth: birth, name: name, language: language, edition: editionID, area: area)
        let now = instance.clock.now()
        do {
            let ids = try instance.store().addSubscriber(s, today: instance.today(edition: s.edition, at: now), at: now, source: "cli")
            return (ids.subscriberID, ids.subscriptionID, s)
        } catch let e as StoreError {
            throw JobError("\(e)", exitCode: ExitStatus.dataError)
        }
    }

    /// The subscription `add` would make, every input checked (address, edition, language, the
    /// date and the catalog's coverage of it), or the error that says what is wrong; writes nothing.
    public func newSubscriber(email: String, due: String?, birth: String?, name: String?, language: String?,
                              edition editionID: String?, area: String?) throws -> NewSubscriber {
        let address = try AdminInput.address(email)
        let edition = try instance.namedEdition(editionID)
        let lang = (language ?? edition.defaultLanguage).lowercased()
        guard edition.languages.contains(lang) else {
            throw JobError("edition \(edition.id) has no language \"\(lang)\" (it has \(edition.languages.joined(separator: ", ")))", exitCode: ExitStatus.usage)
        }
        let (track, text, option): (Track, String, String) = try {
            switch (due, birth) {
            case (let d?, nil): return (.pregnancy, d, "--due")
            case (nil, let b?): return (.child, b, "--birth")
            case (nil, nil): throw JobError("give --due DATE (pregnancy) or --birth DATE (child)", exitCode: ExitStatus.usage)
            default: throw JobError("give either --due or --birth, not both", exitCode: ExitStatus.usage)
            }
        }()
        // The edition's day (`time_zone`): its families' dates are read and started on it.
        let today = instance.today(edition: edition.id, at: instance.clock.now())
        let anchor: CivilDate
        switch SubscriberCSV.parseDate(text) {
        case .success(let d): anchor = d
        case .failure(let p): throw JobError("\(option): \(p)", exitCode: ExitStatus.dataError)
        }
        if let problem = NewSubscriber.validateAnchor(track: track, anchor: anchor, today: today) {
            throw JobError("\(option): \(problem)", exitCode: ExitStatus.dataError)
        }
        // A subscription the edition's schedule has no message for would get nothing, then a farewell.
        let schedule = try instance.catalogAsWritten().schedules(catchUpDays: 0).schedule(editionID: edition.id)
        if let problem = schedule.coverageProblem(track: track, anchor: anchor, today: today) {
            throw JobError("\(option): \(problem)", exitCode: ExitStatus.dataError)
        }
        return NewSubscriber(address: address, edition: edition.id, language: lang, area: try areaID(area, edition: edition.id),
                             track: track, anchor: anchor, nickname: NewSubscriber.cleanNickname(name))
    }

    /// The id of the area `spelling` names where the edition declares its areas (`[areas]` of its
    /// local info file); an unknown one is refused with the list. Without `[areas]`, as written.
    func areaID(_ spelling: String?, edition: String) throws -> String? {
        guard let spelling = spelling?.trimmingBlanks().nilIfEmpty else { return nil }
        guard let declared = try instance.catalogAsWritten().areas(editionID: edition) else { return spelling }
        guard let area = declared.area(matching: spelling) else {
            throw JobError("--area: \(declared.unknown(spelling, edition: edition))", exitCode: ExitStatus.dataError)
        }
        return area.id
    }

    /// Every edition's declared areas, for checking the area column of an import.
    static func declaredAreas(_ catalog: ContentCatalog, editions: [Edition]) -> [String: EditionAreas] {
        Dictionary(uniqueKeysWithValues: editions.compactMap { e in catalog.areas(editionID: e.id).map { (e.id, $0) } })
    }

    /// What `subscribers add` prints once a subscription is added.
    public static func addedLine(_ s: NewSubscriber, subscriberID: Int64, subscriptionID: Int64) -> String {
        "added \(s.address) (\(s.track.rawValue) \(s.anchor)) as subscriber \(subscriberID), subscription \(subscriptionID)"
    }

    /// What `subscribers show` prints: the subscriber, its subscriptions, recent deliveries and events.
    public static func showLines(_ d: SubscriberDetail) -> [String] {
        let s = d.subscriber
        var out = ["subscriber \(s.id!): \(s.address) edition=\(s.edition) lang=\(s.language) status=\(s.status.rawValue)\(s.area.map { " area=\($0)" } ?? "")\(s.pausedUntil.map { " paused-until=\($0)" } ?? "")"]
        for sub in d.subscriptions {
            out.append("  subscription \(sub.id!): \(sub.track.rawValue) \(sub.track == .pregnancy ? "due" : "born") \(sub.anchorDate)\(sub.birthAssumed ? " (assumed: no birth was reported)" : "")\(sub.nickname.map { " \"\($0)\"" } ?? "") status=\(sub.status.rawValue)\(sub.endReason.map { " (\($0))" } ?? "") since \(sub.startDate)")
        }
        for del in d.recentDeliveries {
            out.append("  delivery \(del.id!): \(del.localDate) \(del.status) \(del.subject ?? "")\(del.smtpReply.map { " — \($0)" } ?? "")")
        }
        for e in d.events {
            out.append("  event \(ISO8601DateFormatter().string(from: e.at)) \(e.kind)\(e.detail.map { ": \($0)" } ?? "")")
        }
        return out
    }

    /// What `subscribers remove` prints.
    public static func stoppedLine(_ s: SubscriberRecord) -> String { "stopped \(s.address) (subscriber \(s.id!))" }

    /// One line of `subscribers list`.
    public static func listLine(_ r: SubscriberRecord) -> String {
        "\(r.id!)\t\(r.address)\t\(r.edition)\t\(r.language)\t\(r.status.rawValue)\(r.area.map { "\t\($0)" } ?? "")"
    }

    public func find(email: String, edition: String?) throws -> SubscriberDetail {
        try AdminInput.subscriber(email, edition: edition) { try instance.store().subscriber(address: $0, edition: edition) }
    }

    /// Stops every subscription of the address; the record and its history stay (consent log).
    public func remove(email: String, edition: String?, reason: String) throws -> SubscriberRecord {
        let d = try find(email: email, edition: edition)
        try instance.store().stopSubscriber(id: d.subscriber.id!, reason: reason, at: instance.clock.now(), messageID: nil)
        return d.subscriber
    }

    /// Subscribers by id, optionally of one edition or status.
    public func list(edition: String?, status: SubscriberStatus?, limit: Int, offset: Int) throws -> [SubscriberRecord] {
        try instance.store().listSubscribers(edition: edition, status: status, limit: limit, offset: offset)
    }

    /// Imports the CSV file at `path`; rows without an edition or a language take `edition`'s
    /// (default: the first) and `language` (default: that edition's first). The report names
    /// every refused row. `progress` is told the number of data lines first (a quoted field with a
    /// line break makes it an estimate), then the rows read.
    public func importCSV(path: String, edition editionID: String?, language: String?, progress: StepProgress?) throws -> ImportReport {
        let configuration = instance.configuration
        let edition = try instance.namedEdition(editionID)
        guard FileManager.default.isReadableFile(atPath: path) else { throw JobError("cannot read \(path)", exitCode: ExitStatus.dataError) }
        let now = instance.clock.now()
        if let progress, let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) {
            progress.expect(max(0, data.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } - 1))
        }
        return try SubscriberImport.run(
            csv: URL(fileURLWithPath: path), store: instance.store(),
            defaults: (edition: edition.id, language: language ?? edition.defaultLanguage),
            allowedEditions: Set(configuration.editions.map(\.id)),
            allowedLanguages: Set(configuration.editions.flatMap(\.languages)),
            schedules: try instance.catalogAsWritten().schedules(catchUpDays: 0),
            areas: Self.declaredAreas(try instance.catalogAsWritten(), editions: configuration.editions),
            today: instance.today(edition: edition.id, at: now), at: now, progress: progress?.update)
    }

    /// Writes the live subscriptions as CSV into the file `path` (created), or to standard output.
    public func export(to path: String?) throws {
        let store = try instance.store()
        guard let path else { try SubscriberExport.write(store: store, to: .standardOutput); return }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw JobError("cannot create \(path)", exitCode: ExitStatus.cannotCreate)
        }
        try SubscriberExport.write(store: store, to: handle)
        try handle.close()
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
