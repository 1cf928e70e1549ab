import Foundation
import KizunaCore
import KizunaStore

/// What an administrator's signed mail did, and the reply to send (encrypted) to its signer.
public struct AdminMailOutcome: Sendable, Equatable {
    /// The plain-text body of the reply: per command, what was done, in the CLI's words; or,
    /// when refused, every line that cannot be carried out and why.
    public var reply: String
    /// True when the commands were carried out (all of them); false when the mail was refused
    /// and nothing was.
    public var carriedOut: Bool
    /// True when a command changed the store.
    public var changed: Bool
    /// True when the reply may name a family (an address, a date): it must travel encrypted, or
    /// a notice without it goes instead. Only help and lint answers hold none.
    public var holdsPersonalData: Bool
    /// The lines refused (empty when carried out).
    public var problems: [AdminCommandProblem]
}

/// Carries out an administrator's signed mail (`AdminRequest`): nothing half done.
///
/// 1. Every line is read (`AdminCommandParser`) and checked without writing: a subscription's
///    address, language, dates and the catalog's coverage as `subscribers add` checks them; the
///    attached CSV as `subscribers import` reads it, every row valid. `stats` and `report` answer
///    with the mail's edition's numbers only where the instance has several editions.
/// 2. The lines that change the store are carried out in order in ONE transaction, each in a
///    savepoint, so that a later line sees what an earlier one did (a `pause` of an address the
///    mail added) and every failing line is found; when any line of steps 1 or 2 failed the
///    transaction is rolled back and the reply lists every failing line: nothing changed. Each
///    line carried out writes an `admin command` event with the signing key's fingerprint.
/// 3. After the commit, the reading commands (`show`, `list`, `stats`, `report`, …) are
///    answered from the store as the mail left it. They change nothing, so they are not part of
///    the transaction (the store's reads run on their own connections); the only thing not
///    atomic is that a concurrent writer (the poller is the caller and holds the instance's
///    lock, so only `kizuna send` recording outcomes) may have moved a count in between.
public struct AdminMailRunner {
    let instance: Instance
    public init(instance: Instance) { self.instance = instance }

    public func run(_ request: AdminRequest) throws -> AdminMailOutcome {
        let actor = "openpgp:\(request.actor)"
        guard let edition = instance.configuration.editions.first(where: { $0.id == request.edition }) else {
            return refusal([AdminCommandProblem(line: 0, text: "", reason: "edition \(request.edition) is not configured")])
        }
        let (commands, parseProblems) = AdminCommandParser.parse(request.text, edition: edition.id)
        var problems = parseProblems
        var prepared: [PreparedLine] = []
        var importSeen = false
        for line in commands {
            do {
                prepared.append(PreparedLine(line: line, work: try prepare(line.command, request: request, edition: edition, importSeen: &importSeen)))
            } catch {
                problems.append(AdminCommandProblem(line: line.line, text: line.text, reason: describe(error)))
            }
        }
        var done: [Int: String] = [:]
        do {
            done = try instance.store().inTransaction { tx in
                var done: [Int: String] = [:]
                for p in prepared {
                    let result = try tx.inSavepoint { try carryOut(p, actor: actor, edition: edition.id, in: tx) }
                    switch result {
                    case .success(let text): done[p.line.line] = text
                    case .failure(let error): problems.append(AdminCommandProblem(line: p.line.line, text: p.line.text, reason: describe(error)))
                    }
                }
                if !problems.isEmpty { throw Refused() }
                return done
            }
        } catch is Refused {
            return refusal(problems.sorted { $0.line < $1.line })
        }
        var sections: [String] = []
        for p in prepared {
            var text = done[p.line.line]
            if text == nil {
                do { text = try answer(p.line.command, edition: edition.id) } catch {
                    instance.logger.error("administrator's command could not be answered", metadata: ["line": "\(p.line.line)", "error": "\(describe(error))"])
                    text = "could not be read; see the server's log"
                }
            }
            sections.append("> \(p.line.text)\n\(text ?? "")")
        }
        let changed = prepared.contains { $0.line.command.changesState }
        let summary = "Kizuna, edition \(edition.id): \(prepared.count) command\(prepared.count == 1 ? "" : "s") carried out."
        return AdminMailOutcome(reply: ([summary] + sections).joined(separator: "\n\n") + "\n", carriedOut: true, changed: changed,
                                holdsPersonalData: prepared.contains { $0.line.command.answersWithPersonalData }, problems: [])
    }

    /// Thrown inside the transaction to roll it back when any line failed.
    struct Refused: Error {}

