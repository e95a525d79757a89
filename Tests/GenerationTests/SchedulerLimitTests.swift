import Foundation
import Generation
import HTTPTypes
import LlamaEngine
import Testing
import VoiceCore

/// Queue bound, deadline and cancellation of the batch scheduler, with the real model.
@Suite(.serialized) struct SchedulerLimitTests {
    static let story = [ChatMessage(role: "user", content: "Write a very long story about a dragon who learns to sail.")]
    static let long = GenerationParameters(maxTokens: 1024, temperature: 1)

    func backend(sequences: Int = 1, maxQueue: Int = 0, timeout: Duration = .seconds(60)) throws -> LlamaChatBackend {
        try LlamaChatBackend(model: try SharedLLM.model(), options: .init(
            sequences: sequences, contextPerSequence: 1536, threads: 2, maxQueue: maxQueue, timeout: timeout))
    }

    @Test func aFullQueueAnswersBusyWithRetryAfter() async throws {
        let backend = try backend(sequences: 1, maxQueue: 0)
        let running = try await backend.generate(Self.story, parameters: Self.long, stop: nil)
        var iterator = running.makeAsyncIterator()
        _ = try await iterator.next()
        do {
            _ = try await backend.generate(Self.story, parameters: Self.long, stop: nil)
            Issue.record("a second request was accepted with a full queue")
        } catch let error as APIError {
            #expect(error.status == .serviceUnavailable)
            #expect(error.retryAfter != nil)
        }
    }

    @Test func aDroppedStreamStopsItsGeneration() async throws {
        let backend = try backend()
        do {
            let stream = try await backend.generate(Self.story, parameters: Self.long, stop: nil)
            var iterator = stream.makeAsyncIterator()
            _ = try await iterator.next()
            #expect(backend.scheduler.activeSequences == 1)
        }
        // 1024 tokens would take seconds; the dropped stream frees its sequence at the next step.
        let clock = ContinuousClock()
        let start = clock.now
        while backend.scheduler.activeSequences > 0 && clock.now - start < .seconds(2) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(backend.scheduler.activeSequences == 0)
    }

    @Test func aGenerationPastItsDeadlineEndsWithATimeout() async throws {
        let backend = try backend(timeout: .milliseconds(300))
        do {
            for try await _ in try await backend.generate(Self.story, parameters: Self.long, stop: nil) {}
            Issue.record("the generation outlived its deadline")
        } catch let error as APIError {
            #expect(error.status == .gatewayTimeout)
        }
        #expect(backend.scheduler.activeSequences == 0)
    }

    @Test func stopsAtMaxTokensWithReasonLength() async throws {
        let backend = try backend()
        let result = try await Collected(try await backend.generate(
            Self.story, parameters: .init(maxTokens: 5, temperature: 0), stop: nil))
        #expect(result.stats?.completionTokens == 5)
        #expect(result.stats?.finishReason == .length)
    }
}
