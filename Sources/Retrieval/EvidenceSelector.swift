import Foundation
import VoiceCore

/// Evidence selection: the retrieved chunks split into sentences, each ranked by its MiniLM similarity to the
/// question blended with how much of the question it covers, word by word, allowing for misheard words. A small
/// model given three such sentences has little to get wrong; given three whole chunks it picks the wrong number.
struct EvidenceSelector {
    /// Weight of embedding similarity; the rest is lexical coverage.
    static let similarityWeight = 0.6
    /// Sentences shorter than this are headings or fragments, not evidence.
    static let minimumWords = 4

    struct Candidate {
        var text: String
        var chunk: StoredChunk
    }

    /// The distinct sentences of `chunks`, in retrieval order.
    static func candidates(_ chunks: [StoredChunk]) -> [Candidate] {
        var seen = Set<String>()
        return chunks.flatMap { chunk in
            Chunker.sentences(chunk.text).filter { Chunker.wordCount($0) >= minimumWords && seen.insert($0).inserted }
                .map { Candidate(text: $0, chunk: chunk) }
        }
    }

    /// A sentence without the kind of fact the question asks for keeps this share of its score.
    static let wrongTypePenalty = 0.6

    /// Ranks `candidates` (with their vectors) for `query`; `weights` gives each content word's rarity weight.
    static func rank(_ candidates: [(Candidate, [Float])], query: String, question: QuestionWords, queryVector: [Float],
                     weights: [String: Double]) -> [EvidenceSentence] {
        let wanted = AnswerType(question: query)
        return candidates.map { candidate, vector in
            let similarity = Double(VectorMath.dot(queryVector, vector))
            let context = [candidate.text, candidate.chunk.heading ?? "", candidate.chunk.title ?? ""].joined(separator: " ")
            let coverage = question.coverage(of: context, weights: weights)
            var score = similarityWeight * similarity + (1 - similarityWeight) * coverage
            if let wanted, !wanted.isStated(in: candidate.text, question: query) { score *= wrongTypePenalty }
            return EvidenceSentence(text: candidate.text, source: candidate.chunk.source, title: candidate.chunk.title,
                                    heading: candidate.chunk.heading, score: (score * 10_000).rounded() / 10_000,
                                    coverage: (coverage * 10_000).rounded() / 10_000)
        }.sorted { $0.score > $1.score }
    }
}

/// A question's content words, matched against a text the way a listener would: "drift wood" is driftwood,
/// "sore blot" sounds like Zorblat, "opens" is "open".
struct QuestionWords {
    let words: [String]
    /// Adjacent pairs written as one word ("member ship" → "membership"), with the two words they stand for.
    let joined: [(word: String, parts: [String])]

    init(_ query: String) {
        let all = TextWords.words(query)
        words = SearchText.searchTerms(query)
        joined = zip(all, all.dropFirst()).map { ($0 + $1, [$0, $1]) }
    }

    /// Weighted share of the content words found in `text`; 1 when the question has none.
    func coverage(of text: String, weights: [String: Double]) -> Double {
        guard !words.isEmpty else { return 1 }
        let textWords = Set(TextWords.words(text))
        let keys = Set(textWords.map(SoundKey.of))
        var matched = Set(words.filter { TextWords.matches($0, in: textWords, keys: keys) })
        for pair in joined where TextWords.matches(pair.word, in: textWords, keys: keys) { matched.formUnion(pair.parts) }
        let total = words.reduce(0) { $0 + (weights[$1] ?? 1) }
        let found = words.filter(matched.contains).reduce(0) { $0 + (weights[$1] ?? 1) }
        return total > 0 ? found / total : 1
    }
}
