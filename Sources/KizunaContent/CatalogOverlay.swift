import Foundation
import KizunaCore

/// One edition's own texts (`templates/editions/<id>/`), laid over the shared catalog for that
/// edition's families only: a message replaces the shared one of the same stage and language, adds
/// a language at a shared stage, or adds a stage of its own (the edition's schedule has it, see
/// `schedules(catchUpDays:)`); a system message replaces the shared one of the same name and
/// language; a phrases file or a language's layouts replace the shared ones whole.
struct CatalogOverlay: Sendable {
    var messages: [String: [Stage: CatalogMessage]] = [:]
    var systemMessages: [String: [String: SystemMessage]] = [:]
    var phrases: [String: PhraseFile] = [:]
    var layouts: [String: Layout] = [:]
}

extension ContentCatalog {
    /// The edition ids that have an overlay (`editions/<id>/`), sorted.
    public var overlayEditionIDs: [String] { overlays.keys.sorted() }

    /// The catalog as a family of `editionID` gets it: the shared texts with the edition's overlay
    /// laid over them. An edition without an overlay gets the shared catalog itself.
    public func view(editionID: String) -> ContentCatalog {
        guard let overlay = overlays[editionID] else { return self }
        var view = self
        view.overlays = [:]
        for (language, byStage) in overlay.messages {
            view.messages[language, default: [:]].merge(byStage) { _, own in own }
        }
        for (language, byName) in overlay.systemMessages {
            view.systemMessages[language, default: [:]].merge(byName) { _, own in own }
        }
        view.phrases.merge(overlay.phrases) { _, own in own }
        view.layouts.merge(overlay.layouts) { _, own in own }
        return view
    }

    /// How many messages `editionID`'s overlay holds, in all its languages.
    public func overlayMessageCount(editionID: String) -> Int {
        overlays[editionID]?.messages.values.reduce(0) { $0 + $1.count } ?? 0
    }

    /// The stages `editionID`'s overlay adds: message keys the shared catalog has in no language.
    public func addedStages(editionID: String) -> Set<Stage> {
        guard let overlay = overlays[editionID] else { return [] }
        let shared = Set(messages.values.flatMap(\.keys))
        return Set(overlay.messages.values.flatMap(\.keys)).subtracting(shared)
    }

    /// The schedule of each edition: the shared one, and an own one for each edition whose overlay
    /// adds stages (its view's). Built once per run; every decision for a family asks its edition's.
    public func schedules(catchUpDays: Int) -> EditionSchedules {
        var own: [String: Schedule] = [:]
        for id in overlayEditionIDs where !addedStages(editionID: id).isEmpty {
            own[id] = view(editionID: id).schedule(catchUpDays: catchUpDays)
        }
        return EditionSchedules(shared: schedule(catchUpDays: catchUpDays), own: own)
    }
}

extension CatalogLoader {
    /// The top folders an overlay may hold; its local information stays `local/<id>.toml`.
    static let overlayFolders: Set<String> = ["messages", "system", "layouts"]

    /// Loads each `editions/<id>/` with the shared catalog's rules (front matter, variables,
    /// tracks, …), then checks what it cannot lay over the shared catalog (`overlayMismatches`).
    mutating func loadOverlays() {
        let base = root.appendingPathComponent("editions").path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base) else { return }
        for name in names.sorted() where !name.hasPrefix(".") && name != "README.md" {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue else {
                errors.append(ContentError(.misplacedFile, path: "editions/\(name)",
                                           "an edition's overlay is a directory: editions/<edition-id>/messages/…, system/…, layouts/…"))
                continue
            }
            var loader = CatalogLoader(root: root)
            loader.prefix = "editions/\(name)/"
            loader.replacing = replacing
            for path in loader.files(under: "editions/\(name)") {
                let folder = String(loader.parts(path).first ?? "")
                guard !Self.overlayFolders.contains(folder) else { continue }
                let hint = folder == "local" ? "; an edition's local information is local/\(name).toml" : ""
                loader.errors.append(ContentError(.misplacedFile, path: path,
                                                  "an edition's overlay holds messages/, system/ and layouts/ only\(hint)"))
            }
            loader.loadTexts()
            errors += loader.errors
            errors += overlayMismatches(loader)
            overlays[name] = CatalogOverlay(messages: loader.messages, systemMessages: loader.system,
                                            phrases: loader.phrases, layouts: loader.layouts)
        }
    }

    /// What an overlay has that it cannot lay over the shared catalog: a system message name the
    /// program never sends (system messages are the program's, named by it: an overlay rewords
    /// them), a language without layouts. A message at a stage the shared catalog does not have is
    /// no mismatch: it adds a stage to the edition's own schedule.
    func overlayMismatches(_ overlay: CatalogLoader) -> [ContentError] {
        var problems: [ContentError] = []
        let sharedNames = Set(system.values.flatMap(\.keys))
        for language in overlay.system.keys.sorted() {
            for name in overlay.system[language]!.keys.sorted() where !sharedNames.contains(name) {
                problems.append(ContentError(.notShared, path: overlay.system[language]![name]!.path,
                                             "no system message `\(name)` in the shared catalog: the program sends only the system messages it names, "
                                             + "so an overlay replaces one of them by name (\(sharedNames.sorted().joined(separator: ", ")))"))
            }
        }
        for (language, witness) in overlay.languageWitness.sorted(by: { $0.key < $1.key }) where layouts[language] == nil && overlay.layouts[language] == nil {
            problems.append(ContentError(.missingLayout, path: witness,
                                         "language `\(language)` has no layouts: add \(overlay.prefix)layouts/\(language)/text.mustache and html.mustache (or shared ones)"))
        }
        return problems
    }
}

extension ContentCatalog {
    /// Throws when a local info file (`local/<id>.toml`) or an overlay (`editions/<id>/`) names an
    /// edition that `known` (the configuration's editions) does not hold: its texts would reach no
    /// family, or the wrong one once an edition of that id is added. Only an instance knows its
    /// configuration, so it checks this where it loads the catalog (`Instance.catalogAsWritten`).
    public func checkEditions(known: Set<String>, configFile: String) throws(ContentError) {
        let editions = known.sorted().joined(separator: ", ")
        var errors: [ContentError] = []
        for id in localEditionIDs where !known.contains(id) {
            errors.append(ContentError(.unknownEdition, path: "local/\(id).toml",
                                       "no edition `\(id)` in \(configFile) (its editions: \(editions)): a local info file is named after "
                                       + "the edition it serves; rename it to local/<edition-id>.toml or remove it"))
        }
        for id in overlayEditionIDs where !known.contains(id) {
            errors.append(ContentError(.unknownEdition, path: "editions/\(id)",
                                       "no edition `\(id)` in \(configFile) (its editions: \(editions)): an overlay directory is named after "
                                       + "the edition it serves; rename it to editions/<edition-id>/ or remove it"))
        }
        guard var first = errors.first else { return }
        first.additional = Array(errors.dropFirst())
        throw first
    }
}
