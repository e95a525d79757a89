import Foundation

/// Text cut where a speaker pauses, so that a neural voice can speak it one chunk at a time and the first
/// chunk plays while the next is made.
public enum SpeechChunks {
    /// One phrase and the punctuation that ended it ("." when the text had none).
    public struct Phrase: Sendable, Equatable {
        public var text: String
        public var terminator: Character
    }

    /// Sentences, each a list of phrases. A sentence is also cut after a comma, semicolon or colon once its chunk
    /// holds `clauseWords` words, so the first audio of a long sentence does not wait for all of it, while a short
    /// "Yes, we do." stays one breath.
    public static func chunks(_ text: String, clauseWords: Int = 10) -> [[Phrase]] {
        var chunks: [[Phrase]] = []
        var current: [Phrase] = []
        var words = 0
        for phrase in phrases(text) {
            current.append(phrase)
            words += phrase.text.split(separator: " ").count
            if sentenceEnds.contains(phrase.terminator) || words >= clauseWords {
                chunks.append(current)
                current = []
                words = 0
            }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    static let sentenceEnds: Set<Character> = [".", "!", "?"]
    static let pauses: Set<Character> = [".", "!", "?", ",", ";", ":"]

    /// Phrases end at punctuation followed by a space or the end, so "4.50" and "6:30" stay whole.
    static func phrases(_ text: String) -> [Phrase] {
        var phrases: [Phrase] = []
        var buffer = ""
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            let atBoundary = index + 1 == characters.count || characters[index + 1].isWhitespace
            if pauses.contains(character), atBoundary {
                let phrase = buffer.trimmingCharacters(in: .whitespaces)
                if !phrase.isEmpty { phrases.append(Phrase(text: phrase, terminator: character)) }
                buffer = ""
            } else {
                buffer.append(character)
            }
        }
        let rest = buffer.trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { phrases.append(Phrase(text: rest, terminator: ".")) }
        return phrases
    }
}
