import Foundation
import Models
import OnnxEngine
@testable import Retrieval
import Testing
import VoiceCore
import VoiceTesting

/// The cross-encoder that vetoes answers (decision 54), with the real model and MiniLM's tokenizer, on sentences
/// written for this test.
@Suite struct RerankerTests {
    let reranker: Reranker
    let embedder: Embedder

    init() throws {
        embedder = try Embedder(modelPath: try Fixtures.model(ModelCatalog.miniLM), threads: 2)
        reranker = try Reranker(model: try Fixtures.model(ModelCatalog.reranker),
                                runtime: try OnnxRuntime.load(library: try Fixtures.model(ModelCatalog.onnxRuntime)), threads: 2)
    }

    func scores(_ query: String, _ passages: [String]) throws -> [Double] {
        try reranker.scores(query: query, passages: passages, tokenizer: embedder.model)
    }

    /// Sentences sharing the question's words, of which only one says what is asked.
    @Test func theSentenceThatSaysWhatIsAskedScoresAboveItsNeighbours() throws {
        let answers = try scores("What's the fine for riding the tram without a ticket?", [
            "Fares. A single tram ticket costs $2.80 and a day ticket $7.",
            "Fares. Anyone riding without a valid ticket pays a $75 penalty fare on the spot.",
            "Tickets. Tickets are sold at every stop and on the driver's console.",
        ])
        #expect(answers[1] > 0, "\(answers)")
        #expect(answers[1] > answers[0] + 3 && answers[1] > answers[2] + 3, "\(answers)")
    }

    /// Yes or no about another item: the sentence about the asked one reads as the answer.
    @Test func theAskedItemMattersNotJustTheTopic() throws {
        let answers = try scores("Can I bring my cat on the tram?", [
            "Pets. Small dogs may travel if they are kept on a lead.",
            "Pets. Cats must travel in a closed carrier.",
        ])
        #expect(answers[1] > answers[0], "\(answers)")
    }

    /// A follow-up read with its earlier question asks the cross-encoder two things, and the sentence answering
    /// only the follow-up reads as no answer to both; it is also read with the follow-up alone.
    @Test func aFollowUpIsAlsoReadAlone() async throws {
        let test = try await TestKnowledge(seed: false, reranker: reranker)
        let text = """
            # Dogs on board

            A dog travels for $2 single or $3.50 return. Dogs must stay on a lead and off the seats.
            """
        _ = try await test.knowledge.ingest(source: "dogs.md", data: Data(text.utf8), format: .markdown)
        let joined = "How much is a single and a return for a dog? Do they have to be on a lead?"
        func lead(_ followUp: String?) async throws -> Double {
            let evidence = try await test.knowledge.retrieve(.init(query: joined, top_k: 1, evidence: 2, follow_up: followUp)).evidence
            return try #require(evidence.first { $0.text.hasPrefix("Dogs must") }?.answer_score)
        }
        let together = try await lead(nil)
        let alone = try await lead("Do they have to be on a lead?")
        #expect(alone > together + 1 && alone >= -3, "together \(together), alone \(alone)")
    }

    /// Each pair is read alone, so a sentence scores the same whatever else is read with it.
    @Test func aScoreDoesNotDependOnTheOtherSentences() throws {
        let query = "When does the last tram leave the station?"
        let last = "The last tram leaves Central Station at 23:40."
        let alone = try scores(query, [last])
        let together = try scores(query, ["Trams run every ten minutes in the day, with a much longer text beside it to pad.", last])
        #expect(alone[0] == together[1])
    }
}

/// What the reranker reads of a misheard question: the knowledge base's own spelling, as the word rules hear it.
@Suite struct MisheardQuestionForTheRerankerTests {
    @Test func aWordNoChunkHoldsIsReadAsTheSoundAlikeTheSentencesWrite() {
        let text = ["The kettle is not dishwasher safe.", "K7 and K9.", "Stowford is in zone 5."]
        #expect(KnowledgeBase.asWritten("Can I put the cattle in the dishwasher?", unknown: ["cattle"], in: text)
            == "can i put the kettle in the dishwasher?")
        #expect(KnowledgeBase.asWritten("Does a cave seven base fit the cave nine?", unknown: ["cave"], in: text)
            == "does a k7 base fit the k9?")
        #expect(KnowledgeBase.asWritten("Can I get a green bin in stow ford?", unknown: ["stow", "ford"], in: text)
            == "can i get a green bin in stowford?")
    }

    @Test func aQuestionWhoseWordsTheKnowledgeBaseHoldsIsReadAsAsked() {
        let text = ["The kettle boils in minutes."]
        let asked = "How fast does the Kettle boil?"
        #expect(KnowledgeBase.asWritten(asked, unknown: [], in: text) == asked)
        #expect(KnowledgeBase.asWritten("Can I bring a parrot?", unknown: ["parrot"], in: text) == "Can I bring a parrot?",
                "no sound-alike: the word stays, and the reranker sees an item the sentences lack")
    }
}
