import Foundation

/// Rewrites answer text so it is read the way a person would, the one place that does so for both voices (the
/// Piper voice reads espeak-ng's phonemes of this same text). espeak-ng already reads plain numbers, "6:30",
/// years, "%", "&" and "e.g." well; it reads "$4.50" as "dollar four point five zero", "25 km" as "25 K M",
/// "17:00" as "seventeen zero zero" and "Mon–Fri" as "mon fry", spells out URL schemes and speaks markdown
/// symbols, so those are the gaps filled here.
public enum SpeechText {
    public static func normalize(_ text: String) -> String {
        var result = stripMarkdown(text)
        result = speakAbbreviations(result)
        result = speakUnits(result)
        result = speakClockTimes(result)
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

    static let abbreviations: [(String, String)] = [
        (#"\b[Nn]o\.\s?(?=\d)"#, "number "), (#"\bapprox\."#, "approximately"), (#"\bvs\.?(?=\s)"#, "versus"),
        (#"\bi\.e\."#, "that is"), (#"\be\.g\."#, "for example"), (#"\b24/7\b"#, "24 7"),
    ]
    static let days = ["Mon": "Monday", "Tue": "Tuesday", "Tues": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
                       "Thur": "Thursday", "Thurs": "Thursday", "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday"]

    /// "No. 5" → "number 5", "approx." → "approximately", "Mon–Fri" → "Monday to Friday", "9–5" → "9 to 5".
    static func speakAbbreviations(_ text: String) -> String {
        var result = text
        for (pattern, spoken) in abbreviations {
            result = result.replacingOccurrences(of: pattern, with: spoken, options: .regularExpression)
        }
        let range = try! NSRegularExpression(pattern: #"\b(Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\.?\s?[–-]\s?(Mon|Tues?|Wed|Thu(?:rs?)?|Fri|Sat|Sun)\b\.?"#)
        for match in range.matches(in: result, range: NSRange(result.startIndex..., in: result)).reversed() {
            guard let first = Range(match.range(at: 1), in: result), let last = Range(match.range(at: 2), in: result),
                  let from = days[String(result[first])], let to = days[String(result[last])] else { continue }
            result.replaceSubrange(Range(match.range, in: result)!, with: "\(from) to \(to)")
        }
        // An en dash between numbers is a range; a hyphen may be a phone number, so it stays.
        return result.replacingOccurrences(of: #"(?<=\d)\s?–\s?(?=\d)"#, with: " to ", options: .regularExpression)
    }

    static let units: [(symbol: String, one: String, many: String)] = [
        ("km/h", "kilometre per hour", "kilometres per hour"), ("mph", "mile per hour", "miles per hour"),
        ("km", "kilometre", "kilometres"), ("cm", "centimetre", "centimetres"), ("mm", "millimetre", "millimetres"),
        ("kg", "kilogram", "kilograms"), ("mg", "milligram", "milligrams"), ("g", "gram", "grams"),
        ("ml", "millilitre", "millilitres"), ("ft", "foot", "feet"), ("oz", "ounce", "ounces"),
        ("lbs", "pound", "pounds"), ("lb", "pound", "pounds"), ("hrs", "hour", "hours"), ("hr", "hour", "hours"),
        ("mins", "minute", "minutes"), ("min", "minute", "minutes"), ("secs", "second", "seconds"),
        ("kWh", "kilowatt hour", "kilowatt hours"), ("kW", "kilowatt", "kilowatts"), ("W", "watt", "watts"),
        ("GB", "gigabyte", "gigabytes"), ("MB", "megabyte", "megabytes"),
        ("°C", "degree Celsius", "degrees Celsius"), ("°F", "degree Fahrenheit", "degrees Fahrenheit"),
    ]

    /// A unit symbol right after a number is read as its word: "25 km" → "25 kilometres", "1 kg" → "1 kilogram".
    static func speakUnits(_ text: String) -> String {
        var result = text
        for unit in units {
            let symbol = NSRegularExpression.escapedPattern(for: unit.symbol)
            let pattern = try! NSRegularExpression(pattern: #"(\d+(?:[.,]\d+)?)\s?"# + symbol + #"(?![\w/])"#)
            for match in pattern.matches(in: result, range: NSRange(result.startIndex..., in: result)).reversed() {
                guard let number = Range(match.range(at: 1), in: result) else { continue }
                let value = String(result[number])
                result.replaceSubrange(Range(match.range, in: result)!, with: "\(value) \(value == "1" ? unit.one : unit.many)")
            }
        }
        return result
    }

    /// 24-hour times read as a listener expects: "17:00" → "5 pm", "17:30" → "5 30 pm", "9:00" → "9 o'clock";
    /// "6:30" and "6:30 pm" are already read well. A time written the British way, with a full stop ("7.45am",
    /// "3.15–4.00pm"), is a clock time, not "seven point four five".
    static func speakClockTimes(_ text: String) -> String {
        let clock = try! NSRegularExpression(pattern: #"\b([01]?\d|2[0-3]):([0-5]\d)(?!\d)(\s?[ap]\.?m\.?)?"#,
                                             options: .caseInsensitive)
        var result = text
            .replacingOccurrences(of: #"\b([01]?\d|2[0-3])\.([0-5]\d)(\s?[–-]\s?| to )([01]?\d|2[0-3])\.([0-5]\d)(?=\s?[ap]\.?m\b)"#,
                                  with: "$1:$2$3$4:$5", options: [.regularExpression, .caseInsensitive])
            .replacingOccurrences(of: #"\b([01]?\d|2[0-3])\.([0-5]\d)(?=\s?[ap]\.?m\b|(?:\s?[–-]\s?| to )\d{1,2}\s?[ap]\.?m\b)"#,
                                  with: "$1:$2", options: [.regularExpression, .caseInsensitive])
        for match in clock.matches(in: result, range: NSRange(result.startIndex..., in: result)).reversed() {
            guard let hourRange = Range(match.range(at: 1), in: result), let minuteRange = Range(match.range(at: 2), in: result),
                  let hour = Int(result[hourRange]) else { continue }
            let minutes = String(result[minuteRange])
            let suffix = Range(match.range(at: 3), in: result).map { String(result[$0]) }
            let spokenMinutes = minutes == "00" ? "" : minutes.hasPrefix("0") ? " oh \(minutes.dropFirst())" : " \(minutes)"
            let spoken: String
            if hour >= 13 {
                spoken = "\(hour - 12)\(spokenMinutes) pm"
            } else if minutes == "00" {
                spoken = "\(hour == 0 ? 12 : hour)" + (suffix ?? " o'clock")
            } else if hour == 0 {
                spoken = "12\(spokenMinutes) am"
            } else if result[hourRange].hasPrefix("0") || minutes.hasPrefix("0") {
                spoken = "\(hour)\(spokenMinutes)" + (suffix ?? "")  // "09:05" → "9 oh 5", not "zero nine zero five"
            } else {
                continue
            }
            result.replaceSubrange(Range(match.range, in: result)!, with: spoken)
        }
        return result
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
