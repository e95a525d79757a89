import Foundation
public import VoiceCore

/// What the gateway does with a question, decided once from the evidence retrieval returns.
public enum AnswerDecision: Sendable, Equatable {
    /// These sentences (one, or two equally good ones: "every four weeks in hard water", "every three months in
    /// soft water") answer the question as they stand: they are spoken, without the model.
    case speak([EvidenceSentence])
    /// These sentences, best first, answer the question; the model phrases the answer from them.
    case generate([EvidenceSentence])
    /// Nothing in the knowledge base answers the question. `closest`, when relevant enough, is offered as the
    /// closest thing it has, said to be no more than that.
    case decline(DeclineReason, closest: EvidenceSentence? = nil)
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
/// - only sentences about the asked item that state the kind of fact asked for (a price for "how much", a day for
///   "which day") are candidates; about the asked item means that every question word the knowledge base uses must be
///   matched by the sentence, its heading, its title or, for a sentence opening with a pronoun, the sentence before
///   it, as written or by a word of nearly the same meaning (decision 76). A question word the knowledge base has,
///   but not here, is most often the item the question asks about, and this sentence is about another one ("steam
///   room" asked, only the sauna priced). Verbs (a word after its pronoun subject or "to") are left out of this: a
///   sentence may say what is done in other words;
/// - the most relevant candidate must be relevant enough (MiniLM similarity blended with rarity-weighted word
///   coverage), cover enough of the question and be read as an answer by the reranker, a cross-encoder (decision
///   54), else the question is declined. Of the candidates that pass, the answer is the most relevant, moved by how
///   much the reranker reads it as the answer (decision 66);
/// - a short candidate is spoken as it stands; a long one, or every one in ``AnswerMode/generate``, is phrased by
///   the model from the best few;
/// - a declined question is offered the most relevant sentence as the closest the knowledge base has, when it is
///   relevant enough, and is told that it may not be the answer.
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
    /// The best candidate's relevance below which nothing addresses the question. Calibrated with
    /// ``minAnswerScore`` on the five dev sets' typed and misheard questions (2026-12-05, 544 questions): alone, at
    /// 0.5, the best candidate was right for 188, wrong for 48, and answered 15 of 149 unanswerable ones; 0.4 with
    /// the reranker at -3 gave 188, 31 and 11; 0.35 gave 189, 32, 11; 0.45 gave 185, 29, 11. Held out, the pair
    /// declined about as many right answers as wrong ones it stopped (decision 54).
    public var minScore = 0.4
    /// The reranker's logit (``EvidenceSentence/answer_score``) below which the best candidate does not answer,
    /// however many of the question's words it has: the cross-encoder reads "Can I buy an extended warranty?" with
    /// "Every kettle is covered for two years" and sees nothing about buying more cover. Dev (with ``minScore``
    /// 0.4): -4 right 188, wrong 33, 12 unanswerable answered; -3 188, 31, 11; -2 180, 29, 7. Untuned, the reranker
    /// alone ranks worse than ``EvidenceSentence/score`` (the right sentence first for 263 of 353 against 271), so
    /// it only vetoes.
    public var minAnswerScore = -3.0
    /// When the question names something no chunk holds ("vegan breakfast"), the MiniLM similarity a candidate
    /// needs: only a close paraphrase of the question is then about the same thing. Dev: 0.6 kept most near misses
    /// of this kind out; paraphrases it turns away ("cord" for "cable") scored 0.58 and below anyway.
    public var minSimilarityWithUnknownWords = 0.6
    /// The share of the question's (rarity-weighted) words the best candidate must cover.
    public var minCoverage = 0.4
    /// A second candidate this close to the best is spoken with it. Dev: hard- and soft-water descaling scored
    /// 0.811 and 0.805; at 0.05 unrelated second sentences came along.
    public var maxTieGap = 0.02
    /// Candidates further than this below the best are left out: they only give a small model wrong facts to pick.
    public var maxGapToBest = 0.15
    /// In ``AnswerMode/auto``, a best candidate short enough to listen to is the answer itself, spoken without the
    /// model: on the dev sets SmolLM2-135M only ever made such answers worse ("The price of a ten-swim card is
    /// 10-swim"), and slower (docs/decisions.md, 33 and 34). A longer one is shortened by the model.
    public var mode = AnswerMode.auto
    public var directMaxWords = 40
    /// Numbers a listener can take in from one answer.
    public var maxSpokenNumbers = 4
    /// A declined question is offered a sentence as the closest the knowledge base has ("I can't find that exactly.
    /// The closest I have is: …") when its MiniLM similarity is this close and the reranker reads it as an answer
    /// (``closest(_:)``), or, where none is, the most relevant sentence when it also scores this high: the
    /// rules that decline (a question word the sentence lacks, a kind of fact not stated, a score below
    /// `minScore`) turn away many sentences that do answer, in other words. Dev (2026-12-04): of 71 answerable
    /// questions declined, 39 got an offer at 0.4 and 0.35, 26 of them holding the asked fact; 25 of 72 near misses
    /// got a neighbouring sentence, said to be no more than that; no out-of-scope question got one (at similarity
    /// 0.3, "Can you set a timer for ten minutes?" was offered the kettle's keep-warm time).
    public var minClosestScore = 0.4
    public var minClosestSimilarity = 0.35

