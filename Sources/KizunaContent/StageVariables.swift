import KizunaCore

/// The variables a message may use and the values its stage fixes.
enum StageVariables {
    /// Every name a message or local-info template may use.
    static let known: Set<String> = [
        "nickname", "week", "day_of_week", "weeks_days", "days_to_due",
        "age", "age_days", "age_months", "edition_name",
    ]
    static let pregnancyOnly: Set<String> = ["week", "day_of_week", "weeks_days", "days_to_due"]

    /// The names a message at `stage` may use.
    static func allowed(for stage: Stage) -> Set<String> {
        switch stage {
        case .gestationalDay: return Set(["nickname", "edition_name"]).union(pregnancyOnly)
        case .childDay: return ["nickname", "edition_name", "age", "age_days"]
        case .childMonth, .childYear: return ["nickname", "edition_name", "age", "age_months"]
        }
    }

    /// Why a known name cannot be used at `stage`.
    static func notAllowedReasons(for stage: Stage) -> [String: String] {
        var reasons: [String: String] = [:]
        for name in known.subtracting(allowed(for: stage)) {
            switch (stage, name) {
            case (.gestationalDay, _): reasons[name] = "is for child messages, not pregnancy ones"
            case (_, let n) where pregnancyOnly.contains(n): reasons[name] = "is for pregnancy messages, not child ones"
            case (.childDay, _): reasons[name] = "is not fixed by a day stage (use it in month or year messages)"
            default: reasons[name] = "is not fixed by a month or year stage (use it in day messages)"
            }
        }
        return reasons
    }

    /// The stage-derived values (everything except `nickname` and `edition_name`).
    static func values(for stage: Stage, forms: LanguageForms) -> [String: String] {
        switch stage {
        case .gestationalDay(let d):
            let age = GestationalAge(days: d)
            return [
                "week": String(age.weeks),
                "day_of_week": String(age.dayOfWeek),
                "weeks_days": forms.weeksDays(weeks: age.weeks, days: age.dayOfWeek),
                "days_to_due": String(GestationalAge.dueDay - d),
            ]
        case .childDay(let d):
            return ["age": forms.age(stage), "age_days": String(d)]
        case .childMonth(let m):
            return ["age": forms.age(stage), "age_months": String(m)]
        case .childYear(let y):
            return ["age": forms.age(stage), "age_months": String(12 * y)]
        }
    }
}

/// Orders stages by when they fall: `child/d0100` comes after `child/m03` and before `child/m04`.
/// (`Stage`'s own `<` compares message keys, which is not date order across units.)
public enum StageOrder {
    /// Approximate days from the track's anchor, then unit, so equal times order day < month < year.
    static func key(_ stage: Stage) -> (Double, Int) {
        switch stage {
        case .gestationalDay(let d): return (Double(d), 0)
        case .childDay(let d): return (Double(d), 0)
        case .childMonth(let m): return (Double(m) * 30.436875, 1)
        case .childYear(let y): return (Double(y) * 365.2425, 2)
        }
    }

    /// True when `a` falls before `b` (both on the same track).
    public static func precedes(_ a: Stage, _ b: Stage) -> Bool {
        let ka = key(a), kb = key(b)
        return ka.0 != kb.0 ? ka.0 < kb.0 : ka.1 < kb.1
    }

    /// True when `stage` is within `from...until`, all on the same track, in date order.
    public static func contains(from: Stage, until: Stage, _ stage: Stage) -> Bool {
        stage.track == from.track && from.track == until.track
            && !precedes(stage, from) && !precedes(until, stage)
    }
}
