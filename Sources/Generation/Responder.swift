import Foundation
public import LlamaEngine
public import VoiceCore

/// The LLM box: validates a request, lays out the grounded prompt within the backend's window, generates, and
/// shapes the answer for speech. In one process, the gateway calls it directly.
public struct Responder: GenerationClient {
    public static let defaultMaxTokens = 96
    public let backend: any ChatBackend
    public let prompt: GroundedPrompt
    /// Spoken answers stop after this many sentences.
    public let maxSentences: Int

    public init(backend: any ChatBackend, prompt: GroundedPrompt = GroundedPrompt(), maxSentences: Int = 3) {
        self.backend = backend
        self.prompt = prompt
        self.maxSentences = maxSentences
    }

    /// Validated sampling parameters (400 on values out of range).
    public static func parameters(maxTokens: Int?, temperature: Double?, seed: Int? = nil) throws(APIError) -> GenerationParameters {
        let maxTokens = maxTokens ?? defaultMaxTokens
        guard (1...1024).contains(maxTokens) else {
            throw .badRequest("invalid_max_tokens", "max_tokens must be between 1 and 1024")
        }
        let temperature = temperature ?? 0
        guard temperature.isFinite, (0...2).contains(temperature) else {
            throw .badRequest("invalid_temperature", "temperature must be between 0 and 2")
        }
        return GenerationParameters(maxTokens: maxTokens, temperature: Float(temperature),
                                    seed: seed.map { UInt32(truncatingIfNeeded: $0) } ?? 42)
    }

    /// The grounded chat for `request` that fits the window with room for the answer; 413 when the question
    /// alone does not. `maxTokens` shrinks to the room left when the answer would not fit otherwise.
    public func plan(_ request: RespondRequest) throws -> (messages: [ChatMessage], parameters: GenerationParameters) {
        let query = request.query.trimmingWhitespace()
        guard !query.isEmpty else { throw APIError.badRequest("empty_query", "query must not be empty") }
        var parameters = try Self.parameters(maxTokens: request.max_tokens, temperature: request.temperature)
        for turn in request.history ?? [] where !["user", "assistant"].contains(turn.role) {
            throw APIError.badRequest("invalid_history", "history roles must be user or assistant, not '\(turn.role)'")
        }
        let window = backend.contextWindow
        let fitted = try prompt.fitted(query: query, context: request.context, history: request.history ?? []) {
            try backend.promptTokenCount($0) + parameters.maxTokens <= window
        }
        if let fitted { return (fitted, parameters) }
        // Even the bare question leaves no room for a full answer: answer shorter, or refuse a huge question.
        let bare = prompt.messages(query: query, context: [], history: [])
        let room = window - (try backend.promptTokenCount(bare))
        guard room >= 16 else {
            throw APIError.payloadTooLarge("the query is too long for the model's context of \(window) tokens")
        }
        parameters.maxTokens = room
        return (bare, parameters)
    }

    /// The answer as it is generated: spoken-style text pieces, then the totals. 503 (busy) and 413/400 are
    /// thrown before anything streams.
    public func stream(_ request: RespondRequest) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (messages, parameters) = try plan(request)
        let maxSentences = maxSentences
        let source = try await backend.generate(messages, parameters: parameters) { text in
            var filter = SpokenAnswerFilter(maxSentences: maxSentences)
            _ = filter.feed(text)
            return filter.isComplete
        }
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let pump = Task {
            var filter = SpokenAnswerFilter(maxSentences: maxSentences)
            do {
                for try await event in source {
                    switch event {
                    case .text(let piece):
                        let spoken = filter.feed(piece)
                        if !spoken.isEmpty { continuation.yield(.text(spoken)) }
                    case .finished(let stats):
                        let rest = filter.finish()
                        if !rest.isEmpty { continuation.yield(.text(rest)) }
                        continuation.yield(.finished(stats))
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in pump.cancel() }
        return stream
    }

    public func respond(_ request: RespondRequest) async throws -> RespondResponse {
        var text = ""
        var stats: GenerationStats?
        for try await event in try await stream(request) {
            switch event {
            case .text(let piece): text += piece
            case .finished(let totals): stats = totals
            }
        }
        guard let stats else { throw CancellationError() }
        return RespondResponse(response: text, model: backend.modelName, prompt_tokens: stats.promptTokens,
                               completion_tokens: stats.completionTokens, timings: GenerationTimings(stats))
    }
}

extension GenerationTimings {
    public init(_ stats: GenerationStats) {
        let generate = stats.generateDuration.fractionalMilliseconds
        // The first token is sampled at the end of the prompt step, so generation produced the others.
        let rate = generate > 0 ? Double(max(stats.completionTokens - 1, 0)) / (generate / 1000) : 0
        self.init(prompt_ms: (stats.promptDuration.fractionalMilliseconds * 10).rounded() / 10,
                  generate_ms: (generate * 10).rounded() / 10, tokens_per_s: (rate * 10).rounded() / 10)
    }
}
