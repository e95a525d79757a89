import Foundation
@testable import Gateway
import Synchronization
import Testing
import VoiceCore

/// Fault: a knowledge service whose vocabulary takes longer than a question may wait for it.
final class SlowVocabularyFault: RetrievalClient {
    let calls = Mutex(0)

    func vocabulary() async throws -> [String] {
        calls.withLock { $0 += 1 }
        try await Task.sleep(for: .milliseconds(800))
        return ["Brightmill", "Foundry"]
    }

    func retrieve(_ request: RetrieveRequest) async throws -> RetrieveResponse { throw CancellationError() }
    func record(_ question: LoggedQuestion) async throws {}
    func recordFirstAudio(milliseconds: Double) async throws {}
}

@Suite struct SpeechPromptTests {
    /// The first question does not wait for a slow vocabulary, and the fetch it started is not thrown away: the
    /// questions after it get the glossary from that one fetch.
    @Test func aSlowFirstFetchIsNotWaitedForButIsKept() async throws {
        let retrieval = SlowVocabularyFault()
        let prompt = SpeechPrompt(source: .knowledgeVocabulary, retrieval: retrieval)
        #expect(await prompt.current() == nil)
        var glossary: String?
        for _ in 0..<50 where glossary == nil {
            try await Task.sleep(for: .milliseconds(200))
            glossary = await prompt.current()
        }
        #expect(glossary == "Brightmill, Foundry.")
        #expect(retrieval.calls.withLock { $0 } == 1)
    }
}
