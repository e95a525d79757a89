import Foundation

/// Word error rate after normalising case and punctuation: the measure every STT claim here is checked by.
public enum WordErrorRate {
    public static func normalizedWords(_ text: String) -> [String] {
        let cleaned = text.lowercased().unicodeScalars.map { scalar -> Character in
            CharacterSet.alphanumerics.contains(scalar) || scalar == "'" ? Character(scalar) : " "
        }
        return String(cleaned).split(separator: " ").flatMap { token -> [String] in
            let word = token.replacingOccurrences(of: "'", with: "")
            // Whisper writes "7" where a speaker said "seven": compare numbers as words.
            if let number = Int(word), number < 10_000 { return spelled(number) }
            return [word]
        }
    }

    static let ones = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                       "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

    /// 0–9999 as words: 1847 → "one thousand eight hundred forty seven".
    static func spelled(_ number: Int) -> [String] {
        if number < 20 { return [ones[number]] }
        if number < 100 { return [tens[number / 10]] + (number % 10 > 0 ? [ones[number % 10]] : []) }
        if number < 1000 {
            return [ones[number / 100], "hundred"] + (number % 100 > 0 ? spelled(number % 100) : [])
        }
        return spelled(number / 1000) + ["thousand"] + (number % 1000 > 0 ? spelled(number % 1000) : [])
    }

    /// Levenshtein distance over words, divided by the reference length.
    public static func rate(reference: String, hypothesis: String) -> Double {
        let ref = normalizedWords(reference)
        let hyp = normalizedWords(hypothesis)
        guard !ref.isEmpty else { return hyp.isEmpty ? 0 : 1 }
        var previous = Array(0...hyp.count)
        for (i, refWord) in ref.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: hyp.count)
            for (j, hypWord) in hyp.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (refWord == hypWord ? 0 : 1))
            }
            previous = current
        }
        return Double(previous[hyp.count]) / Double(ref.count)
    }
}
