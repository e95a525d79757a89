import Synchronization
import VoiceCore

extension KnowledgeBase {
    /// MiniLM similarity of two single words at which a sentence's word says the question's item word in other words
    /// ("car" and "vehicle" 0.87, "tooth" and "dental" 0.83, "restaurant" and "meal" 0.64). Calibrated on the dev
    /// sets' typed questions (2026-12-07, decision 76): at 0.6, of the first sentences failing only the item check,
    /// 9 holding the asked fact got their word matched and 2 near misses did ("purple" and "red", two kinds of one
    /// colour, which ``Lexicon/areSiblings(_:_:)`` now keeps apart; "fire" and "firings"); at 0.55, 14 and 5.
    static let minWordSimilarity: Float = 0.6

    /// `evidence` with each item word a sentence does not say (``EvidenceSentence/unmatched``) dropped where a word of
    /// the sentence, its heading, title or the sentence it is read with means nearly the same: the documents say
    /// "vehicle pound" where the question says "car pound", "households" where it says "a house". A sentence about
    /// another kind of the same thing ("red" for "purple") does not count, nor one about another time or number,
    /// which the rules read by themselves, nor a word spelt inside the other ("library" in "interlibrary"), which
    /// names another thing. Only sentences that could state the asked kind of fact are read.
    func matchingByMeaning(_ evidence: [EvidenceSentence], candidates: [EvidenceSelector.Candidate],
                           question: QuestionWords) async throws -> [EvidenceSentence] {
        let judged = { (word: String) in
            word.count > 2 && !TextWords.stopWords.contains(word) && !word.contains(where: \.isNumber)
                && !SpokenNumbers.isNumberWord(word) && !AnswerType.namesATime(word)
        }
        let readings: [(index: Int, asked: [String], said: Set<String>)] = evidence.indices.compactMap { index in
            let sentence = evidence[index]
            guard sentence.states_fact != false else { return nil }
            let asked = sentence.unmatched.filter { judged($0) && question.askedHolidays[$0] == nil }
            guard !asked.isEmpty else { return nil }
            let context = [sentence.text, sentence.heading, sentence.title, Self.candidate(of: sentence, in: candidates)?.previous]
            let said = Set(TextWords.words(context.compactMap { $0 }.joined(separator: " ")).filter(judged))
            return said.isEmpty ? nil : (index, asked, said)
        }
        guard !readings.isEmpty else { return evidence }
        let words = Array(Set(readings.flatMap { $0.asked + $0.said }))
        let vectors = try await vectors(of: words, cachedIn: wordVectors)
        var matched = evidence
        for reading in readings {
            let meant = reading.asked.filter { asked in
                guard let vector = vectors[asked] else { return false }
                return reading.said.contains { (said: String) -> Bool in
                    guard let other = vectors[said], !said.contains(asked), !asked.contains(said),
                          VectorMath.dot(vector, other) >= Self.minWordSimilarity else { return false }
                    return lexicon?.areSiblings(asked, said) != true
                }
            }
            matched[reading.index].unmatched.removeAll(where: meant.contains)
        }
        return matched
    }

    /// The candidate `sentence` was read from: the one with its text, else the one holding it (a sentence cut to a
    /// clause, or announced by a lead-in that holds it).
    static func candidate(of sentence: EvidenceSentence, in candidates: [EvidenceSelector.Candidate]) -> EvidenceSelector.Candidate? {
        let ofSource = candidates.filter { $0.chunk.source == sentence.source }
        return ofSource.first { $0.text == sentence.text } ?? ofSource.first { $0.text.contains(sentence.text) }
    }
}