    public init() {}

    /// The checks a sentence must pass to answer. The first three say whether it could answer at all (a
    /// candidate); the last three whether it is relevant and read as an answer enough.
    public enum Check: String, CaseIterable, Sendable {
        /// A question word the knowledge base has is not matched: the sentence is about another item.
        case item
        /// A question word no chunk holds, and the sentence is no close paraphrase of the question.
        case unknownWord = "unknown word"
        /// The sentence does not state the kind of fact asked for.
        case factKind = "kind of fact"
        /// Relevance below ``minScore``.
        case relevance
        /// Coverage below ``minCoverage``.
        case coverage
        /// The reranker's logit below ``minAnswerScore``.
        case reranker

        var decidesCandidacy: Bool { [.item, .unknownWord, .factKind].contains(self) }
    }

    /// The checks `sentence` fails, in ``Check``'s order.
    public func failedChecks(_ sentence: EvidenceSentence) -> [Check] {
        Check.allCases.filter { check in
            switch check {
            case .item: !sentence.unmatched.isEmpty
            case .unknownWord: !sentence.unknown.isEmpty && sentence.similarity < minSimilarityWithUnknownWords
            case .factKind: sentence.states_fact == false
            case .relevance: sentence.score < minScore
            case .coverage: sentence.coverage < minCoverage
            case .reranker: !answers(sentence)
            }
        }
    }

    /// Whether `sentence` could answer: it is about the item asked about, and states the kind of fact asked for.
    public func isCandidate(_ sentence: EvidenceSentence) -> Bool {
        !failedChecks(sentence).contains(where: \.decidesCandidacy)
    }

    /// How much the reranker's logit weighs beside the relevance score when candidates are ordered. Relevance alone
    /// puts a sentence about the asked thing first and the one that answers a little lower ("Members (per hour):
    /// £18" above "Non-members (per hour): £28" for non-members); a logit spans about -11 to 8, so at 0.02 it moves
    /// a candidate by up to about 0.2. Dev, nine sets (2026-12-06, decision 66): replaying the policy over one run's
    /// evidence, 0.02 was best in each of the nine leave-one-set-out folds; measured, answerable 230 → 231/366 typed
    /// and 121 → 122/234 misheard, near misses as before (131/141, 82/90).
    public var rerankerWeight = 0.02

    /// How far a sentence opening with "Yes" or "No" moves up for a question that asks yes or no: it is the
    /// direct answer (an FAQ's first sentence under its question, "No, we have been card-only since April 2023"),
    /// where the sentences after it about the same thing score as high ("We take all major debit and credit
    /// cards"). Dev, twelve sets (2026-12-07, replayed on one run's records): 0.05 to 0.2 each gave answerable +2
    /// typed and +2 misheard ("Can I pay in cash?", "Have you got a café?") and moved no near miss; 0.02 half that.
    public var directAnswerWeight = 0.05

