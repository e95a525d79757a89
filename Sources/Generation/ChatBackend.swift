import Foundation
public import LlamaEngine
public import VoiceCore

/// Where answers are generated: llama.cpp in this process, or an external OpenAI-compatible server.
public protocol ChatBackend: Sendable {
    /// The model name reported in responses.
    var modelName: String { get }
    /// Tokens one request may hold, prompt and answer together.
    var contextWindow: Int { get }
    /// The prompt's length in the backend's tokens (an estimate where the tokenizer is remote).
    func promptTokenCount(_ messages: [ChatMessage]) throws -> Int
    /// Starts a generation. Throws before starting when the backend is busy (503); the stream yields text and
    /// ends with `.finished`. Dropping the stream stops the generation. `stop` is checked against the text so
    /// far; true ends the generation as finished.
    func generate(_ messages: [ChatMessage], parameters: GenerationParameters,
                  stop: (@Sendable (String) -> Bool)?) async throws -> AsyncThrowingStream<GenerationEvent, any Error>
    /// What `/health` shows.
    func health() async -> HealthReport
}

/// llama.cpp in this process: the model's own chat template, one batched context, the system prompt cached.
public final class LlamaChatBackend: ChatBackend {
    public let model: LlamaModel
    public let scheduler: BatchScheduler
    public let modelName: String

    public init(model: LlamaModel, options: BatchScheduler.Options) throws(LlamaError) {
        guard model.chatTemplate != nil else { throw .noChatTemplate }
        self.model = model
        scheduler = try BatchScheduler(model: model, options: options)
        modelName = URL(fileURLWithPath: model.path).deletingPathExtension().lastPathComponent
    }

    public var contextWindow: Int { scheduler.options.contextPerSequence }

    /// Caches the KV entries of the system prompt that every grounded prompt starts with.
    public func cachePrefix(_ messages: [ChatMessage]) async throws {
        // Rendered without the assistant header: the prefix ends where the next turn begins.
        let text = try model.applyChatTemplate(messages, addAssistantPrefix: false)
        try await scheduler.cachePrefix(try model.tokenize(text, addSpecial: true, parseSpecial: true))
    }

    func tokens(_ messages: [ChatMessage]) throws -> [LlamaToken] {
        let text = try model.applyChatTemplate(messages, addAssistantPrefix: true)
        return try model.tokenize(text, addSpecial: true, parseSpecial: true)
    }

    public func promptTokenCount(_ messages: [ChatMessage]) throws -> Int { try tokens(messages).count }

    public func generate(_ messages: [ChatMessage], parameters: GenerationParameters,
                         stop: (@Sendable (String) -> Bool)?) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        var parameters = parameters
        parameters.stop = stop
        return try scheduler.generate(prompt: try tokens(messages), parameters: parameters)
    }

    public func health() async -> HealthReport {
        HealthReport(service: "llm", details: [
            "backend": "llama.cpp", "model": modelName, "model_loaded": "true",
            "model_description": model.summary,
            "contexts": "1", "sequences": "\(scheduler.options.sequences)",
            "active_sequences": "\(scheduler.activeSequences)", "queue_depth": "\(scheduler.queueDepth)",
            "max_queue": "\(scheduler.options.maxQueue)", "context_per_sequence": "\(contextWindow)",
            "cached_prefix_tokens": "\(scheduler.cachedPrefixTokens)",
        ])
    }
}

extension LlamaError: APIErrorConvertible {
    public var apiError: APIError {
        self == .aborted ? .timeout(stage: "llm", description) : .unavailable(stage: "llm", description)
    }
}
