import Foundation
import KizunaContent
import KizunaCore
import KizunaMail

/// `kizuna content review PATH…`: records that a reviewer approved the texts in these files,
/// pinned to the texts' SHA-256. A file's every text is reviewed (all entries of a local info
/// file; every edition's support contacts for the configuration file). Sample text is refused.
/// Each file is rewritten atomically, with nothing changed but its review records, and only
/// after the rewritten files were loaded and checked; on any problem nothing is written.
public struct ContentReview {
    let instance: Instance
    /// The directory relative paths are read from (the caller's working directory).
    let workingDirectory: String

    public init(instance: Instance, workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.instance = instance
        self.workingDirectory = workingDirectory
    }

    /// What was recorded.
    public struct Outcome: Sendable {
        /// The texts now reviewed, as they stand after the rewrite.
        public var reviewed: [ReviewableText]
        /// The files rewritten.
        public var files: [String]
        /// The detached signatures written (`FILE.asc`), with `--sign`.
        public var signatures: [String] = []
        public var line: String
    }

    /// Records the review; with `signer`, also signs each file that holds a reviewed text, over
    /// the bytes written (the record included), into `FILE.asc` beside it. Every signature is
    /// made before anything is written, so a key that cannot sign changes nothing.
    ///
    /// `entry` (1-based, as lint names it: `[[info]] #2`) reviews only that entry of the one local
    /// info file `paths` names; the file's other entries keep their records.
    public func run(paths: [String], reviewer: String, field: ReviewField, date: CivilDate?, entry: Int? = nil,
                    signer: ReviewSigner? = nil) throws -> Outcome {
        let name = reviewer.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !name.contains(where: \.isNewline) else {
            throw JobError("--reviewer must name the reviewer on one line", exitCode: ExitStatus.usage)
        }
        let catalog = try instance.catalogAsWritten()
        let config = instance.configuration
        let texts = ReviewGate.texts(catalog: catalog, configuration: config)
        var targets = try select(paths, among: texts)
        if let entry { targets = try Self.entry(entry, of: targets) }
        let samples = targets.filter(\.sample)
        if !samples.isEmpty {
            throw JobError("refused: sample text is never marked reviewed; replace it with your own text and set sample = false first: "
                           + samples.map(\.place).joined(separator: ", "), exitCode: ExitStatus.dataError)
        }
        let day = date ?? instance.today()
        func record(_ t: ReviewableText) -> ReviewRecord {
            ReviewRecord(status: .reviewed, reviewer: name, field: field, reviewedOn: day, sha256: t.fingerprint)
        }
        let rewrites = try templateRewrites(targets, record: record)
        let configText = try configRewrite(targets, record: record)
        let after = try check(before: texts, targets: targets, templates: rewrites, config: configText)
        let signed = try signer.map { try $0.sign(signedFiles(targets, templates: rewrites, config: configText)) } ?? []

        let root = URL(fileURLWithPath: config.templatesPath)
        for (path, text) in rewrites.sorted(by: { $0.key < $1.key }) {
            try AtomicFile.write(Array(text.utf8), to: root.appendingPathComponent(path).path)
        }
        if let configText { try AtomicFile.write(Array(configText.utf8), to: config.file) }
        let signatures = try signer.map { try $0.write(signed) } ?? []
        let files = rewrites.keys.sorted() + (configText == nil ? [] : [config.file])
        let line = "content review: \(targets.count) text\(targets.count == 1 ? "" : "s") in \(files.count) file\(files.count == 1 ? "" : "s") "
            + "reviewed by \(name) (\(field.rawValue)) on \(day.iso)"
            + (signer.map { "; \(signatures.count) signed by \($0.key.fingerprint) (\($0.key.userIDs.first ?? ""))" } ?? "")
        return Outcome(reviewed: after, files: files, signatures: signatures, line: line)
    }