    /// How far a sentence that reports a change moves up ("…is collected on Tuesdays instead of Mondays", "…rises to
    /// £75", "…bringing its capacity to 56 bikes"): it states the value now, where the page it changes still states
    /// the old one and scores as high ("It holds 40 bikes on two-tier racks"). Dev (2026-12-07, eighth session,
    /// replayed on one run's records of sixteen sets and a new one): 0.05 gave answerable +3 typed (two superseding
    /// notices and a moved school day) and moved no near miss.
    public var changeWeight = 0.05

    /// The order of the candidates that pass every check: relevance, moved by the reranker where it read one, by a
    /// direct "Yes" or "No" to a question that asks for one, and by a change the sentence reports.
    public func rank(_ sentence: EvidenceSentence, asksYesOrNo: Bool = false) -> Double {
        sentence.score + rerankerWeight * (sentence.answer_score ?? 0)
            + (asksYesOrNo && Self.opensWithYesOrNo(sentence.text) ? directAnswerWeight : 0)
            + (Self.reportsAChange(sentence.text) ? changeWeight : 0)
    }

    /// Whether `text` says a value has changed: "instead of", "no longer", "rises to", "has been moved to",
    /// "bringing … to".
    static func reportsAChange(_ text: String) -> Bool {
        text.firstMatch(of: changeWords) != nil
    }

    nonisolated(unsafe) static let changeWords = #/(?i)\binstead of\b|\bno longer\b|\bbringing\b[^.]*?\bto\b|\b(?:rises|rose|increases|increased|falls|fell|drops|dropped|moves|moved|changes|changed|goes up|goes down|went up|went down|is reduced|is increased|is raised|is lowered)\s+to\b/#

