import Gateway
import Testing
import VoiceCore

/// When the gateway answers from a sentence itself, asks the model, or says the question is not covered; no services
/// needed.
@Suite struct AnswerPolicyTests {
    func sentence(_ text: String, score: Double, coverage: Double) -> EvidenceSentence {
        EvidenceSentence(text: text, source: "ferry-timetable.md", title: "Saltmere to Gullholm Island Ferry", heading: "Fares",
                         score: score, coverage: coverage)
    }

    @Test func aStrongShortSentenceIsTheAnswerUnlessEveryAnswerIsGenerated() {
        var policy = AnswerPolicy()
        let ticket = sentence("A return ticket costs $11.", score: 0.84, coverage: 1)
        #expect(policy.directAnswer([ticket]) == ticket)
        #expect(policy.directAnswer([sentence("A return ticket costs $11.", score: 0.6, coverage: 1)]) == nil)
        #expect(policy.directAnswer([sentence("A return ticket costs $11.", score: 0.84, coverage: 0.5)]) == nil)
        let long = Array(repeating: "word", count: 41).joined(separator: " ")
        #expect(policy.directAnswer([sentence(long, score: 0.9, coverage: 1)]) == nil, "too long to listen to")
        policy.mode = .generate
        #expect(policy.directAnswer([ticket]) == nil)
    }

    @Test func weakEvidenceIsNotCoveredAndCloseSentencesGoToTheModel() {
        let policy = AnswerPolicy()
        func retrieved(_ evidence: [EvidenceSentence]) -> RetrieveResponse {
            RetrieveResponse(documents: [], qa: [], evidence: evidence, timings: [:])
        }
        #expect(policy.evidence(for: retrieved([sentence("A car with its driver costs $24 one way.", score: 0.54, coverage: 0.41)])) == nil)
        #expect(policy.evidence(for: retrieved([sentence("Cars were banned in 1998.", score: 0.9, coverage: 0.2)])) == nil)
        let chosen = policy.evidence(for: retrieved([
            sentence("A return ticket costs $11.", score: 0.8, coverage: 1),
            sentence("A single adult ticket costs $6.", score: 0.7, coverage: 0.8),
            sentence("Bicycles travel free of charge.", score: 0.6, coverage: 0.5),
        ]))
        #expect(chosen?.map(\.score) == [0.8, 0.7])
    }
}
