@testable import Gateway
import Testing
import VoiceCore

/// When the gateway speaks a sentence itself, asks the model, or declines, and why; no services needed.
@Suite struct AnswerPolicyTests {
    func sentence(_ text: String, score: Double, coverage: Double = 1, unmatched: [String] = [],
                  statesFact: Bool? = nil) -> EvidenceSentence {
        EvidenceSentence(text: text, source: "ferry-timetable.md", title: "Saltmere to Gullholm Island Ferry", heading: "Fares",
                         score: score, coverage: coverage, similarity: score, unmatched: unmatched, states_fact: statesFact)
    }

    @Test func aStoredAnswerIsOnlyReusedForTheSameDayMonthAndNumbers() {
        let stored = "Is the library open on Saturday?"
        #expect(AnswerPolicy.asksTheSameSpecifics("Is the library open on Saturdays?", stored))
        #expect(!AnswerPolicy.asksTheSameSpecifics("Is the library open on Sunday?", stored))
        #expect(!AnswerPolicy.asksTheSameSpecifics("Is the library open?", stored), "a stored Saturday is not every day")
        #expect(AnswerPolicy.asksTheSameSpecifics("How much is a ticket for two adults?", "What do 2 adult tickets cost?"))
        #expect(!AnswerPolicy.asksTheSameSpecifics("Can I bring three guests?", "Can I bring two guests?"))
        #expect(!AnswerPolicy.asksTheSameSpecifics("Is it open in July?", "Is it open in June?"))
        #expect(AnswerPolicy.asksTheSameSpecifics("May I bring my dog?", "Can I bring my dog?"))
    }

    @Test func aShortSentenceIsSpokenUnlessEveryAnswerIsGenerated() {
        var policy = AnswerPolicy()
        let ticket = sentence("A return ticket costs $11.", score: 0.6)
        #expect(policy.decide([ticket]) == .speak([ticket]))
        let long = sentence(Array(repeating: "word", count: 41).joined(separator: " "), score: 0.9)
        #expect(policy.decide([long]) == .generate([long]), "too long to listen to: the model shortens it")
        policy.mode = .generate
        #expect(policy.decide([ticket]) == .generate([ticket]))
    }

    /// A best sentence with more numbers than a listener takes in gives way to one nearly as good that has fewer.
    @Test func aSentenceTooFullOfNumbersGivesWayToOneNearlyAsGood() {
        let all = sentence("From 24 February to 26 March: Reception finish at 2.50pm, not 3.05pm; Years 1 to 6 at 3.00pm, not 3.15pm.",
                           score: 0.7)
        let one = sentence("Years 1 to 6 will finish at 3.00pm instead of 3.15pm.", score: 0.65)
        let far = sentence("Years 1 to 6 will finish at 3.00pm instead of 3.15pm.", score: 0.45)  // 0.5 with its change
        #expect(AnswerPolicy().decide([all, one]) == .speak([one]))
        #expect(AnswerPolicy().decide([all, far]) == .speak([all]), "not one much less relevant")
    }

    @Test func aSentenceAboutAnotherItemIsPassedOverForOneAboutTheAskedItem() {
        let bicycle = sentence("Bicycles travel for $2.", score: 0.8, unmatched: ["car"], statesFact: true)
        let car = sentence("A car with its driver costs $24 one way.", score: 0.7, statesFact: true)
        #expect(AnswerPolicy().decide([bicycle, car]) == .speak([car]))
    }

