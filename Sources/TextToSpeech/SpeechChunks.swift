import Foundation

/// Text cut where a speaker pauses, so that a neural voice can speak it one chunk at a time and the first
/// chunk plays while the next is made.
public enum SpeechChunks {
    /// One phrase and the punctuation that ended it ("." when the text had none).
    public struct Phrase: Sendable, Equatable {
        public var text: String
        public var terminator: Character
        /// Where it stands in the text, its punctuation included.
        public var range: Range<String.Index>
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

    /// The text of each chunk exactly as written, so that joined with spaces they are the text again: the pieces a
    /// streamed answer is sent and spoken in.
    public static func texts(_ text: String, clauseWords: Int = 10) -> [String] {
        chunks(text, clauseWords: clauseWords).compactMap { chunk in
            guard let first = chunk.first, let last = chunk.last else { return nil }
            return String(text[first.range.lowerBound..<last.range.upperBound])
        }
    }

    /// Phrases end at punctuation followed by a space or the end, so "4.50" and "6:30" stay whole.
    static func phrases(_ text: String) -> [Phrase] {
        var phrases: [Phrase] = []
        var start: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if pauses.contains(character), next == text.endIndex || text[next].isWhitespace {
                if let from = start {
                    phrases.append(Phrase(text: String(text[from..<index]).trimmingCharacters(in: .whitespaces),
                                          terminator: character, range: from..<next))
                }
                start = nil
            } else if start == nil, !character.isWhitespace {
                start = index
            }
            index = next
        }
        if let from = start, let last = text[from...].lastIndex(where: { !$0.isWhitespace }) {
            let end = text.index(after: last)
            phrases.append(Phrase(text: String(text[from..<end]), terminator: ".", range: from..<end))
        }
        return phrases
    }
}
