import Foundation
import VoiceCore

/// One piece of a document, as retrieved and handed to the language model.
public struct Chunk: Sendable, Equatable {
    public var heading: String?
    public var text: String

    public init(heading: String?, text: String) {
        self.heading = heading
        self.text = text
    }

    public var wordCount: Int { Chunker.wordCount(text) }
}

/// Sentence-aware chunking: sentences are packed into chunks of about `targetWords` (never over `maxWords`),
/// consecutive chunks of one section overlap by up to `overlapWords`, and a chunk keeps the heading it starts
/// under. Short sections are merged until a chunk reaches `minWords`, their headings kept inline as text.
public struct Chunker: Sendable {
    public var minWords = 150
    public var targetWords = 180
    public var maxWords = 300
    public var overlapWords = 40

    public init() {}

    public func chunks(_ document: DocumentText) -> [Chunk] {
        var chunks: [Chunk] = []
        var current: [Sentence] = []
        var currentWords = 0

        func flush(keepingOverlap: Bool) {
            guard !current.isEmpty else { return }
            chunks.append(Chunk(heading: current[0].heading, text: Self.join(current.map(\.text))))
            var kept: [Sentence] = []
            var keptWords = 0
            if keepingOverlap {
                for sentence in current.reversed() where !sentence.isHeading {
                    guard keptWords + sentence.words <= overlapWords else { break }
                    kept.insert(sentence, at: 0)
                    keptWords += sentence.words
                }
            }
            current = kept
            currentWords = keptWords
        }

        for section in document.sections {
            let sentences = Self.sentences(section.text).flatMap { splitLong($0) }
            guard !sentences.isEmpty else { continue }
            if currentWords >= minWords { flush(keepingOverlap: false) }
            if !current.isEmpty, let heading = section.heading {
                // A merged section keeps its heading as words, so search still sees it.
                current.append(Sentence(text: heading + ".", heading: section.heading, words: Self.wordCount(heading), isHeading: true))
                currentWords += current.last!.words
            }
            for text in sentences {
                let sentence = Sentence(text: text, heading: section.heading, words: Self.wordCount(text), isHeading: false)
                if currentWords + sentence.words > maxWords || currentWords >= targetWords {
                    flush(keepingOverlap: true)
                }
                current.append(sentence)
                currentWords += sentence.words
            }
        }
        flush(keepingOverlap: false)
        return chunks
    }

    struct Sentence {
        var text: String
        var heading: String?
        var words: Int
        var isHeading: Bool
    }

    /// A sentence longer than a chunk (a table flattened to one line, say) is cut at word boundaries.
    func splitLong(_ sentence: String) -> [String] {
        let words = sentence.split(whereSeparator: \.isWhitespace)
        guard words.count > maxWords else { return [sentence] }
        return stride(from: 0, to: words.count, by: targetWords).map {
            words[$0..<min($0 + targetWords, words.count)].joined(separator: " ")
        }
    }

    /// Sentences as one text that ``sentences(_:)`` splits back into the same sentences: one that does not start
    /// like a sentence (with code, say) follows a paragraph break.
    static func join(_ sentences: [String]) -> String {
        var text = ""
        for sentence in sentences {
            // A list item or table cell has no full stop: only a paragraph break keeps it apart from the next.
            if !text.isEmpty { text += startsSentence(sentence) && ".!?".contains(text.last!) ? " " : "\n\n" }
            text += sentence
        }
        return text
    }

    static func startsSentence(_ text: some StringProtocol) -> Bool {
        guard let first = text.first else { return false }
        return first.isUppercase || first.isNumber || "\"“'(".contains(first) || footnoteMarks.contains(first)
    }

    static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }

    /// Splits at `.`, `!` or `?` followed by whitespace and an uppercase letter, digit, quote or footnote mark
    /// ("… at any time. ‡ 10-visit cards …"), and at blank lines (paragraphs, list items). Abbreviations such as
    /// "e.g." or "Dr." do not end a sentence.
    public static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        for paragraph in text.components(separatedBy: "\n\n") {
            let flat = paragraph.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.joined(separator: " ")
            guard !flat.isEmpty else { continue }
            var start = flat.startIndex
            var index = flat.startIndex
            while index < flat.endIndex {
                let character = flat[index]
                let next = flat.index(after: index)
                if ".!?".contains(character), next < flat.endIndex, flat[next].isWhitespace {
                    let after = flat[next...].drop { $0.isWhitespace }
                    if startsSentence(after), !endsWithAbbreviation(flat[start..<next], before: after) {
                        result.append(String(flat[start..<next]))
                        start = after.startIndex
                        index = start
                        continue
                    }
                }
                index = next
            }
            let tail = flat[start...].trimmingCharacters(in: .whitespaces)
            if !tail.isEmpty { result.append(tail) }
        }
        return result
    }

    static let abbreviations: Set<String> = ["e.g.", "i.e.", "dr.", "mr.", "mrs.", "ms.", "st.", "vs.", "etc.", "approx."]

    /// "No." is short for number before one ("No. 38"). Before a word it is the answer no: alone, it keeps the
    /// reason after it ("No. The shop takes cards only."), said alone it would answer nothing; after other words it
    /// ends their sentence ("Closed while it happens?: No. Bike store, …").
    static func endsWithAbbreviation(_ text: Substring, before next: Substring) -> Bool {
        let words = text.split(whereSeparator: \.isWhitespace)
        guard let last = words.last?.lowercased() else { return false }
        return abbreviations.contains(last) || last == "no." && (next.first?.isNumber == true || words.count == 1)
    }
}
