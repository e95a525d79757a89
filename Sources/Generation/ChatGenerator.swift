public import Foundation
public import LlamaEngine

/// What one generation produced and how long it took.
public struct GenerationResult: Sendable {
    public var text: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var promptDuration: Duration
    public var generateDuration: Duration
}

/// Chat completion with a GGUF model: the prompt is laid out by the model's own chat template.
/// One context, used by one caller at a time.
public final class ChatGenerator: @unchecked Sendable {
    public let model: LlamaModel
    private let context: LlamaContext

    public init(modelPath: URL, threads: Int, contextLength: Int = 2048) throws(LlamaError) {
        model = try LlamaModel(path: modelPath.path)
        context = try LlamaContext(model: model, options: .init(contextLength: contextLength, batchSize: 512,
                                                                 threads: threads))
    }

    public func generate(_ messages: [ChatMessage], maxTokens: Int, temperature: Float = 0) throws(LlamaError) -> GenerationResult {
        let prompt = try model.applyChatTemplate(messages, addAssistantPrefix: true)
        let tokens = try model.tokenize(prompt, addSpecial: false, parseSpecial: true)
        guard tokens.count + maxTokens <= context.contextLength else {
            throw .contextFull(needed: tokens.count + maxTokens, available: context.contextLength)
        }
        let clock = ContinuousClock()
        let promptStart = clock.now
        context.clearMemory()
        var logitIndex: Int32 = 0
        var position = 0
        while position < tokens.count {
            let end = min(position + context.options.batchSize, tokens.count)
            let chunk = (position..<end).map {
                BatchToken(token: tokens[$0], position: $0, sequence: 0, wantsLogits: $0 == tokens.count - 1)
            }
            logitIndex = try context.decode(chunk).last ?? logitIndex
            position = end
        }
        let promptDuration = clock.now - promptStart

        let sampler = LlamaSampler(temperature: temperature)
        let generateStart = clock.now
        var bytes: [UInt8] = []
        var generated = 0
        while generated < maxTokens {
            let token = context.sample(sampler, at: logitIndex)
            if model.isEndOfGeneration(token) { break }
            bytes += model.pieceBytes(token)
            generated += 1
            logitIndex = try context.decode([BatchToken(token: token, position: position, sequence: 0, wantsLogits: true)])[0]
            position += 1
        }
        return GenerationResult(text: String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                                promptTokens: tokens.count, completionTokens: generated,
                                promptDuration: promptDuration, generateDuration: clock.now - generateStart)
    }
}
