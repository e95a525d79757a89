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
        /// The section the sentence is in: the chunk's heading, or one met inside the chunk before the sentence.
        var heading: String?
    }

    /// The distinct sentences of `chunks`, in retrieval order; headings inside a chunk are not evidence but name
    /// the section of the sentences after them.
    static func candidates(_ chunks: [StoredChunk]) -> [Candidate] {
        var seen = Set<String>()
        var candidates: [Candidate] = []
        for chunk in chunks {
            var heading = chunk.heading
            var sentences: [(text: String, heading: String?)] = []
            for sentence in Chunker.sentences(chunk.text) {
                if sentence.hasSuffix("."), chunk.sectionHeadings.contains(String(sentence.dropLast())) {
                    heading = String(sentence.dropLast())
                } else {
                    sentences.append((sentence, heading))
                }
            }
            for (index, sentence) in sentences.enumerated() {
                var text = sentence.text
                if isLeadIn(text) {
                    // "…comes from two kernel features." says there are two; the sentences after it name them.
                    let following = sentences[(index + 1)...].prefix { $0.heading == sentence.heading }.prefix(leadInFollowers)
                    text = ([text] + following.map(\.text)).joined(separator: " ")
                }
                if Chunker.wordCount(text) >= minimumWords && seen.insert(text).inserted {
                    candidates.append(Candidate(text: text, chunk: chunk, heading: sentence.heading))
                }
            }
        }
        return candidates
    }

    /// Sentences that a lead-in brings along.
    static let leadInFollowers = 2

    /// Whether a sentence announces what the next ones list: it ends with a colon, or with a small count of things
    /// ("two kernel features.", "three main parts.") that are not a measure ("35 minutes.", "12 items.").
    static func isLeadIn(_ sentence: String) -> Bool {
        if sentence.hasSuffix(":") { return true }
        guard sentence.hasSuffix(".") else { return false }
        let words = TextWords.words(sentence)
        guard let last = words.last, last.hasSuffix("s"), !measures.contains(last) else { return false }
        return words.suffix(4).dropLast().contains { counts.contains($0) }
    }

    static let counts: Set<String> = ["two", "three", "four", "five", "six", "several", "few"]
    static let measures: Set<String> = [
        "seconds", "minutes", "hours", "days", "weeks", "months", "years", "metres", "meters", "miles", "kilometres",
        "dollars", "cents", "euros", "pounds", "percent", "people", "passengers", "items", "cars", "times",
    ]

    /// A sentence without the kind of fact the question asks for keeps this share of its score.
    static let wrongTypePenalty = 0.6

    /// Ranks `candidates` (with their vectors) for `query`; `weights` gives each content word's rarity weight.
    static func rank(_ candidates: [(Candidate, [Float])], query: String, question: QuestionWords, queryVector: [Float],
                     weights: [String: Double]) -> [EvidenceSentence] {
        let wanted = AnswerType(question: query)
        return candidates.map { candidate, vector in
            let similarity = Double(VectorMath.dot(queryVector, vector))
            let context = [candidate.text, candidate.heading ?? "", candidate.chunk.title ?? ""].joined(separator: " ")
            let coverage = question.coverage(of: context, weights: weights)
            var score = similarityWeight * similarity + (1 - similarityWeight) * coverage
            if let wanted, !wanted.isStated(in: candidate.text, question: query) { score *= wrongTypePenalty }
            return EvidenceSentence(text: candidate.text, source: candidate.chunk.source, title: candidate.chunk.title,
                                    heading: candidate.heading, score: (score * 10_000).rounded() / 10_000,
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
        var words = SearchText.searchTerms(query)
        // "long" in "How long…" and "time" in "What time…" ask for a kind of fact (``AnswerType``), which a sentence
        // states in numbers, not in that word.
        if all.count > 2, ["how", "what", "which"].contains(all[0]), Self.kindWords.contains(all[1]) {
            words.removeAll { $0 == all[1] }
        }
        self.words = words
        joined = zip(all, all.dropFirst()).map { ($0 + $1, [$0, $1]) }
    }

    static let kindWords: Set<String> = ["long", "far", "old", "big", "tall", "early", "late", "time", "year", "day", "days"]

    /// What a word found only as a stem, a prefix, a sound-alike or a synonym counts for: the same word is surer.
    static let inexactCredit = 0.85

    /// Other words a knowledge base uses for what a question asks ("founded" → "opened"); keyed by the question's
    /// word or its stem. Deliberately few: each one is a way to match the wrong sentence.
    static let synonyms: [String: [String]] = [
        "founded": ["opened", "established", "started"], "founder": ["opened", "established", "started"],
        "leave": ["departure", "depart"], "leav": ["departure", "depart"],
        "design": ["architect", "engineer"], "build": ["construction", "built"], "built": ["construction"],
        "undo": ["roll", "rollback"], "rollback": ["undo", "rollout"],
    ]

    /// Whether the text has a synonym of `word`, as written or with another ending (not by sound: "undo" and "and"
    /// sound alike to ``SoundKey``).
    static func synonymMatches(_ word: String, in textWords: Set<String>) -> Bool {
        (synonyms[word] ?? synonyms[SoundKey.stem(word)] ?? []).contains { TextWords.matches($0, in: textWords, keys: []) }
    }

    /// Weighted share of the content words found in `text`; 1 when the question has none.
    func coverage(of text: String, weights: [String: Double]) -> Double {
        guard !words.isEmpty else { return 1 }
        let tokens = TextWords.words(text)
        let textWords = Set(tokens)
        let keys = Set(textWords.map(SoundKey.of))
        // "storytime" asked of "Story time": adjacent words of the text written as one.
        let textPairs = Set(zip(tokens, tokens.dropFirst()).map { $0 + $1 })
        var credit: [String: Double] = [:]
        for word in words {
            if textWords.contains(word) {
                credit[word] = 1
            } else if textPairs.contains(word) || TextWords.matches(word, in: textWords, keys: keys)
                        || Self.synonymMatches(word, in: textWords) {
                credit[word] = Self.inexactCredit
            }
        }
        // Two words the text writes as one ("drift wood"), or a phrase it puts another way ("roll back" → "undo").
        for pair in joined where TextWords.matches(pair.word, in: textWords, keys: keys)
            || Self.synonymMatches(pair.word, in: textWords) {
            for part in pair.parts { credit[part] = max(credit[part] ?? 0, Self.inexactCredit) }
        }
        let total = words.reduce(0) { $0 + (weights[$1] ?? 1) }
        let found = words.reduce(0) { $0 + (weights[$1] ?? 1) * (credit[$1] ?? 0) }
        return total > 0 ? found / total : 1
    }
}
