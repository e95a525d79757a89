public import Foundation

/// Numbers as people write and say them.
public enum SpokenNumbers {
    /// "seven", "twenty", "hundred", "tenth".
    /// The value of a number word, or of its plural ("eights" in "under eights" is 8).
    public static func value(orPluralOf word: String) -> Int? {
        value(of: word) ?? (word.hasSuffix("s") ? value(of: String(word.dropLast())) : nil)
    }

    public static func isNumberWord(_ word: String) -> Bool {
        wordValues[word.lowercased()] != nil
    }

    /// The value of one number word ("ten" is 10), or nil.
    public static func value(of word: String) -> Int? {
        wordValues[word.lowercased()]
    }

    /// The value of an ordinal written in digits: "12th" and "21st" are 12 and 21, the day a date writes as "12
    /// January".
    public static func value(ofOrdinal word: String) -> Int? {
        // Called for every unmatched word of every sentence ranked: no regular expression.
        let digits = word.prefix { $0.isASCII && $0.isNumber }
        guard (1...4).contains(digits.count), ["st", "nd", "rd", "th"].contains(word.dropFirst(digits.count).lowercased())
        else { return nil }
        return Int(digits)
    }

    public struct Number: Equatable, Sendable {
        /// As written.
        public var text: String
        /// Its value: 4.5 for "$4.50", 6.3 for "6:30" (hours and minutes read as a decimal, consistently).
        public var value: Decimal
        /// The whole numbers it is made of: 4 and 50 for "$4.50", 6 and 30 for "6:30".
        public var parts: [Decimal]
        /// Written in words.
        public var spoken: Bool
    }

    public static func numbers(in text: String) -> [Number] {
        var result: [Number] = []
        var run: [(text: String, value: Int)] = []
        func flushWords() {
            result += combine(run)
            run.removeAll()
        }
        for token in text.split(whereSeparator: { $0.isWhitespace || $0 == "-" || $0 == "–" }) {
            let word = token.lowercased().trimmingCharacters(in: .punctuationCharacters.union(.symbols))
            if let value = wordValues[word] {
                run.append((word, value))
                // A run ends at punctuation: "six, thirty" are two numbers.
                if let last = token.last, ",.;:!?".contains(last) { flushWords() }
                continue
            }
            if word == "and", !run.isEmpty { continue }
            flushWords()
            if let number = digits(String(token)) { result.append(number) }
        }
        flushWords()
        return result
    }

    /// "$4.50", "6:30", "1,200", "10am", "5%".
    static func digits(_ token: String) -> Number? {
        let core = token.drop { !$0.isNumber }.reversed().drop { !$0.isNumber }.reversed()
        let text = String(core).replacingOccurrences(of: ",", with: "")
        guard let first = text.first, first.isNumber else { return nil }
        let pieces = text.split(whereSeparator: { $0 == ":" || $0 == "." })
        guard pieces.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }), pieces.count <= 2 else { return nil }
        // A footnote mark or a fraction ("¹", "½") is a number to Unicode but has no decimal value.
        let parts = pieces.compactMap { Decimal(string: String($0)) }
        guard parts.count == pieces.count else { return nil }
        let value: Decimal = pieces.count == 2 ? Decimal(string: "\(pieces[0]).\(pieces[1])") ?? parts[0] : parts[0]
        return Number(text: String(core), value: value, parts: parts, spoken: false)
    }

    /// Number words grouped into numbers: "twenty eight" is 28, "one hundred and twelve" 112, "six thirty" 6 and
    /// 30 (a time), "nineteen ninety eight" 1998. A lone "one" is left out: "one of the" is not a fact.
    static func combine(_ run: [(text: String, value: Int)]) -> [Number] {
        var groups: [[(text: String, value: Int)]] = []
        for item in run {
            if var last = groups.popLast() {
                let previous = last.last!.value
                // "two hundred", "five thousand", "twenty eight", "hundred (and) twelve".
                let joins = (item.value == 100 && previous < 100) || (item.value >= 1000 && previous < 1000)
                    || ((20..<100).contains(previous) && previous % 10 == 0 && item.value < 10)
                    || (previous >= 100 && item.value < 100)
                if joins {
                    last.append(item)
                    groups.append(last)
                } else {
                    groups.append(last)
                    groups.append([item])
                }
            } else {
                groups.append([item])
            }
        }
        var numbers: [Number] = []
        for group in groups {
            var total = 0
            var current = 0
            for item in group {
                if item.value == 100 {
                    current = max(current, 1) * 100
                } else if item.value >= 1000 {
                    total += max(current, 1) * item.value
                    current = 0
                } else {
                    current += item.value
                }
            }
            let value = total + current
            let text = group.map(\.text).joined(separator: " ")
            numbers.append(Number(text: text, value: Decimal(value), parts: [Decimal(value)], spoken: true))
        }
        // Two adjacent spoken numbers are a time ("six thirty") or a year ("nineteen ninety eight").
        var merged: [Number] = []
        for number in numbers {
            if let last = merged.last, last.parts.count == 1, let a = Int("\(last.value)"), let b = Int("\(number.value)") {
                let text = last.text + " " + number.text
                if (1...12).contains(a), (0...59).contains(b) {
                    let time = Decimal(string: "\(a).\(b < 10 ? "0" : "")\(b)") ?? 0
                    merged[merged.count - 1] = Number(text: text, value: time, parts: [last.value, number.value], spoken: true)
                    continue
                }
                if (10...20).contains(a), (10...99).contains(b) {
                    merged[merged.count - 1] = Number(text: text, value: Decimal(a * 100 + b), parts: [last.value, number.value],
                                                      spoken: true)
                    continue
                }
            }
            merged.append(number)
        }
        return merged.filter { $0.text != "one" }
    }

    static let units = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                        "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    static let tens = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    /// The words a count from one to the hundreds is said in: "one" to "nineteen", the tens and "hundred".
    public static let countWords = Array(units.dropFirst()) + tens + ["hundred"]

    static let wordValues: [String: Int] = {
        let tens = Dictionary(uniqueKeysWithValues: Self.tens.enumerated().map { ($1, 20 + 10 * $0) })
        // Not "first" and "second": "the first ferry", "a second".
        let ordinals = ["third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
                        "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "twentieth": 20, "thirtieth": 30]
        var values = Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1, $0) })
        values.merge(tens) { $1 }
        values.merge(ordinals) { a, _ in a }
        values["hundred"] = 100
        values["thousand"] = 1000
        values["million"] = 1_000_000
        return values
    }()
}
