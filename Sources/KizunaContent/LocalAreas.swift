import KizunaCore
import TOMLKit

extension ContentCatalog {
    /// The areas `local/<editionID>.toml` declares in `[areas]`; nil when it declares none (then
    /// area strings are taken as written, as before areas could be declared).
    public func areas(editionID: String) -> EditionAreas? { areas[editionID] }
}

/// Reading `[areas]` of a local info file and checking each entry's `areas` against it.
extension CatalogLoader {
    /// `[areas]`: one key per area, its id, with `{ name = "…", aliases = ["…", …] }`.
    static func declaredAreas(_ table: TOMLTable, path: String, text: String) throws(ContentError) -> EditionAreas? {
        guard let value = table["areas"] else { return nil }
        let lineOf: (String) -> Int? = { TOMLLines.line(ofKey: $0, in: "areas", text: text) }
        guard let areasTable = value.table else {
            throw ContentError(.wrongType, path: path, line: TOMLLines.line(ofKey: "areas", in: nil, text: text),
                               "`areas` must be a table: [areas] with lines like kita = { name = \"北区\", aliases = [\"きた\"] }")
        }
        var areas: [Area] = []
        for id in areasTable.keys.sorted() {
            guard isAreaID(id) else {
                throw ContentError(.badValue, path: path, line: lineOf(id),
                                   "area id `\(id)` in [areas]: use lower-case ASCII letters, digits, - and _ (put other spellings in `aliases`)")
            }
            guard let entry = areasTable[id]?.table else {
                throw ContentError(.wrongType, path: path, line: lineOf(id),
                                   "area `\(id)` in [areas] must be a table: \(id) = { name = \"…\", aliases = [\"…\"] }")
            }
            let fields = TOMLFields(table: entry, path: path, section: "areas.\(id)", lineOf: { _ in lineOf(id) }, headerLine: lineOf(id))
            try fields.check(allowed: ["name", "aliases"])
            let name = try fields.string("name")
            let aliases = try fields.optionalStrings("aliases") ?? []
            for spelling in [name] + aliases where AreaSpelling.fold(spelling).isEmpty {
                throw fields.error(.badValue, key: id, "area `\(id)` in [areas] has an empty name or alias")
            }
            areas.append(Area(id: id, name: name, aliases: aliases))
        }
        do { return try EditionAreas(areas) } catch {
            throw ContentError(.badValue, path: path, line: lineOf(error.secondID), "[areas]: \(error)")
        }
    }

    /// An entry's `areas` as area ids; with no `[areas]` declared, as written.
    static func areaIDs(_ written: [String]?, declared: EditionAreas?, fields: TOMLFields) throws(ContentError) -> [String]? {
        guard let written, let declared else { return written }
        var ids: [String] = []
        for spelling in written {
            guard let area = declared.area(matching: spelling) else {
                throw fields.error(.badValue, key: "areas", "\(fields.section ?? "[info]"): unknown area \"\(spelling)\" "
                                   + "(not an id, name or alias in [areas]); the areas are \(declared.listing)")
            }
            if !ids.contains(area.id) { ids.append(area.id) }
        }
        return ids
    }

    private static func isAreaID(_ id: String) -> Bool {
        !id.isEmpty && id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}