    /// A line read and checked, with what it will write.
    struct PreparedLine {
        var line: AdminCommandLine
        var work: Work
    }

    enum Work {
        case add(NewSubscriber)
        case importRows([NewSubscriber], name: String)
        /// A command that acts on one subscriber of the edition (found inside the transaction).
        case onSubscriber(EmailAddress)
        /// A command that only reads (answered after the commit).
        case read
    }

    func refusal(_ problems: [AdminCommandProblem]) -> AdminMailOutcome {
        let reply = """
            Nothing was carried out: a message's commands are carried out all together or not at all, \
            and \(problems.count == 1 ? "this line cannot be" : "these \(problems.count) lines cannot be"):

            \(problems.map(\.description).joined(separator: "\n\n"))

            Write "help" for the list of commands.

            """
        return AdminMailOutcome(reply: reply, carriedOut: false, changed: false, holdsPersonalData: true, problems: problems)
    }

    /// Step 1 for one line: the checks that need no write.
    func prepare(_ command: AdminCommand, request: AdminRequest, edition: Edition, importSeen: inout Bool) throws -> Work {
        switch command {
        case .subscribersAdd(let address, let track, let date, let name, let language, let area):
            return .add(try SubscriberAdmin(instance: instance).newSubscriber(
                email: address.description, due: track == .pregnancy ? date.iso : nil, birth: track == .child ? date.iso : nil,
                name: name, language: language, edition: edition.id, area: area))
        case .subscribersImport(let language):
            guard !importSeen else { throw JobError("one subscribers import per message (the attached CSV is read once)") }
            importSeen = true
            return try importRows(request.attachments, language: language, edition: edition)
        case .subscribersShow(let a), .subscribersRemove(let a, _), .born(let a, _), .loss(let a), .pause(let a, _), .resume(let a),
             .bouncesShow(let a), .bouncesReset(let a):
            return .onSubscriber(a)
        case .subscribersList, .bouncesList, .contentLint, .help, .stats, .report:
            return .read
        }
    }

    /// The attached CSV's rows, every one valid for this edition, or the error listing the bad ones.
    func importRows(_ attachments: [AdminAttachment], language: String?, edition: Edition) throws -> Work {
        let csvs = attachments.filter {
            ["text/csv", "text/comma-separated-values", "application/csv"].contains($0.contentType.lowercased())
                || ($0.filename?.lowercased().hasSuffix(".csv") ?? false)
        }
        guard csvs.count == 1, let csv = csvs.first else {
            throw JobError(csvs.isEmpty ? "subscribers import needs the CSV file attached to the message (text/csv or a .csv name)"
                                        : "\(csvs.count) CSV files are attached; attach one per message")
        }
        let lang = language ?? edition.defaultLanguage
        guard edition.languages.contains(lang) else {
            throw JobError("edition \(edition.id) has no language \"\(lang)\" (it has \(edition.languages.joined(separator: ", ")))")
        }
        let (rows, errors) = try SubscriberImport.rows(
            csv: csv.data, defaults: (edition: edition.id, language: lang), allowedEditions: [edition.id],
            allowedLanguages: Set(edition.languages), schedules: try instance.catalogAsWritten().schedules(catchUpDays: 0),
            areas: SubscriberAdmin.declaredAreas(try instance.catalogAsWritten(), editions: [edition]),
            today: instance.today(edition: edition.id, at: instance.clock.now()))
        let name = csv.filename ?? "the attached CSV"
        guard errors.isEmpty else {
            throw JobError("\(name): \(errors.count) row\(errors.count == 1 ? "" : "s") refused, so none is imported:\n"
                           + errors.map { "    \($0)" }.joined(separator: "\n"))
        }
        return .importRows(rows, name: name)
    }