    /// Each file that holds a target, with the bytes it will have once the review is written
    /// (a layout's own file is not rewritten: its record is in review.toml).
    func signedFiles(_ targets: [ReviewableText], templates: [String: String], config: String?) throws -> [(file: String, bytes: Data)] {
        var seen = Set<String>()
        var result: [(file: String, bytes: Data)] = []
        for t in targets where seen.insert(t.path).inserted {
            let file = ReviewSignatures.file(of: t, templatesPath: instance.configuration.templatesPath)
            if let text = t.kind == .supportContacts ? config : templates[t.path] {
                result.append((file, Data(text.utf8)))
            } else {
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    throw JobError("\(t.path): cannot read the file to sign it", exitCode: ExitStatus.ioError)
                }
                result.append((file, bytes))
            }
        }
        return result
    }

    /// The texts the paths name: a file's texts, a directory's texts below it, or the configuration
    /// file's support contacts. A path that names none is an error.
    func select(_ paths: [String], among texts: [ReviewableText]) throws -> [ReviewableText] {
        guard !paths.isEmpty else { throw JobError("name at least one file or directory to review", exitCode: ExitStatus.usage) }
        let root = URL(fileURLWithPath: instance.configuration.templatesPath).standardizedFileURL.resolvingSymlinksInPath().path
        let configFile = URL(fileURLWithPath: instance.configuration.file).standardizedFileURL.resolvingSymlinksInPath().path
        var chosen: [String: ReviewableText] = [:]
        var order: [String] = []
        for path in paths {
            let url = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true))
            let absolute = url.standardizedFileURL.resolvingSymlinksInPath().path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
                throw JobError("\(path): no such file or directory", exitCode: ExitStatus.noInput)
            }
            let matches: [ReviewableText]
            if absolute == configFile {
                matches = texts.filter { $0.kind == .supportContacts }
            } else if absolute == root || absolute.hasPrefix(root + "/") {
                let relative = absolute == root ? "" : String(absolute.dropFirst(root.count + 1))
                matches = texts.filter { t in
                    t.kind != .supportContacts && (isDirectory.boolValue ? (relative.isEmpty || t.path.hasPrefix(relative + "/")) : t.path == relative)
                }
            } else {
                throw JobError("\(path) is neither in the templates directory (\(root)) nor the configuration file (\(configFile))",
                               exitCode: ExitStatus.dataError)
            }
            guard !matches.isEmpty else {
                throw JobError("\(path): no text that reaches families here (a message, system message, layout or local info file, "
                               + "or the configuration file when an edition has support_contacts)", exitCode: ExitStatus.dataError)
            }
            for t in matches where chosen[t.id] == nil { chosen[t.id] = t; order.append(t.id) }
        }
        return order.map { chosen[$0]! }
    }

    /// The one local info entry `number` (1-based) of the texts of one local info file.
    static func entry(_ number: Int, of targets: [ReviewableText]) throws -> [ReviewableText] {
        guard let file = targets.first?.path, targets.allSatisfy({ $0.kind == .localInfo && $0.path == file }) else {
            throw JobError("--entry names an entry of one local info file: give exactly that file (templates/local/<edition-id>.toml)",
                           exitCode: ExitStatus.usage)
        }
        guard let chosen = targets.first(where: { $0.id == "\(file)#\(number - 1)" }) else {
            throw JobError("--entry \(number): \(file) has \(targets.count) [[info]] entr\(targets.count == 1 ? "y" : "ies") (#1 to #\(targets.count))",
                           exitCode: ExitStatus.usage)
        }
        return [chosen]
    }

    /// The new text of each templates file that holds a target (paths relative to the templates directory).
    func templateRewrites(_ targets: [ReviewableText], record: (ReviewableText) -> ReviewRecord) throws -> [String: String] {
        let root = URL(fileURLWithPath: instance.configuration.templatesPath)
        func current(_ path: String) throws -> String? {
            let file = root.appendingPathComponent(path).path
            guard FileManager.default.fileExists(atPath: file) else { return nil }
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw JobError("\(path): cannot read the file", exitCode: ExitStatus.ioError)
            }
            return text
        }
        var result: [String: String] = [:]
        var localRecords: [String: [Int: ReviewRecord]] = [:]
        var layoutRecords: [String: [String: ReviewRecord]] = [:]
        for t in targets {
            switch t.kind {
            case .message, .system, .survey:
                result[t.path] = try ReviewWriter.frontMatter(try current(t.path) ?? "", record: record(t), path: t.path)
            case .localInfo:
                guard let index = t.id.split(separator: "#").last.flatMap({ Int($0) }) else { continue }
                localRecords[t.path, default: [:]][index] = record(t)
            case .layout:
                // Beside the layout: layouts/<lang>/review.toml (editions/<id>/layouts/<lang>/review.toml in an overlay).
                let file = t.path.split(separator: "/").last!
                let kind = String(file.split(separator: ".").first!)
                layoutRecords[String(t.path.dropLast(file.count)) + "review.toml", default: [:]][kind] = record(t)
            case .phrases:
                result[t.path] = ReviewWriter.phrases(try current(t.path) ?? "", record: record(t))
            case .supportContacts:
                continue
            }
        }
        for (path, records) in localRecords {
            result[path] = try ReviewWriter.localInfo(try current(path) ?? "", records: records, path: path)
        }
        for (path, records) in layoutRecords {
            result[path] = ReviewWriter.layoutReviews(try current(path), records: records)
        }
        return result
    }

    /// The configuration file with `support_contacts_review` set for each edition whose support
    /// contacts are a target; nil when none is.
    func configRewrite(_ targets: [ReviewableText], record: (ReviewableText) -> ReviewRecord) throws -> String? {
        let config = instance.configuration
        let byID = Dictionary(targets.filter { $0.kind == .supportContacts }.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        guard !byID.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: config.file), let text = String(data: data, encoding: .utf8) else {
            throw JobError("\(config.file): cannot read the file", exitCode: ExitStatus.ioError)
        }
        var (lines, crlf) = ReviewTOML.lines(text)
        let headers = ReviewWriter.tableHeaders(lines)
        let editions = headers.filter { $0.array && $0.name == "edition" }.map(\.index)
        guard editions.count == config.editions.count else {
            throw JobError("\(config.file): write each edition as its own [[edition]] table to record the review of its support contacts",
                           exitCode: ExitStatus.config)
        }
        // From the last edition up, so that an inserted line does not move the ones still to come.
        for (i, edition) in config.editions.enumerated().reversed() {
            guard let t = byID["\(config.file)#\(edition.id)"] else { continue }
            let start = editions[i]
            let end = headers.first { $0.index > start }?.index ?? lines.count
            ReviewTOML.setLine("support_contacts_review", to: ReviewTOML.inline(record(t)), in: &lines, range: (start + 1)..<end, insertAt: start + 1)
        }
        return ReviewTOML.text(lines, crlf: crlf)
    }

    /// Loads the rewritten files as the night would, and checks that every target is now
    /// reviewed with its text unchanged and that no other text or record changed.
    func check(before: [ReviewableText], targets: [ReviewableText], templates: [String: String], config: String?) throws -> [ReviewableText] {
        let configuration = instance.configuration
        let catalog = try ContentCatalog.load(directory: URL(fileURLWithPath: configuration.templatesPath), replacing: templates)
        let newConfiguration = try config.map { try ConfigurationLoader.parse($0, file: configuration.file) } ?? configuration
        let after = ReviewGate.texts(catalog: catalog, configuration: newConfiguration)
        let wanted = Set(targets.map(\.id))
        let old = Dictionary(before.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        if Set(after.map(\.id)) != Set(old.keys) { problems.append("the rewritten files hold other texts than before") }
        for t in after {
            guard let was = old[t.id] else { continue }
            if t.fingerprint != was.fingerprint { problems.append("\(t.place): its text would change") }
            if wanted.contains(t.id) {
                if !t.verdict.isReviewed { problems.append("\(t.place): the review was not read back") }
            } else if t.review != was.review || t.sample != was.sample {
                problems.append("\(t.place): another text's review would change")
            }
        }
        if config != nil {
            var restored = newConfiguration.editions
            for i in restored.indices where i < configuration.editions.count {
                restored[i].supportContactsReview = configuration.editions[i].supportContactsReview
            }
            if restored != configuration.editions { problems.append("the configuration's editions would change") }
        }
        if let first = problems.first {
            throw JobError("cannot record the review safely (nothing was written): \(first)", exitCode: ExitStatus.dataError)
        }
        return after.filter { wanted.contains($0.id) }
    }
}