    /// Whether `text` opens with a plain "Yes" or "No" ("No, thank you: …", "Yes, the café…"), not with "No. 5" or
    /// "No-one".
    static func opensWithYesOrNo(_ text: String) -> Bool {
        text.prefixMatch(of: #/(?i)(?:yes|no)(?:[,!]|\.(?!\s*\d)|$)/#) != nil
    }

    /// The decision for the evidence retrieval returned, best first, to a question that asks yes or no or not.
    public func decide(_ evidence: [EvidenceSentence], asksYesOrNo: Bool = false) -> AnswerDecision {
        // The most relevant candidate must pass every check, else nothing answers: when it is not an answer, a less
        // relevant one that passes is most often about something else the question's few words also fit ("And for
        // children?" asked alone, where children's books, story time and fares all are). Of the candidates that
        // pass, the answer is the best by ``rank(_:asksYesOrNo:)``.
        let passing = { (sentence: EvidenceSentence) in self.failedChecks(sentence).isEmpty }
        let all = evidence.filter(isCandidate)
        guard let mostRelevant = all.first, passing(mostRelevant) else {
            return .decline(Self.reason(evidence), closest: closest(evidence))
        }
        let rank = { (sentence: EvidenceSentence) in self.rank(sentence, asksYesOrNo: asksYesOrNo) }
        var candidates = all.filter(passing).enumerated().sorted { one, other in
            rank(one.element) != rank(other.element) ? rank(one.element) > rank(other.element) : one.offset < other.offset
        }.map(\.element)
        // A best candidate too long or too full of numbers to take in gives way to one nearly as good that is short
        // enough to say: the sentence a lead-in announced ("Years 1 to 6 will finish at 3.00pm instead of 3.15pm.")
        // over the lead-in read with all it lists. Spoken as written, it is surer than the model's shortening of
        // the long one (hollybrook: "Does that mean my son can do a club without paying?").
        if !isListenable(candidates[0].text),
           let listenable = candidates.dropFirst().firstIndex(where: { isListenable($0.text) && rank(candidates[0]) - rank($0) <= maxGapToBest }) {
            candidates.insert(candidates.remove(at: listenable), at: 0)
        }
        let best = candidates[0]
        if mode == .auto, TextWords.words(best.text).count <= directMaxWords {
            // A second candidate about as relevant, or more (the reranker put it second), is the other half of the
            // answer (another condition, another model), when both together are still short enough to listen to;
            // not beside a change, where it is most often the value the change replaced.
            if let second = candidates.dropFirst().first, best.score - second.score <= maxTieGap,
               !Self.reportsAChange(best.text), isListenable(best.text + " " + second.text) {
                return .speak([best, second])
            }
            return .speak([best])
        }
        return .generate(Array(candidates.filter { rank($0) >= rank(best) - maxGapToBest }.prefix(contextSentences)))
    }

    /// Whether the reranker, where it ran, reads `sentence` as an answer to the question (it reads every sentence
    /// that could be a candidate).
    func answers(_ sentence: EvidenceSentence) -> Bool { (sentence.answer_score ?? .infinity) >= minAnswerScore }

    /// Whether a listener can take `text` in as one answer, as it is said: few enough words and numbers.
    func isListenable(_ text: String) -> Bool {
        let said = speakable(text)
        return TextWords.words(said).count <= directMaxWords && Self.numbers(in: said) <= maxSpokenNumbers
    }

    /// How many numbers `text` says ("£2.50", "9:30" and "1,200" are one each): what the policy and the evaluation
    /// count against four.
    public static func numbers(in text: String) -> Int { text.matches(of: #/\d+(?:[.:,]\d+)*/#).count }

    /// The sentence to offer, short enough to listen to with ``offerOpening`` and close enough in meaning: the one
    /// the reranker reads most as an answer, of those it does not veto; else the most relevant, when it is relevant
    /// enough. The most relevant is often a sentence about the topic, and the one stating the asked fact a little
    /// lower. Dev (2026-12-06, nine sets): declined answerable questions offered their asked fact 29 → 44/114 typed
    /// and 24 → 33/103 misheard; near misses offered a sentence, said to be only the closest, 68 → 80/141 and
    /// 40 → 49/90; out-of-scope questions 1/48 as before.
    func closest(_ evidence: [EvidenceSentence]) -> EvidenceSentence? {
        let offerable = evidence.filter { $0.similarity >= minClosestSimilarity && isListenable(Self.offering($0.text)) }
        let read = offerable.compactMap { sentence in
            sentence.answer_score.map { (sentence, $0) }
        }.filter { $0.1 >= minAnswerScore }
        if let best = read.max(by: { $0.1 < $1.1 }) { return best.0 }
        guard let best = evidence.first, best.score >= minClosestScore, offerable.first == best else { return nil }
        return best
    }

    /// How a decline that offers the closest sentence opens: it says the sentence may not be the answer.
    public static let offerOpening = "I can't find that exactly. The closest I have is: "

    /// A decline offering `sentence` as the closest the knowledge base has.
    public static func offering(_ sentence: String) -> String { offerOpening + sentence }

    /// Why none of `evidence` answers the question, judged by the most relevant sentence.
    static func reason(_ evidence: [EvidenceSentence]) -> DeclineReason {
        guard let best = evidence.first else { return .nothing_relevant }
        if !best.unmatched.isEmpty { return .different_item }
        if best.states_fact == false { return .fact_not_stated }
        return .nothing_relevant
    }

    /// Whether a stored question answers the asked one as it stands: MiniLM puts "open on Sunday" 0.95 from "open
    /// on Saturday", so the days, months and numbers each names must be the same.
    public static func asksTheSameSpecifics(_ asked: String, _ stored: String) -> Bool {
        func specifics(_ text: String) -> Set<String> {
            AnswerType.dayNames(in: text)
                .union(TextWords.words(text).filter(AnswerType.isMonthName))
                .union(SpokenNumbers.numbers(in: text).map { "\($0.value)" })
        }
        return specifics(asked) == specifics(stored)
    }

    /// "Not covered", naming the closest topic the knowledge base does cover.
    public static func notCovered(closestTopic document: RetrievedDocument?) -> String {
        guard let document else { return "Sorry, I don't know. The knowledge base doesn't cover that." }
        var topic = document.title ?? document.source.split(separator: ".").first.map(String.init) ?? document.source
        if topic.hasPrefix("The ") { topic = "the " + topic.dropFirst(4) }
        return "Sorry, I don't know. The knowledge base doesn't cover that; the closest topic it has is \(topic)."
    }
}
