import Foundation
import Generation
import LlamaEngine
import Testing
import VoiceCore

/// The groundedness guard: numbers and names in an answer must be in the evidence, in whatever form.
@Suite struct GroundednessGuardTests {
    let cafe = GroundednessGuard(evidence: [
        "The Driftwood Cafe opens at 6:30 am and closes at 4 pm from Wednesday to Monday.",
        "The house speciality, the Kelp Latte, costs $4.50.",
        "The Driftwood Membership costs 30 dollars a year.",
        "The Zorblat Bridge opened in 1998 to cars.",
    ])

    @Test func spokenAndWrittenFormsOfTheSameFactAgree() {
        #expect(cafe.unsupported(in: "It opens at six thirty in the morning.").isEmpty)
        #expect(cafe.unsupported(in: "A Kelp Latte costs four dollars and fifty cents.").isEmpty)
        #expect(cafe.unsupported(in: "It costs $4.50.").isEmpty)
        #expect(cafe.unsupported(in: "Membership is thirty dollars a year.").isEmpty)
        #expect(cafe.unsupported(in: "Cars have crossed since nineteen ninety-eight.").isEmpty)
        #expect(cafe.unsupported(in: "The Driftwood Cafe's latte is popular.").isEmpty)
    }

    /// The seed pipeline's three wrong answers, each caught.
    @Test func wrongNumbersAndNamesAreCaught() {
        #expect(cafe.unsupported(in: "The cafe opens at 3:30.") == ["3:30"])
        #expect(cafe.unsupported(in: "It is closed on Sunday.") == ["Sunday"])
        #expect(cafe.unsupported(in: "Membership costs 12.50 cents.") == ["12.50"])
        #expect(cafe.unsupported(in: "A latte costs one thousand dollars.") == ["one thousand"])
        #expect(cafe.unsupported(in: "Ottoline Varga designed it.") == ["Ottoline", "Varga"])
    }

    /// A footnote mark or a vulgar fraction is a number to Unicode with no decimal value: read as none, not a crash.
    @Test func footnoteMarksAndFractionsInTheEvidenceAreNoNumbers() {
        let zones = GroundednessGuard(evidence: ["There are no controls in Zones A, B and D.¹", "Allow 1½ hours, or ¾ of a day."])
        #expect(zones.unsupported(in: "There are no controls in Zones B and D.").isEmpty)
        #expect(SpokenNumbers.numbers(in: "Zones A, B and D.¹ ½").isEmpty)
        // Every other character Unicode calls a number, alone and after a digit, is read without a crash.
        let marks = (0xB2...0x33FF).compactMap(Unicode.Scalar.init).map(Character.init).filter { $0.isNumber && !$0.isASCII }
        #expect(marks.count > 500)
        for mark in marks { _ = SpokenNumbers.numbers(in: "D.\(mark) 1\(mark) \(mark).\(mark)") }
    }

    /// A sentence copied from the context passes, hyphenated names and all.
    @Test func aHyphenatedNameIsInTheEvidenceWhenItsPartsAre() {
        let kettle = GroundednessGuard(evidence: ["Keep-warm time, K9: 45 minutes.", "It works on 2.4 GHz Wi-Fi only."])
        #expect(kettle.unsupported(in: "Keep-warm time, K9: 45 minutes.").isEmpty)
        #expect(kettle.unsupported(in: "Wi-Fi works.").isEmpty)
        #expect(kettle.unsupported(in: "Keep-cool time, K9: 45 minutes.").contains("Keep-cool"))
    }

    @Test func everydaySentenceOpenersAndILeaveNothingToCheck() {
        #expect(cafe.unsupported(in: "Yes. It is one of the best. I don't know the rest.").isEmpty)
        #expect(cafe.unsupported(in: "I don't know.").isEmpty)
    }

    /// Both days are in the evidence, but the most relevant sentence says which day the cafe is closed.
    @Test func theAskedForFactMustBeTheMostRelevantSentences() {
        let hours = GroundednessGuard(evidence: [
            "The Driftwood Cafe: The cafe is closed every Tuesday, when the kitchen is deep-cleaned.",
            "The Driftwood Cafe opens at 6:30 am and closes at 4 pm from Wednesday to Monday.",
        ], question: "Which day is the Driftwood Cafe closed?")
        #expect(hours.accepts("The cafe is closed on Tuesdays.", first: true))
        #expect(!hours.accepts("The Driftwood Cafe is closed on Wednesday.", first: true))
        let ferry = GroundednessGuard(evidence: ["The crossing takes 35 minutes.",
                                                 "Departures from Gullholm Island: 9:00 am, 1:00 pm and 5:00 pm."],
                                      question: "How long does the ferry to Gullholm Island take?")
        #expect(ferry.accepts("The crossing takes thirty-five minutes.", first: true))
        #expect(!ferry.accepts("The ferry takes 5 hours.", first: true))
    }

    /// Both numbers are in the right sentence, but only one clause answers about unused products.
    @Test func theAskedForFactMustBeTheClauseThatAnswers() {
        let returns = GroundednessGuard(evidence: [
            "Unused products may be returned within 30 days, and opened products within 14 days for a fee of $5.",
        ], question: "How long do I have to return unused products?")
        #expect(returns.accepts("You can return unused products within 30 days.", first: true))
        #expect(!returns.accepts("You can return unused products within 14 days.", first: true))
        let opened = GroundednessGuard(evidence: [
            "Unused products may be returned within 30 days, and opened products within 14 days for a fee of $5.",
        ], question: "How long do I have to return opened products?")
        #expect(opened.accepts("Opened products can be returned within 14 days.", first: true))
        #expect(!opened.accepts("Opened products can be returned within 30 days.", first: true))
    }