    /// Step 2 for one line, inside the transaction: its writes, its `admin command` event, and
    /// what the reply says it did (nil for a reading command, answered after the commit).
    func carryOut(_ p: PreparedLine, actor: String, edition: String, in tx: LedgerTransaction) throws -> String? {
        let now = instance.clock.now()
        let today = instance.today(edition: edition, at: now)
        var subscriberID: Int64?
        var said: String?
        switch p.work {
        case .add(let s):
            do {
                let ids = try tx.addSubscriber(s, today: today, at: now, source: "mail \(actor)")
                subscriberID = ids.subscriberID
                said = SubscriberAdmin.addedLine(s, subscriberID: ids.subscriberID, subscriptionID: ids.subscriptionID)
            } catch let e as StoreError {
                throw JobError("\(e)")
            }
        case .importRows(let rows, let name):
            let r = try tx.importSubscribers(rows, today: today, at: now, source: "import \(name) by mail \(actor)")
            said = "import: \(r.added) added, \(r.duplicates) already present, 0 refused"
        case .onSubscriber(let address):
            // Scope: only the request's edition is looked in; another edition's subscriber is "no subscriber".
            guard let detail = try tx.subscriber(address: address, edition: edition) else {
                throw JobError("no subscriber \(address)")
            }
            let id = detail.subscriber.id!
            subscriberID = id
            said = try change(p.line.command, subscriber: detail.subscriber, actor: actor, edition: edition, in: tx)
        case .read:
            break
        }
        try tx.recordEvent(.adminCommand, subscriberID: subscriberID, detail: "\(actor) line \(p.line.line): \(p.line.text)",
                           messageID: nil, at: now)
        return said
    }

    /// The write of a command that acts on one subscriber; nil for one that only reads it.
    func change(_ command: AdminCommand, subscriber: SubscriberRecord, actor: String, edition: String, in tx: LedgerTransaction) throws -> String? {
        let lifecycle = ParentLifecycleAdmin(instance: instance)
        switch command {
        case .subscribersRemove(_, let reason):
            try tx.stopSubscriber(id: subscriber.id!, reason: reason ?? "removed by the administrator (\(actor))", at: instance.clock.now(), messageID: nil)
            return SubscriberAdmin.stoppedLine(subscriber)
        case .bouncesReset:
            return try BounceAdmin(instance: instance).reset(subscriber.id!, by: actor, in: tx)
        case .born(_, let date): return try lifecycle.apply(.born(date), to: subscriber.address, edition: edition, in: tx)
        case .loss: return try lifecycle.apply(.loss, to: subscriber.address, edition: edition, in: tx)
        case .pause(_, let until): return try lifecycle.apply(.pause(until: until), to: subscriber.address, edition: edition, in: tx)
        case .resume: return try lifecycle.apply(.resume, to: subscriber.address, edition: edition, in: tx)
        default: return nil
        }
    }

    /// The edition whose numbers alone a mail gets: nil where the instance has this one edition.
    func oneOfSeveral(_ edition: String) -> String? { instance.configuration.editions.count > 1 ? edition : nil }

    /// Step 3: the answer of a reading command, from the store as the mail left it.
    func answer(_ command: AdminCommand, edition: String) throws -> String {
        switch command {
        case .subscribersShow(let a):
            return SubscriberAdmin.showLines(try SubscriberAdmin(instance: instance).find(email: a.description, edition: edition)).joined(separator: "\n")
        case .subscribersList(let status, let limit, let offset):
            let rows = try SubscriberAdmin(instance: instance).list(edition: edition, status: status, limit: limit ?? 100, offset: offset ?? 0)
            return rows.isEmpty ? "no subscribers" : rows.map(SubscriberAdmin.listLine).joined(separator: "\n")
        case .bouncesList:
            let lines = try BounceAdmin(instance: instance).list(edition: edition)
            return lines.isEmpty ? "no bouncing or scored addresses" : lines.joined(separator: "\n")
        case .bouncesShow(let a):
            return try BounceAdmin(instance: instance).show(email: a.description, edition: edition).joined(separator: "\n")
        // One edition's mail gets that edition's numbers only where there are several (an instance
        // with one edition answers with the whole instance's, spool and all, as it always did).
        case .stats(let json):
            let report = try StatsReport.make(instance: instance, edition: oneOfSeveral(edition))
            return json ? report.json : report.text
        case .report(let date):
            let now = instance.clock.now()
            let dates = date.map { EditionDates($0) } ?? instance.dates(at: now)
            let report = try ReportJob(instance: instance).make(dates: dates, editions: oneOfSeveral(edition).flatMap(instance.edition(id:)).map { [$0] },
                                                                now: now)
            return "Subject: \(report.subject())\n\n\(report.text())"
        case .contentLint(let production):
            return try ContentTools(instance: instance).lint(production: production).lines.joined(separator: "\n")
        case .help:
            return AdminCommand.helpText
        case .subscribersAdd, .subscribersRemove, .subscribersImport, .born, .loss, .pause, .resume, .bouncesReset:
            return ""
        }
    }
}

extension ContentTools.LintReport {
    /// What `content lint` prints: each finding, who signed each file (when signatures are
    /// checked), the review coverage, the summary line.
    public var lines: [String] { findings.map { "\($0)" } + signatures + coverage.lines + [line] }
}
