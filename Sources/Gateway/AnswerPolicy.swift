import Foundation
public import VoiceCore

/// What the gateway does with a question, decided once from the evidence retrieval returns.
public enum AnswerDecision: Sendable, Equatable {
    /// This sentence answers the question as it stands: it is spoken, without the model.
    case speak(EvidenceSentence)
    /// These sentences, best first, answer the question; the model phrases the answer from them.
    case generate([EvidenceSentence])
    /// Nothing in the knowledge base answers the question.
    case decline(DeclineReason)
}

/// Why a question was declined, for the answer's JSON and the site owner.
public enum DeclineReason: String, Codable, Sendable, Equatable {
    /// No sentence is about the question.
    case nothing_relevant
    /// The sentences about the topic are about another item: the asked one is not described ("steam room" asked,
    /// only the sauna priced).
    case different_item
    /// The sentences about the item do not state the kind of fact asked for (a price, a day, a name).
    case fact_not_stated
}

/// The answer decision and every threshold it uses, in one place (docs/decisions.md, 34):
/// - only sentences about the asked item are candidates: every question word that the knowledge base uses must be
///   matched by the sentence, its heading, its title or, for a sentence opening with a pronoun, the sentence before
///   it. A question word the knowledge base has, but not here, is most often the item the question asks about, and
///   this sentence is about another one ("steam room" asked, only the sauna priced). Verbs (a word after its
///   pronoun subject or "to") are left out of this: a sentence may say what is done in other words;
/// - the best candidate must be relevant enough (MiniLM similarity blended with rarity-weighted word coverage,
///   scored down when it lacks the kind of fact asked for) and cover enough of the question, else the question is
///   declined;
/// - a short, strong candidate is spoken as it stands; otherwise the model phrases the answer from the best few.
/// The thresholds were calibrated with `voice eval` on the sample set (docs/decisions.md, 30 and 33) and checked on
/// the dev sets (eval/kestrel-pool, eval/corvid-kettle); the test sets are only reported (docs/evaluation.md).
public struct AnswerPolicy: Sendable {
    /// Evidence sentences asked of retrieval: the best-scoring sentence is often about a neighbouring item, and the
    /// one about the asked item a few places down.
    public var evidenceSentences = 5
    /// Sentences handed to the model; its prompt processing (about 300 tokens/s on two cores) is most of its time.
    public var contextSentences = 2
    /// A spoken answer is one or two sentences.
    public var maxAnswerTokens = 48
    /// The best candidate's relevance below which nothing addresses the question. Lower floors let misheard
    /// questions through to wrong but grounded answers (sample set).
    public var minScore = 0.55
    /// The share of the question's (rarity-weighted) words the best candidate must cover.
    public var minCoverage = 0.4
    /// Candidates further than this below the best are left out: they only give a small model wrong facts to pick.
    public var maxGapToBest = 0.15
    /// In ``AnswerMode/auto``, a best candidate this relevant, covering this much of the question, and short enough
    /// to listen to is the answer itself, spoken without the model: SmolLM2-135M can only make such an answer
    /// worse, and slower (docs/decisions.md, 33).
    public var mode = AnswerMode.auto
    public var directScore = 0.65
    public var directCoverage = 0.6
    public var directMaxWords = 40

    public init() {}

    /// Whether `sentence` is about what the question asks about.
    public func isAboutAskedItem(_ sentence: EvidenceSentence) -> Bool {
        sentence.unmatched.isEmpty
    }

    /// The decision for the evidence retrieval returned, best first.
    public func decide(_ evidence: [EvidenceSentence]) -> AnswerDecision {
        let candidates = evidence.filter(isAboutAskedItem)
        guard let best = candidates.first, best.score >= minScore, best.coverage >= minCoverage else {
            return .decline(Self.reason(evidence))
        }
        if mode == .auto, TextWords.words(best.text).count <= directMaxWords {
            return .speak(best)
        }
        return .generate(Array(candidates.filter { $0.score >= best.score - maxGapToBest }.prefix(contextSentences)))
    }

    /// Why none of `evidence` answers the question, judged by the most relevant sentence.
    static func reason(_ evidence: [EvidenceSentence]) -> DeclineReason {
        guard let best = evidence.first else { return .nothing_relevant }
        if !best.unmatched.isEmpty { return .different_item }
        if best.states_fact == false { return .fact_not_stated }
        return .nothing_relevant
    }

    /// "Not covered", naming the closest topic the knowledge base does cover.
    public static func notCovered(closestTopic document: RetrievedDocument?) -> String {
        guard let document else { return "Sorry, I don't know. The knowledge base doesn't cover that." }
        var topic = document.title ?? document.source.split(separator: ".").first.map(String.init) ?? document.source
        if topic.hasPrefix("The ") { topic = "the " + topic.dropFirst(4) }
        return "Sorry, I don't know. The knowledge base doesn't cover that; the closest topic it has is \(topic)."
    }
}
