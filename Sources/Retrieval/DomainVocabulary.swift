import Foundation
import VoiceCore

/// The names of the knowledge base, for Whisper's initial prompt: tiny.en hears "What is Docker?" as "What is
/// not?" until it is told that "Docker" is a word this assistant knows.
enum DomainVocabulary {
    /// Words written with a capital inside sentences at least half as often as in lower case anywhere ("Docker" in
    /// prose holds against "docker" in commands; "quay" in everyday use outnumbers "Saltmere Quay"), most widespread
    /// first.
    /// Sentence-initial words and headings say nothing; abbreviations, days and months Whisper spells already; and
    /// every prompt word costs decoding time, so at most `limit`.
    static func terms(in texts: [String], limit: Int = 12) -> [String] {
        var capitalised: [String: Int] = [:]
        var lowercase: [String: Int] = [:]
        var spreads: [String: Int] = [:]
        for text in texts {
            var found = Set<String>()
            for line in text.split(whereSeparator: \.isNewline) {
                var sentenceStart = true
                for token in line.split(whereSeparator: { $0.isWhitespace || "\"()[]{}*_`#|/".contains($0) }) {
                    defer { sentenceStart = token.last.map { ".!?:".contains($0) } ?? false }
                    let word = String(token.trimmingCharacters(in: .punctuationCharacters))
                        .split(whereSeparator: { "'’".contains($0) }).first.map(String.init) ?? ""
                    guard let first = word.first, first.isLetter, word.allSatisfy(\.isLetter) else { continue }
                    let key = word.lowercased()
                    if first.isLowercase {
                        lowercase[key, default: 0] += 1
                    } else if !sentenceStart, word.count > 2, word.contains(where: \.isLowercase) {
                        capitalised[key, default: 0] += 1
                        found.insert(word)
                    }
                }
            }
            for term in found { spreads[term, default: 0] += 1 }
        }
        return spreads.filter { term, _ in
            let key = term.lowercased()
            let singular = key.hasSuffix("s") ? String(key.dropLast()) : key
            return 2 * capitalised[key, default: 0] > lowercase[key, default: 0]
                && !AnswerType.days.contains(singular) && !AnswerType.months.contains(key)
        }
        .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map(\.key)
    }
}
