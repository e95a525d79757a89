public import Foundation
public import LlamaEngine

/// all-MiniLM-L6-v2 through llama.cpp: text in, unit-length 384-dimensional vectors out.
/// One context serves one caller at a time; batches embed many texts in one forward pass.
public final class Embedder: @unchecked Sendable {
    public let model: LlamaModel
    private let context: LlamaContext
    /// Tokens per text: MiniLM was trained on 256-token windows; longer texts are cut there.
    public let maxTokens = 256
    public let batchTexts: Int

    public init(modelPath: URL, threads: Int, batchTexts: Int = 16) throws(LlamaError) {
        model = try LlamaModel(path: modelPath.path)
        self.batchTexts = batchTexts
        context = try LlamaContext(model: model, options: .init(
            contextLength: maxTokens * batchTexts, batchSize: maxTokens * batchTexts, sequences: batchTexts,
            threads: threads, embeddings: true))
    }

    public var dimensions: Int { model.embeddingLength }

    public func embed(_ texts: [String]) throws(LlamaError) -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let group = texts[start..<min(start + batchTexts, texts.count)]
            var tokenLists: [[LlamaToken]] = []
            for text in group {
                var tokens = try model.tokenize(text, addSpecial: true, parseSpecial: false)
                if tokens.count > maxTokens {
                    // Keep the closing [SEP]: BERT pools over a well-formed sequence.
                    tokens = Array(tokens.prefix(maxTokens - 1)) + [tokens[tokens.count - 1]]
                }
                tokenLists.append(tokens)
            }
            vectors += try context.embed(tokenLists)
            start += group.count
        }
        return vectors
    }

    public func embed(_ text: String) throws(LlamaError) -> [Float] {
        try embed([text])[0]
    }
}
