import Foundation
public import VoiceCore

/// Text cut where a speaker pauses, so that a neural voice can speak it one chunk at a time and the first
/// chunk plays while the next is made.
public enum SpeechChunks {
    /// One phrase and the punctuation that ended it ("." when the text had none, "," when it was cut before a
    /// clause opener).
    public struct Phrase: Sendable, Equatable {
        public var text: String
        public var terminator: Character
        /// Where it stands in the text, its punctuation (if the text has one there) included.
        public var range: Range<String.Index>
    }

    /// Sentences, each a list of phrases. A sentence is also cut after a comma, semicolon or colon once its chunk
    /// holds `clauseWords` words, so the first audio of a long sentence does not wait for all of it, while a short
    /// "Yes, we do." stays one breath. A long stretch with no punctuation is cut where a speaker would breathe
    /// (`breathGroups`).
    public static func chunks(_ text: String, clauseWords: Int = SpeechPacing.clauseWords,
                              firstClauseWords: Int = SpeechPacing.firstClauseWords) -> [[Phrase]] {
        var chunks: [[Phrase]] = []
        var current: [Phrase] = []
        var words = 0
        // The words the chunk being made needs before a pause may end it.
        var cut: Int { chunks.isEmpty ? firstClauseWords : clauseWords }
        for phrase in phrases(text) {
            for piece in breathGroups(phrase, in: text, wordsBefore: words, clauseWords: clauseWords, firstCut: cut) {
                current.append(piece)
                words += piece.text.split(whereSeparator: \.isWhitespace).count
                if sentenceEnds.contains(piece.terminator) || words >= cut {
                    chunks.append(current)
                    current = []
                    words = 0
                }
            }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// `phrase` cut before a clause opener once the chunk holds `clauseWords` words (`firstCut` before its first
    /// cut), keeping at least four words
    /// after the cut; a cut piece ends in "," so the voice speaks it as an unfinished clause. Without this a
    /// 25-word sentence with no comma is synthesised whole before anything plays.
    static func breathGroups(_ phrase: Phrase, in text: String, wordsBefore: Int, clauseWords: Int, firstCut: Int) -> [Phrase] {
        let words = text[phrase.range].split(whereSeparator: \.isWhitespace)
        var pieces: [Phrase] = []
        var first = 0
        var count = wordsBefore
        for index in words.indices {
            if index > first, count >= (pieces.isEmpty ? firstCut : clauseWords), words.count - index >= 4,
               SpeechPacing.clauseOpeners.contains(words[index].lowercased()) {
                let range = words[first].startIndex..<words[index - 1].endIndex
                pieces.append(Phrase(text: String(text[range]), terminator: ",", range: range))
                first = index
                count = 0
            }
            count += 1
        }
        guard !pieces.isEmpty else { return [phrase] }
        let range = words[first].startIndex..<phrase.range.upperBound
        var rest = text[range]
        if let last = rest.last, pauses.contains(last) { rest = rest.dropLast() }
        pieces.append(Phrase(text: rest.trimmingCharacters(in: .whitespaces), terminator: phrase.terminator, range: range))
        return pieces
    }

    static let sentenceEnds: Set<Character> = [".", "!", "?"]
    static let pauses: Set<Character> = [".", "!", "?", ",", ";", ":"]

    /// The text of each chunk exactly as written, so that joined with spaces they are the text again: the pieces a
    /// streamed answer is sent and spoken in.
    public static func texts(_ text: String, clauseWords: Int = SpeechPacing.clauseWords,
                             firstClauseWords: Int = SpeechPacing.firstClauseWords) -> [String] {
        chunks(text, clauseWords: clauseWords, firstClauseWords: firstClauseWords).compactMap { chunk in
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