    @Test func aClosureOrANegationTheEvidenceDoesNotStateIsRefused() {
        let storyTime = GroundednessGuard(evidence: ["Story time for children under five takes place every Wednesday at 10:30 am."],
                                          question: "When is story time at the library?")
        #expect(!storyTime.accepts("The library is closed on Wednesday at 10:30 am.", first: true))
        #expect(!storyTime.accepts("Story time is not on Wednesday.", first: true))
        #expect(storyTime.accepts("Story time is every Wednesday at 10:30 am.", first: true))
        let hours = GroundednessGuard(evidence: ["The cafe is closed every Tuesday."], question: "Which day is the cafe closed?")
        #expect(hours.accepts("The cafe is closed on Tuesdays.", first: true))
    }

    @Test func aFirstSentenceCopiedFromALessRelevantItemIsRefused() {
        let rollback = GroundednessGuard(evidence: [
            "kubectl apply creates objects, and kubectl rollout undo deployment/NAME returns a deployment to its previous version.",
            "A deployment manages a set of identical pods and performs rolling updates when the image changes.",
        ], question: "How do I roll back a Kubernetes deployment?")
        #expect(!rollback.accepts("A deployment manages a set of identical pods and performs rolling updates.", first: true))
        #expect(rollback.accepts("You run kubectl rollout undo deployment/NAME to return it to its previous version.", first: true))
    }

    @Test func madeUpCommandsAndFileNamesAreCaught() {
        let kubectl = GroundednessGuard(evidence: [
            "kubectl apply -f app.yaml creates the objects, and kubectl rollout undo deployment/NAME returns a deployment to its previous version.",
        ], question: "How do I roll back a Kubernetes deployment?")
        #expect(kubectl.unsupported(in: "You use the kube-deployer command.") == ["kube-deployer"])
        #expect(kubectl.unsupported(in: "It is kubectl rollout undo deployment/NAME, or apply app.yaml again.").isEmpty)
        #expect(kubectl.unsupported(in: "You write a deploy.json file.") == ["deploy.json"])
    }

    /// A regression guard, not a benchmark: a check takes about 2 ms; a backtracking pattern would take seconds.
    @Test func checkingTakesWellUnderTwoHundredMilliseconds() {
        let answer = "The Driftwood Cafe opens at six thirty and a Kelp Latte costs $4.50, membership 30 dollars."
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<100 { _ = cafe.unsupported(in: answer) }
        #expect((clock.now - start) / 100 < .milliseconds(200))
    }
}

/// A model that invents a number whatever it is asked: the fault the guard exists for.
struct HallucinatingBackendFault: ChatBackend {
    let modelName = "hallucinating-fault"
    let contextWindow = 2048
    let answer: String

    func promptTokenCount(_ messages: [ChatMessage]) throws -> Int {
        messages.reduce(0) { $0 + $1.content.count / 4 }
    }

    func generate(_ messages: [ChatMessage], parameters: GenerationParameters,
                  stop: (@Sendable (String) -> Bool)?) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        let answer = answer
        return AsyncThrowingStream { continuation in
            for word in answer.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
                continuation.yield(.text((word.offset == 0 ? "" : " ") + word.element))
            }
            continuation.yield(.finished(GenerationStats(promptTokens: 10, cachedPromptTokens: 0, completionTokens: 5,
                                                         promptDuration: .milliseconds(1), generateDuration: .milliseconds(1),
                                                         finishReason: .stop)))
            continuation.finish()
        }
    }

    func health() async -> HealthReport { HealthReport(service: "llm", details: [:]) }
}

@Suite struct GuardedResponderTests {
    let context = [ContextItem(text: "The Kelp Latte costs $4.50 (oat milk & kelp syrup)."),
                   ContextItem(text: "A cappuccino costs $3.90.")]

    @Test func anInventedPriceIsReplacedByTheBestEvidenceSentenceForSpeech() async throws {
        let responder = Responder(backend: HallucinatingBackendFault(answer: "A Kelp Latte costs 1000 dollars."))
        let answer = try await responder.respond(RespondRequest(query: "How much is a Kelp Latte?", context: context))
        // Brackets become the pause a speaker makes; "&" stays as written (the TTS reads it as "and").
        #expect(answer.response == "The Kelp Latte costs $4.50, oat milk & kelp syrup.")
        #expect(answer.grounding == .evidence)
        #expect(!answer.response.contains("1000"))
    }

    @Test func aGroundedFirstSentenceStreamsAndAnInventedSecondOneIsDropped() async throws {
        let responder = Responder(backend: HallucinatingBackendFault(
            answer: "A Kelp Latte costs $4.50. It was invented in 1987 by Captain Ahab."))
        let request = RespondRequest(query: "How much is a Kelp Latte?", context: context)
        let answer = try await responder.respond(request)
        #expect(answer.response == "A Kelp Latte costs $4.50.")
        #expect(answer.grounding == .truncated)
    }

    @Test func aGroundedAnswerPassesUntouched() async throws {
        let responder = Responder(backend: HallucinatingBackendFault(answer: "A cappuccino costs three dollars ninety."))
        let answer = try await responder.respond(RespondRequest(query: "How much is a cappuccino?", context: context))
        #expect(answer.response == "A cappuccino costs three dollars ninety.")
        #expect(answer.grounding == .passed)
    }
}
