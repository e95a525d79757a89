import Foundation
public import VoiceCore

/// The answering strategy around the model (docs/decisions.md, "Answer quality"): the model is given only the best
/// few evidence sentences, and when no sentence addresses the question, the honest answer is that the knowledge base
/// does not cover it. Thresholds are calibrated with `voice eval` on
/// knowledge/eval.json.
public struct AnswerPolicy: Sendable {
    /// Evidence sentences asked of retrieval; at most `contextSentences` of them are handed to the model, whose
    /// prompt processing (about 300 tokens/s on two cores) is most of its time.
    public var evidenceSentences = 3
    public var contextSentences = 2
    /// A spoken answer is one or two sentences.
    public var maxAnswerTokens = 48
    /// The best sentence's relevance below which nothing addresses the question.
    public var minEvidenceScore = 0.55
    /// The share of the question's (rarity-weighted) words the best sentence must cover.
    public var minCoverage = 0.4
    /// Sentences further than this below the best are left out: they only give a small model wrong facts to pick.
    public var maxGapToBest = 0.15
    /// When the model declines, a best sentence at least this relevant and covering at least `strongCoverage` of
    /// the question is spoken itself.
    public var strongScore = 0.5
    public var strongCoverage = 0.4
    /// In ``AnswerMode/auto``, a best sentence this relevant, covering this much of the question, and short enough
    /// to listen to is the answer itself, spoken without the model: SmolLM2-135M can only make such an answer
    /// worse, and slower (docs/decisions.md, 33).
    public var mode = AnswerMode.auto
    public var directScore = 0.65
    public var directCoverage = 0.6
    public var directMaxWords = 40

    public init() {}

    /// The evidence to answer from, or nil when the knowledge base does not cover the question.
    public func evidence(for retrieved: RetrieveResponse) -> [EvidenceSentence]? {
        guard let best = retrieved.evidence.first, best.score >= minEvidenceScore, best.coverage >= minCoverage
        else { return nil }
        return Array(retrieved.evidence.filter { $0.score >= best.score - maxGapToBest }.prefix(contextSentences))
    }

    /// The sentence to speak instead of asking the model, if any.
    public func directAnswer(_ evidence: [EvidenceSentence]) -> EvidenceSentence? {
        guard mode == .auto, let best = evidence.first, best.score >= directScore, best.coverage >= directCoverage,
              TextWords.words(best.text).count <= directMaxWords else { return nil }
        return best
    }

    /// The sentence to speak when the model says it does not know but the evidence plainly answers.
    public func answeringSentence(_ evidence: [EvidenceSentence]) -> EvidenceSentence? {
        guard let best = evidence.first, best.score >= strongScore, best.coverage >= strongCoverage else { return nil }
        return best
    }

    /// "Not covered", naming the closest topic the knowledge base does cover.
    public static func notCovered(closestTopic document: RetrievedDocument?) -> String {
        guard let document else { return "Sorry, I don't know. The knowledge base doesn't cover that." }
        var topic = document.title ?? document.source.split(separator: ".").first.map(String.init) ?? document.source
        if topic.hasPrefix("The ") { topic = "the " + topic.dropFirst(4) }
        return "Sorry, I don't know. The knowledge base doesn't cover that; the closest topic it has is \(topic)."
    }
}