    /// The checks a sentence fails are named in one place, which the decision and `voice eval`'s report both read.
    @Test func theChecksASentenceFailsAreNamed() {
        let policy = AnswerPolicy()
        #expect(policy.failedChecks(sentence("Bicycles travel for $2.", score: 0.3, unmatched: ["car"])) == [.item, .relevance])
        #expect(policy.failedChecks(sentence("The ferry sails daily.", score: 0.8, coverage: 0.2, statesFact: false))
            == [.factKind, .coverage])
        let ticket = sentence("A return ticket costs $11.", score: 0.6)
        #expect(policy.failedChecks(ticket).isEmpty && policy.isCandidate(ticket))
    }

    @Test func closeSentencesAboutTheAskedItemGoToTheModel() {
        var policy = AnswerPolicy()
        policy.mode = .generate
        let chosen = policy.decide([
            sentence("A return ticket costs $11.", score: 0.7, coverage: 0.8),
            sentence("Dogs travel free.", score: 0.8, unmatched: ["ticket"]),
            sentence("A single adult ticket costs $6.", score: 0.6),
            sentence("Bicycles travel free of charge.", score: 0.5),
        ])
        #expect(chosen == .generate([sentence("A return ticket costs $11.", score: 0.7, coverage: 0.8),
                                     sentence("A single adult ticket costs $6.", score: 0.6)]))
    }

    /// The reranker reads the question and the sentence together: a sentence with the question's words that it does
    /// not read as an answer is not spoken, nor is a tied second sentence it rejects.
    @Test func aSentenceTheRerankerDoesNotReadAsAnAnswerIsNotSpoken() {
        let policy = AnswerPolicy()
        var fares = sentence("An adult single fare is $3.50.", score: 0.7, statesFact: true)
        fares.answer_score = -9
        #expect(policy.decide([fares]) == .decline(.nothing_relevant, closest: fares))
        var penalty = sentence("Travelling without a ticket costs an $80 penalty fare.", score: 0.7, statesFact: true)
        penalty.answer_score = 6
        #expect(policy.decide([penalty, fares]) == .speak([penalty]))
        penalty.answer_score = nil
        #expect(policy.decide([penalty]) == .speak([penalty]), "without the reranker, the other checks decide")
    }

    /// Asked yes or no, the sentence that says "No," (an FAQ's answer under its question) is the answer, though the
    /// one after it about the same thing is as relevant; asked anything else, relevance decides.
    @Test func aYesOrNoQuestionIsAnsweredByTheSentenceThatSaysYesOrNo() {
        let policy = AnswerPolicy()
        let cards = sentence("We take all major debit and credit cards.", score: 0.70, statesFact: nil)
        let no = sentence("No, we have been card-only since April 2023.", score: 0.685, statesFact: nil)
        #expect(policy.decide([cards, no], asksYesOrNo: true) == .speak([no, cards]))
        #expect(policy.decide([cards, no]) == .speak([cards, no]))
        #expect(AnswerPolicy.opensWithYesOrNo("No, thank you: bags.") && AnswerPolicy.opensWithYesOrNo("Yes."))
        for text in ["Nothing is charged.", "No. 5 bus leaves at 9.", "No-one under 16 may belay.", "Not on Sundays."] {
            #expect(!AnswerPolicy.opensWithYesOrNo(text), "\(text)")
        }
    }

    @Test func aSentenceThatReportsAChangeIsSpokenOverTheValueItReplaced() {
        let policy = AnswerPolicy()
        let old = sentence("It holds 40 bikes on two-tier racks.", score: 0.69, statesFact: nil)
        let new = sentence("Sixteen new racks have been installed, bringing the bike store's capacity to 56 bikes.", score: 0.676, statesFact: nil)
        #expect(policy.decide([old, new]) == .speak([new]))
        for text in ["General waste is collected on Tuesdays instead of Mondays.", "The weekend rate rises to £75 per night.",
                     "It has been moved to Friday 13 February.", "We no longer take cash."] {
            #expect(AnswerPolicy.reportsAChange(text), "\(text)")
        }
        for text in ["The bus goes to the station.", "Bring a towel to the pool.", "Prices start at £5."] {
            #expect(!AnswerPolicy.reportsAChange(text), "\(text)")
        }
    }

    @Test func aNumberedClausesOwnNumberIsNotCountedAsANumberToTakeIn() {
        let policy = AnswerPolicy()
        let clause = sentence("7.1 Contractors may work from 08:30 to 17:30 Monday to Friday and from 09:00 to 13:00 on Saturdays.",
                              score: 0.7, statesFact: nil)
        let other = sentence("Contractors must sign in at the office.", score: 0.6, statesFact: nil)
        #expect(policy.decide([clause, other]) == .speak([clause]))
    }

    /// Relevance puts a sentence about the asked thing first and the one that answers a little lower; the reranker
    /// reads which one answers.
    @Test func ofTwoNearlyAsRelevantSentencesTheOneTheRerankerReadsAsTheAnswerIsSpoken() {
        let policy = AnswerPolicy()
        var members = sentence("Members pay £18 an hour for the Wren.", score: 0.66, statesFact: true)
        members.answer_score = -2.5
        var others = sentence("Non-members pay £28 an hour for the Wren.", score: 0.6, statesFact: true)
        others.answer_score = 6.4
        #expect(policy.decide([members, others]) == .speak([others, members]),
                "the more relevant one comes second, as the other half of the answer")
        // When the most relevant candidate is no answer, a less relevant one is not taken instead: it is most often
        // about another thing the question's few words fit. It is offered as the closest the knowledge base has.
        members.answer_score = -4
        #expect(policy.decide([members, others]) == .decline(.nothing_relevant, closest: others))
        var vague = sentence("Room hire is charged by the hour.", score: 0.7, coverage: 0.2, statesFact: true)
        vague.answer_score = 5
        members.answer_score = -1
        #expect(policy.decide([vague, members]) == .decline(.nothing_relevant, closest: vague))
    }

    @Test func declinesSayWhy() {
        let policy = AnswerPolicy()
        let bicycles = sentence("Bicycles travel for $2.", score: 0.8, unmatched: ["car"])
        #expect(policy.decide([bicycles]) == .decline(.different_item, closest: bicycles))
        #expect(policy.decide([sentence("Cars board first.", score: 0.3, statesFact: false)]) == .decline(.fact_not_stated))
        #expect(policy.decide([sentence("The ferry was built in 1998.", score: 0.2)]) == .decline(.nothing_relevant))
        let banned = sentence("Cars were banned in 1998.", score: 0.9, coverage: 0.2)
        #expect(policy.decide([banned]) == .decline(.nothing_relevant, closest: banned))
        #expect(policy.decide([]) == .decline(.nothing_relevant))
    }

    @Test func aDeclineOffersOnlyARelevantShortSentenceAsTheClosest() {
        let policy = AnswerPolicy()
        // Relevant, but about another item: offered, and said to be only the closest.
        let sauna = sentence("A sauna session costs $5.", score: 0.6, unmatched: ["steam"])
        #expect(policy.decide([sauna]) == .decline(.different_item, closest: sauna))
        #expect(AnswerPolicy.offering(sauna.text).hasPrefix("I can't find that exactly."))
        // Too weak to be worth hearing, or too long or too many numbers to listen to: nothing offered.
        #expect(policy.decide([sentence("The ferry was built in 1998.", score: 0.39, unmatched: ["car"])]) == .decline(.different_item))
        let long = Array(repeating: "word", count: 35).joined(separator: " ")
        #expect(policy.decide([sentence(long, score: 0.6, unmatched: ["car"])]) == .decline(.different_item))
        let numbers = sentence("Fares are $1, $2, $3, $4 and $5.", score: 0.6, unmatched: ["car"])
        #expect(policy.decide([numbers]) == .decline(.different_item))
    }

    /// The most relevant sentence is often about the topic, and the one stating the asked fact a little lower: of
    /// the sentences worth offering, the one the reranker reads most as an answer is offered.
    @Test func aDeclineOffersTheSentenceTheRerankerReadsMostAsAnAnswer() {
        let policy = AnswerPolicy()
        var topic = sentence("The ferry carries cars, bicycles and foot passengers.", score: 0.6, unmatched: ["caravan"])
        topic.answer_score = -6
        var fact = sentence("Towed trailers cost $30 each way.", score: 0.37, unmatched: ["caravan"])
        fact.answer_score = 2.5
        #expect(policy.decide([topic, fact]) == .decline(.different_item, closest: fact))
        // One the reranker vetoes, or one too far from the question, is not preferred to the most relevant.
        fact.answer_score = -4
        #expect(policy.decide([topic, fact]) == .decline(.different_item, closest: topic))
        fact.answer_score = 2.5
        fact.similarity = 0.3
        #expect(policy.decide([topic, fact]) == .decline(.different_item, closest: topic), "too far in meaning")
    }
}
