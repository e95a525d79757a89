public import Foundation
import HTTPTypes
import Metrics
public import VoiceCore

/// The seed's data flow, STT → RAG → LLM → TTS, behind the four client protocols: in one process they are the
/// services themselves, deployed they are HTTP clients. Every stage has a deadline and reports failures by name.
public struct VoicePipeline: Sendable {
    public enum Stage: String, Sendable, CaseIterable {
        case stt, rag, llm, tts
    }

    public var speechToText: any SpeechToTextClient
    public var retrieval: any RetrievalClient
    public var generation: any GenerationClient
    public var synthesis: any SpeechSynthesisClient
    public var timeouts: [Stage: Duration]
    /// Chunks handed to the model.
    public var topK = 3

    public init(speechToText: any SpeechToTextClient, retrieval: any RetrievalClient, generation: any GenerationClient,
                synthesis: any SpeechSynthesisClient, timeouts: [Stage: Duration] = [:]) {
        self.speechToText = speechToText
        self.retrieval = retrieval
        self.generation = generation
        self.synthesis = synthesis
        self.timeouts = timeouts
    }

    /// What an empty recording gets: a spoken prompt to try again, not an error the user cannot act on.
    static let nothingHeard = "Sorry, I didn't catch a question. Please try again."

    public func answer(audio: Data, contentType: String?, language: String?) async throws -> VoiceAnswer {
        let clock = ContinuousClock()
        let start = clock.now
        let transcript = try await run(.stt) {
            try await speechToText.transcribe(audio: audio, contentType: contentType,
                                              options: TranscribeOptions(language: language))
        }
        var timings = StageTimings()
        timings.stt_ms = (clock.now - start).fractionalMilliseconds
        var answer = try await answer(question: transcript.text, timings: timings)
        answer.timings.total_ms = (clock.now - start).fractionalMilliseconds
        return answer
    }

    public func answer(text: String) async throws -> VoiceAnswer {
        let clock = ContinuousClock()
        let start = clock.now
        var answer = try await answer(question: text, timings: StageTimings())
        answer.timings.total_ms = (clock.now - start).fractionalMilliseconds
        return answer
    }

    private func answer(question: String, timings: StageTimings) async throws -> VoiceAnswer {
        let clock = ContinuousClock()
        var timings = timings
        let question = question.trimmingCharacters(in: .whitespacesAndNewlines)
        var sources: [RetrievedDocument] = []
        let responseText: String
        if question.isEmpty {
            responseText = Self.nothingHeard
        } else {
            var mark = clock.now
            let retrieved = try await run(.rag) { try await retrieval.retrieve(RetrieveRequest(query: question, top_k: topK)) }
            sources = retrieved.documents
            timings.retrieve_ms = (clock.now - mark).fractionalMilliseconds
            mark = clock.now
            let context = retrieved.documents.map { ContextItem(text: $0.text, source: $0.source) }
            let response = try await run(.llm) { try await generation.respond(RespondRequest(query: question, context: context)) }
            responseText = response.response
            timings.llm_ms = (clock.now - mark).fractionalMilliseconds
        }
        let mark = clock.now
        let speech = try await run(.tts) { try await synthesis.speak(text: responseText, voice: nil) }
        timings.tts_ms = (clock.now - mark).fractionalMilliseconds
        return VoiceAnswer(transcript: question, response_text: responseText, audio_url: speech.audio_url,
                           sources: sources.map { AnswerSource(source: $0.source, heading: $0.heading, text: $0.text, score: $0.score) },
                           timings: timings)
    }

    /// Runs one stage under its deadline, records its latency, and names it in any failure.
    func run<R: Sendable>(_ stage: Stage, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        let timeout = timeouts[stage] ?? .seconds(30)
        let clock = ContinuousClock()
        let start = clock.now
        let dimensions = [("stage", stage.rawValue)]
        do {
            let result = try await withDeadline(timeout, body)
            Timer(label: "voice_stage_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
                .recordMilliseconds((clock.now - start).fractionalMilliseconds)
            return result
        } catch {
            Counter(label: "voice_stage_errors_total", dimensions: dimensions).increment()
            throw Self.stageError(error, stage: stage, timeout: timeout)
        }
    }

    /// Client errors keep their status (the user sent something wrong); everything else is the stage's fault.
    static func stageError(_ error: any Error, stage: Stage, timeout: Duration) -> APIError {
        let name = stage.rawValue
        switch error {
        case is DeadlineExceeded:
            return .timeout(stage: name, "the \(name) stage did not answer within \(timeout)")
        case let error as APIError where error.stage != nil:
            return error
        case let error as any APIErrorConvertible:
            return stageError(error.apiError, stage: stage, timeout: timeout)
        case let error as APIError where error.status.code < 500:
            return APIError(error.status, code: error.code, message: error.message, stage: name, retryAfter: error.retryAfter)
        case let error as APIError where error.status == .gatewayTimeout:
            return .timeout(stage: name, "the \(name) stage timed out: \(error.message)")
        case let error as APIError:
            return APIError(.serviceUnavailable, code: error.code == "busy" ? "busy" : "service_unavailable",
                            message: "the \(name) stage failed: \(error.message)", stage: name, retryAfter: error.retryAfter)
        default:
            return .unavailable(stage: name, "the \(name) stage failed: \(error)")
        }
    }
}

struct DeadlineExceeded: Error {}

/// Runs `body`, cancelling it and throwing ``DeadlineExceeded`` when `timeout` passes first.
func withDeadline<R: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: R.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        // The first child to finish decides: a result, the body's error, or the deadline.
        return try await group.next()!
    }
}
