import Foundation
import KizunaCore

/// One edition's own texts (`templates/editions/<id>/`), laid over the shared catalog for that
/// edition's families only: a message replaces the shared one of the same stage and language, or
/// adds a language at a stage the shared catalog has; a system message replaces the shared one of
/// the same name and language; a phrases file or a language's layouts replace the shared ones whole.
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
}

extension CatalogLoader {
    /// The top folders an overlay may hold; its local information stays `local/<id>.toml`.
    static let overlayFolders: Set<String> = ["messages", "system", "layouts"]

    /// Loads each `editions/<id>/` with the shared catalog's rules (front matter, variables,
    /// tracks, …), then checks that it only replaces or translates what the shared catalog has.
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

    /// What an overlay has that the shared catalog gives it nothing to lay over: a stage the
    /// shared catalog does not schedule (the schedule is the instance's, one for every edition),
    /// a system message name the program never sends, a language without layouts.
    func overlayMismatches(_ overlay: CatalogLoader) -> [ContentError] {
        var problems: [ContentError] = []
        let sharedStages = Set(messages.values.flatMap(\.keys))
        for language in overlay.messages.keys.sorted() {
            for m in overlay.messages[language]!.values.sorted(by: CatalogMessage.inCatalogOrder) where !sharedStages.contains(m.stage) {
                problems.append(ContentError(.notShared, path: m.path,
                                             "\(m.stage.messageKey) has no message in the shared catalog: an edition's overlay replaces a shared message "
                                             + "or adds another language at a stage the shared catalog has (the schedule is one for every edition)"))
            }
        }
        let sharedNames = Set(system.values.flatMap(\.keys))
        for language in overlay.system.keys.sorted() {
            for name in overlay.system[language]!.keys.sorted() where !sharedNames.contains(name) {
                problems.append(ContentError(.notShared, path: overlay.system[language]![name]!.path,
                                             "no system message `\(name)` in the shared catalog: an overlay replaces system messages by name "
                                             + "(\(sharedNames.sorted().joined(separator: ", ")))"))
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
