import Foundation
import KizunaContent
import KizunaCore
import KizunaStore

/// The administrator's view of reader surveys behind `kizuna surveys …`.
public struct SurveyAdmin {
    let instance: Instance
    public init(instance: Instance) { self.instance = instance }

    /// Every survey of the catalog, by id, one line each:
    /// `ID<TAB>editions E<TAB>WINDOW<TAB>languages L<TAB>choices N<TAB>sent N`.
    public func list() throws -> [String] {
        let sent = try instance.store().surveySendCounts()
        return try instance.catalogAsWritten().surveys.map { Self.line($0, sent: sent[$0.id] ?? 0) }
    }

    static func line(_ survey: Survey, sent: Int) -> String {
        let window = switch survey.when {
        case .dates(let from, let until): "\(from.iso)..\(until.iso)"
        case .stage(let stage, let days): "\(stage.messageKey) +\(days) days"
        }
        // Languages may offer different numbers of choices; say each when they differ.
        let counts = Set(survey.texts.values.map(\.choices.count))
        let choices = counts.count == 1 ? String(counts.first!) : survey.languages.map { "\($0) \(survey.texts[$0]!.choices.count)" }.joined(separator: ", ")
        return [survey.id, "editions \(survey.editions?.joined(separator: ",") ?? "all")", window,
                "languages \(survey.languages.joined(separator: ","))", "choices \(choices)", "sent \(sent)"].joined(separator: "\t")
    }
}
