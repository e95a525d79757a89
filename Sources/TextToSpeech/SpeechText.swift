import Foundation

/// Rewrites answer text so espeak reads it the way a person would. espeak already reads plain numbers,
/// times ("6:30"), years and percentages well; it reads "$4.50" as "dollar four point five zero", spells out
/// URL schemes and speaks markdown symbols, so those are the gaps filled here.
public enum SpeechText {
    public static func normalize(_ text: String) -> String {
        var result = stripMarkdown(text)
        result = speakURLs(result)
        result = speakCurrency(result)
        result = result.replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression)
        return result.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func stripMarkdown(_ text: String) -> String {
        var result = text
        let rules: [(String, String)] = [
            (#"```[\s\S]*?```"#, " "),                      // code blocks are not read aloud
            (#"!\[([^\]]*)\]\([^)]*\)"#, "$1"),             // images: keep the alt text
            (#"\[([^\]]+)\]\([^)]*\)"#, "$1"),              // links: keep the text
            (#"(?m)^\s{0,3}#{1,6}\s*"#, ""),                // headings
            (#"(?m)^\s*(?:[-*+]|\d+[.)])\s+"#, ""),         // list markers
            (#"(?m)^\s*>\s?"#, ""),                         // block quotes
            (#"(\*\*|__|\*|_|~~|`)(?=\S)([^*_~`]+?)(?<=\S)\1"#, "$2"),  // emphasis and inline code
            (#"[*#`|]+"#, " "),                             // stray markup characters
        ]
        for (pattern, template) in rules {
            result = result.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        // A line break ends a spoken phrase: give espeak a pause where the text had one.
        return result.replacingOccurrences(of: #"(?<![.!?:;,])\s*\n+\s*"#, with: ". ", options: .regularExpression)
    }

    /// "https://www.example.com/docs" → "example dot com slash docs".
    static func speakURLs(_ text: String) -> String {
        text.replacingOccurrences(of: #"\b(?:https?://)(?:www\.)?([^\s/]+)((?:/[^\s]*)?)"#, with: "$1$2",
                                  options: .regularExpression)
            .replacingOccurrences(of: #"(?<=\w)/(?=\w)"#, with: " slash ", options: .regularExpression)
    }

    static let currencies: [Character: (major: String, majorPlural: String, minor: String, minorPlural: String)] = [
        "$": ("dollar", "dollars", "cent", "cents"),
        "€": ("euro", "euros", "cent", "cents"),
        "£": ("pound", "pounds", "penny", "pence"),
    ]

    /// "$4.50" → "4 dollars and 50 cents", "€12" → "12 euros": espeak then reads the numbers.
    static func speakCurrency(_ text: String) -> String {
        let pattern = try! NSRegularExpression(pattern: #"([$€£])\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\b"#)
        var result = text
        for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            guard let symbolRange = Range(match.range(at: 1), in: text), let majorRange = Range(match.range(at: 2), in: text),
                  let names = currencies[text[symbolRange].first!] else { continue }
            let major = Int(text[majorRange].replacingOccurrences(of: ",", with: "")) ?? 0
            var minor = 0
            if let minorRange = Range(match.range(at: 3), in: text) {
                let digits = String(text[minorRange])
                minor = (Int(digits) ?? 0) * (digits.count == 1 ? 10 : 1)
            }
            var spoken = "\(major) \(major == 1 ? names.major : names.majorPlural)"
            if minor > 0 {
                let minorWords = "\(minor) \(minor == 1 ? names.minor : names.minorPlural)"
                spoken = major > 0 ? "\(spoken) and \(minorWords)" : minorWords
            }
            result.replaceSubrange(Range(match.range, in: result)!, with: spoken)
        }
        return result
    }
}
