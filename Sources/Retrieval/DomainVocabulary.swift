import Foundation

/// The names and terms of the knowledge base, for Whisper's initial prompt: a small model hears "what is
/// knocker" until it is told that "Docker" is a word this assistant knows.
enum DomainVocabulary {
    /// Words written with a capital inside a sentence (names, products, places) or with capitals after their
    /// first letter (GGUF, iPhone), most widespread first. Sentence-initial words and title-case lines
    /// (headings) are skipped: their capitals say nothing.
    static func terms(in texts: [String], limit: Int = 40) -> [String] {
        var spreads: [String: Int] = [:]
        for text in texts {
            var found = Set<String>()
            for line in text.split(whereSeparator: \.isNewline) where !isTitleCase(line) {
                var sentenceStart = true
                for token in tokens(line) {
                    if isTerm(token, sentenceStart: sentenceStart) { found.insert(trimmed(token)) }
                    sentenceStart = token.last.map { ".!?:".contains($0) } ?? false
                }
            }
            for term in found where term.count > 1 && !ignored.contains(term.lowercased()) {
                spreads[term, default: 0] += 1
            }
        }
        return spreads.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map(\.key)
    }

    private static func tokens(_ line: Substring) -> [Substring] {
        line.split { $0.isWhitespace || "\"()[]{}*_`#|/".contains($0) }
    }

    private static func isTerm(_ token: Substring, sentenceStart: Bool) -> Bool {
        let word = trimmed(token)
        guard let first = word.first, first.isLetter, word.allSatisfy({ $0.isLetter || $0.isNumber || "-'’+".contains($0) })
        else { return false }
        let innerCapital = word.dropFirst().contains { $0.isUppercase }
        return innerCapital || (first.isUppercase && !sentenceStart)
    }

    private static func trimmed(_ token: Substring) -> String {
        String(token.trimmingCharacters(in: .punctuationCharacters.subtracting(CharacterSet(charactersIn: "+"))))
    }

    /// A heading or title: most of its words are capitalised.
    private static func isTitleCase(_ line: Substring) -> Bool {
        let words = line.split(whereSeparator: \.isWhitespace).filter { $0.first?.isLetter == true }
        guard words.count >= 2 else { return line.hasPrefix("#") }
        return Double(words.filter { $0.first!.isUppercase }.count) / Double(words.count) >= 0.6 || line.hasPrefix("#")
    }

    /// Capitalised mid-sentence for grammar, not meaning.
    private static let ignored: Set<String> = ["i", "i'm", "i've", "i'd", "i'll", "ok", "okay"]
}
