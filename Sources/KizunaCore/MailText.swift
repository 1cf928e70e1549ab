import Foundation

/// Text folding for reading commands: what a phone or a Japanese input method may type for the
/// same word reads the same.
public enum MailText {
    /// NFKC (full-width letters, digits and punctuation become ASCII, half-width katakana become
    /// full-width, ㋿ becomes 令和), dashes and the long-vowel mark between digits become `-`,
    /// the ideographic space becomes a space, typographic apostrophes become `'`, and control
    /// characters other than tab and line breaks are dropped. Case is kept.
    public static func fold(_ text: String) -> String {
        let nfkc = text.precomposedStringWithCompatibilityMapping
        var out = String.UnicodeScalarView()
        let scalars = Array(nfkc.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: out.append(scalar)
            case 0x00..<0x20, 0x7F..<0xA0, 0x200B, 0xFEFF: continue
            case 0x3000: out.append(" ")
            case 0x2010...0x2015, 0x2212, 0xFE58, 0xFE63: out.append("-")
            case 0x2018, 0x2019, 0x2032: out.append("'")
            case 0x30FC:
                // ー between digits is a dash typed on a Japanese keyboard (2027ー5ー1).
                let prev = index > 0 ? scalars[index - 1] : " "
                let next = index + 1 < scalars.count ? scalars[index + 1] : " "
                if prev.properties.numericType != nil && next.properties.numericType != nil { out.append("-") } else { out.append(scalar) }
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
