import Foundation
import KizunaCore
import KizunaMIME
import Logging

/// What one `kizuna inspect` read.
public struct InspectSummary: Sendable {
    public var files = 0
    public var unreadable = 0

    /// 65 when a message could not be read.
    public var exitStatus: Int32 { unreadable > 0 ? ExitStatus.dataError : ExitStatus.ok }
}

/// `kizuna inspect`: what the poller would decide about message files, without changing the
/// store or touching a mailbox. With a configuration it reads with the instance's editions and
/// checks a bounce's VERP with the instance's secret (read only); without one it uses a sample
/// edition and a VERP shows as unverified.
public struct InspectJob {
    let editions: [Edition]
    let timeZone: TimeZone
    /// Each edition's own zone (`time_zone`); the instance's for the others.
    let editionZones: [String: TimeZone]
    let tokens: AddressTokens?
    let clock: any WallClock

    /// Reads the configuration `explicit` names, else `$KIZUNA_CONFIG`, else `./kizuna.toml`
    /// when it exists. A secret that cannot be read is told (VERPs then show unverified).
    public init(config explicit: String?, clock: any WallClock, logger: Logger, tell: (String) -> Void) throws {
        self.clock = clock
        let path = ConfigurationLoader.locate(explicit: explicit)
        guard explicit != nil || FileManager.default.fileExists(atPath: path) else {
            editions = [Edition(id: "sample", name: "Kizuna", address: try EmailAddress(parsing: "kizuna@clinic.example"),
                                fromName: "Kizuna", languages: ["ja", "en"], plusAddressing: true)]
            timeZone = TimeZone(identifier: "Asia/Tokyo")!
            editionZones = [:]
            tokens = nil
            return
        }
        let instance = Instance(configuration: try ConfigurationLoader.load(path: path), clock: clock, logger: logger)
        editions = instance.configuration.editions
        timeZone = instance.timeZone
        editionZones = Dictionary(uniqueKeysWithValues: editions.map { ($0.id, instance.timeZone(edition: $0.id)) })
        var tokens: AddressTokens?
        do { tokens = try instance.existingTokens() } catch {
            tell("cannot read the instance's secret (\(describe(error))); VERPs are shown unverified")
        }
        self.tokens = tokens
    }

    /// Reads each message file (a directory stands for its files), dates as of `date` (nil:
    /// today, each message on its edition's own date as the poll reads it), and hands `emit`
    /// what the poller would decide: a block of text lines per file, or with `json` one JSON object.
    public func run(paths: [String], date: CivilDate?, json: Bool, emit: (String) -> Void) throws -> InspectSummary {
        let now = clock.now()
        let dates = date.map { EditionDates($0) }
            ?? EditionDates(CivilDate(now, in: timeZone), byEdition: editionZones.mapValues { CivilDate(now, in: $0) })
        var summary = InspectSummary()
        for file in try MessageFiles.expand(paths) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw JobError("cannot read \(file)", exitCode: ExitStatus.ioError)
            }
            let reading = InboundReader.read(Array(data), editions: editions, dates: dates)
            let d = reading.decision
            summary.files += 1
            if d.kind == .unreadable { summary.unreadable += 1 }
            // A report also gets the bounce analysis's verdict (README: Bounces and complaints).
            let report = ReportInspection.make(reading, tokens: tokens)
            if json {
                emit(ReportInspection.jsonLine(file: file, decision: d, report: report))
            } else {
                emit(([Self.text(file: file, d)] + (report?.lines ?? [])).joined(separator: "\n"))
            }
        }
        return summary
    }

    /// The decision as indented `key: value` lines under the file's name.
    static func text(file: String, _ d: InboundDecision) -> String {
        var lines = ["\(file):", "  kind: \(d.kind.rawValue)\(d.reason.map { " (\($0))" } ?? "")"]
        if let from = d.from { lines.append("  from: \(from)") }
        if let id = d.messageID { lines.append("  message-id: \(id)") }
        if let e = d.edition { lines.append("  edition: \(e)") }
        lines.append("  subject: \(d.subject)")
        if let c = d.command {
            let args = c.arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            lines.append("  command: \(c.name)\(args.isEmpty ? "" : " " + args)")
        }
        if let l = d.language { lines.append("  language: \(l)") }
        lines.append("  may reply: \(d.mayReply ? "yes" : "no")")
        for w in d.why { lines.append("  why: \(w)") }
        for w in d.defects.prefix(5) { lines.append("  defect: \(w)") }
        let text = d.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8)
        lines.append("  text: |")
        for t in text { lines.append("    \(t)") }
        return lines.joined(separator: "\n")
    }
}
