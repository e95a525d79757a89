import Foundation
import VoiceCore

/// Amounts with a unit ("a 1.4 litre engine", "about 3,200 kilos", "8 miles away") and the bands a text prices
/// or rules by ("Up to 1.6 litre", "from 3,000 kg to 3,500 kg", "More than 10 miles away"): a customer gives
/// their own amount, and the document the band it falls in, never the same number.
enum Measures {
    struct Measure: Equatable {
        /// The unit's kind, in which `value` is counted ("kg" for kilos and tonnes alike).
        var unit: String
        var value: Double
    }

    /// Each unit as written, with its kind and how many of the kind's base unit it is.
    static let units: [String: (unit: String, factor: Double)] = {
        var units: [String: (String, Double)] = [:]
        for (kind, factor, spellings) in [
            ("l", 1.0, ["l", "ltr", "litre", "litres", "liter", "liters"]), ("l", 0.001, ["cc", "ml"]),
            ("kg", 1, ["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"]), ("kg", 1000, ["tonne", "tonnes", "ton", "tons"]),
            ("m", 1, ["m", "metre", "metres", "meter", "meters"]), ("m", 1000, ["km", "kilometre", "kilometres", "kilometer", "kilometers"]),
            ("mile", 1, ["mile", "miles"]), ("inch", 1, ["inch", "inches"]), ("point", 1, ["point", "points"]),
            ("hour", 1, ["hour", "hours"]), ("hour", 24, ["day", "days"]), ("hour", 168, ["week", "weeks"]),
            ("month", 1, ["month", "months"]), ("year", 1, ["year", "years"]),
        ] as [(String, Double, [String])] {
            for spelling in spellings { units[spelling] = (kind, factor) }
        }
        return units
    }()

    /// A number in digits ("3,200", "1.4") or a word ("four", "twenty").
    static let number = #"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\b(?:"# + numberWords + #")\b)"#
    static let numberWords = SpokenNumbers.countWords.joined(separator: "|")
    static let unit = "(" + units.keys.sorted { $0.count > $1.count }.joined(separator: "|") + ")(?![a-z])"

    /// A number and its unit ("1.4 litre", "3,200 kilos", "three-day").
    nonisolated(unsafe) static let amount = try! NSRegularExpression(pattern: #"(?<![\d.,])"# + number + #"[ -]?"# + unit)
    /// A range: "1.6–2.5 litre", "from 3,000 kg to 3,500 kg", "between 5 and 10 miles".
    nonisolated(unsafe) static let range = try! NSRegularExpression(
        pattern: #"(?:between\s+)?"# + number + #"\s*(?:"# + unit + #")?\s*(?:to|–|—|-|and)\s*"# + number + #"\s*"# + unit)
    /// A bound, with whether it holds its own value and whether it is an upper one. "Under" and "over" leave the
    /// value out; "up to", "at least" keep it. A word may come between the number and its unit ("no more than 6
    /// penalty points").
    nonisolated(unsafe) static let bounds = [
        (#"up to|no more than|not more than|maximum(?: of)?|max|at most|within"#, true, true),
        (#"under|below|less than|fewer than"#, false, true),
        (#"over|above|more than|beyond"#, false, false),
        (#"at least|minimum(?: of)?|min|from"#, true, false),
    ].map { words, inclusive, upper in
        (try! NSRegularExpression(pattern: #"\b(?:"# + words + #")\s+"# + number + #"\s*(?:[a-z]+\s+)?"# + unit), inclusive, upper)
    }
    /// An open top or bottom after the value: "4 kg or more", "20 kg+", "2 hours or less".
    nonisolated(unsafe) static let orMore = try! NSRegularExpression(
        pattern: number + #"\s*"# + unit + #"\s*(?:\+|or more|and over|or over|and above|or above)"#)
    nonisolated(unsafe) static let orLess = try! NSRegularExpression(
        pattern: number + #"\s*"# + unit + #"\s*(?:or less|or under|and under|or below)"#)

    /// The question's amounts, by each word of their number ("1" and "4" of "1.4 litre").
    static func asked(in question: String) -> [String: Measure] {
        let text = question.lowercased()
        var measures: [String: Measure] = [:]
        for match in matches(amount, in: text).map(\.groups) {
            guard let measure = measure(match[0], match[1]) else { continue }
            for word in TextWords.words(match[0]) { measures[word] = measure }
        }
        return measures
    }

    /// The bands `text` gives, by unit: a range ("1.6–2.5 litre", "from 3,000 kg to 3,500 kg", "5 to 10 miles"),
    /// an upper bound ("up to 1.6 litre", "under 3 miles", "no more than 6 penalty points"), a lower one ("over
    /// 2.5 litre", "more than 10 miles", "at least 2 years", "4 kg or more") or one amount ("25 metres").
    static func bands(in text: String) -> [String: [ClosedRange<Double>]] {
        var bands: [String: [ClosedRange<Double>]] = [:]
        // Each kind of band is read in turn and blanked out, so that "from 3,000 kg" of a range is not read again
        // as a lower bound, nor "1.6 litre" of "up to 1.6 litre" as one amount.
        let text = NSMutableString(string: text.lowercased())
        func read(_ expression: NSRegularExpression, _ band: ([String]) -> (low: Double, high: Double, unit: String)?) {
            for (groups, range) in matches(expression, in: text as String) {
                guard let band = band(groups), band.low <= band.high else { continue }
                bands[band.unit, default: []].append(band.low...band.high)
                text.replaceCharacters(in: range, with: String(repeating: " ", count: range.length))
            }
        }
        read(range) { groups in
            guard let high = measure(groups[2], groups[3]),
                  let low = measure(groups[0], groups[1].isEmpty ? groups[3] : groups[1]), low.unit == high.unit else { return nil }
            return (low.value, high.value, high.unit)
        }
        for (expression, inclusive, upper) in bounds {
            read(expression) { groups in
                guard let bound = measure(groups[0], groups[1]) else { return nil }
                let edge = inclusive ? 0 : max(1e-6, bound.value * 1e-9)
                return upper ? (0, bound.value - edge, bound.unit) : (bound.value + edge, .infinity, bound.unit)
            }
        }
        read(orMore) { groups in measure(groups[0], groups[1]).map { ($0.value, .infinity, $0.unit) } }
        read(orLess) { groups in measure(groups[0], groups[1]).map { (0, $0.value, $0.unit) } }
        read(amount) { groups in measure(groups[0], groups[1]).map { ($0.value, $0.value, $0.unit) } }
        return bands
    }

    /// The amount a number ("3,200", "1.4", "four") and a unit as written make, in the unit's kind.
    static func measure(_ number: String, _ unit: String) -> Measure? {
        guard let (kind, factor) = units[unit],
              let value = Double(number.replacingOccurrences(of: ",", with: "")) ?? SpokenNumbers.value(of: number).map(Double.init)
        else { return nil }
        return Measure(unit: kind, value: value * factor)
    }

    /// Each match's capture groups (an empty string for a group that took part in no match) and its range.
    static func matches(_ expression: NSRegularExpression, in text: String) -> [(groups: [String], range: NSRange)] {
        let source = text as NSString
        return expression.matches(in: text, range: NSRange(location: 0, length: source.length)).map { match in
            ((1..<match.numberOfRanges).map { index in
                let group = match.range(at: index)
                return group.location == NSNotFound ? "" : source.substring(with: group)
            }, match.range)
        }
    }
}
