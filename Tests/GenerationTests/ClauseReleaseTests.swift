@testable import Generation
import Testing

/// How the model's text is handed out while it is written: a long sentence a clause at a time, so its first audio
/// does not wait for the model to finish it, and never a clause the groundedness guard would not pass.
struct ClauseReleaseTests {
    /// The model's words as it writes them, a few characters at a time, then its totals.
    static func written(_ text: String) -> AsyncThrowingStream<GenerationEvent, any Error> {
        AsyncThrowingStream { continuation in
            var rest = Substring(text)
            while !rest.isEmpty {
                continuation.yield(.text(String(rest.prefix(7))))
                rest = rest.dropFirst(7)
            }
            continuation.yield(.finished(GenerationStats(promptTokens: 40, cachedPromptTokens: 0, completionTokens: 20,
                                                         promptDuration: .zero, generateDuration: .zero, finishReason: .stop)))
            continuation.finish()
        }
    }

    static let evidence = ["Family tickets cost $30 for two adults and up to three children, and they are valid all day."]

    static func released(_ text: String) async throws -> [String] {
        var pieces: [String] = []
        let check = GroundednessGuard(evidence: evidence, question: "How much is a family ticket?")
        _ = try await Responder.release(written(text), check: check, maxSentences: 2, clauses: true) { pieces.append($0) }
        return pieces
    }

    @Test func aLongSentenceWhoseFirstClauseAnswersIsHandedOutAClauseAtATime() async throws {
        let text = "Family tickets cost $30 for two adults with up to three children, and they are valid all day."
        let pieces = try await Self.released(text)
        #expect(pieces == ["Family tickets cost $30 for two adults with up to three children,", " and they are valid all day."])
        #expect(pieces.joined() == text)
    }

    @Test func aLongFirstSentenceWithoutACommaIsHandedOutBeforeAClauseOpener() async throws {
        // The model often writes its first sentence without a comma; the first piece still ends after a few words.
        let text = "Family tickets cost $30 for two adults and they are valid all day."
        let pieces = try await Self.released(text)
        #expect(pieces.first == "Family tickets cost $30 for two adults")
        #expect(pieces.joined() == text)
    }

    @Test func aFirstClauseWithoutTheAskedFactWaitsForTheRestOfItsSentence() async throws {
        // "How much" asks for a price, which only the second clause gives: the first alone would not pass.
        let text = "Family tickets are valid all day for two adults and up to three children, and they cost $30."
        #expect(try await Self.released(text) == [text])
    }

    @Test func aRefusalAfterAReleasedClauseEndsTheAnswerThere() async throws {
        let text = "Family tickets cost $30 for up to three children, but I don't know about dogs."
        #expect(try await Self.released(text) == ["Family tickets cost $30 for up to three children,"])
    }

    @Test func shortClausesAndNumbersDoNotEndAPiece() {
        #expect(Responder.boundary("Yes, we do. We open at nine") .map { $0.sentence } == true)
        #expect(Responder.boundary("Yes, we do, from nine") == nil)
        #expect(Responder.boundary("It costs $4.50 a day") == nil)
        let text = "The Zorblat Bridge: the bridge takes its name from the Zorblat family, a wool merchant"
        let cut = try? #require(Responder.boundary(text))
        #expect(cut.map { String(text[..<$0.end]) } == "The Zorblat Bridge: the bridge takes its name from the Zorblat family,")
        #expect(cut?.sentence == false)
        // Before "and" once four words from it on are written, not at the opener alone or a tail of a word or two.
        #expect(Responder.boundary("It costs $4 a day and you", clauseWords: 4) == nil)
        let opener = "It costs $4 a day and pay at the desk."
        #expect(Responder.boundary(opener, clauseWords: 4).map { String(opener[..<$0.end]) } == "It costs $4 a day")
        #expect(Responder.boundary("It costs $4 a day and more. Then", clauseWords: 4).map { $0.sentence } == true)
        #expect(Responder.boundary("Bread and jam cost $4 a day", clauseWords: 4) == nil)
    }
}
