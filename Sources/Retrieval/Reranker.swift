public import Foundation
public import LlamaEngine
public import OnnxEngine

/// A cross-encoder (ms-marco-MiniLM-L-12-v2) that reads the question and a sentence together and scores how well
/// the sentence answers it: unlike MiniLM's vectors, compared apart, it sees which words of the one answer which
/// of the other (decision 54). Its logits are unbounded: above 0 the sentence answers, far below it does not.
public final class Reranker: Sendable {
    private let session: OnnxSession
    /// Tokens per question–sentence pair; evidence sentences are short, and a longer pair is cut from its end.
    public let maxTokens = 256
    /// BERT's separator token, which closes each of the two segments.
    static let separator: LlamaToken = 102

    public init(model: URL, runtime: OnnxRuntime, threads: Int) throws(OnnxError) {
        session = try runtime.session(model: model, threads: threads)
    }

    /// One logit per passage, for `query`. `tokenizer` is MiniLM's: the reranker shares its vocabulary.
    /// Each pair is run alone: the int8 model quantizes its activations over the whole batch, so in a batch a
    /// sentence's score would move (by up to 1.1) with the sentences beside it; alone it costs no more.
    public func scores(query: String, passages: [String], tokenizer: LlamaModel) throws -> [Double] {
        // [CLS] question [SEP] passage [SEP], with segment ids 0 then 1.
        let question = Array(try tokenizer.tokenize(query, addSpecial: true, parseSpecial: false).prefix(maxTokens / 2))
        return try passages.map { passage in
            let room = maxTokens - question.count - 1
            let tokens = Array(try tokenizer.tokenize(passage, addSpecial: false, parseSpecial: false).prefix(room))
            let ids = (question + tokens + [Self.separator]).map(Int64.init)
            let shape: [Int64] = [1, Int64(ids.count)]
            let logits = try session.run(inputs: [
                .init(name: "input_ids", int64: ids, shape: shape),
                .init(name: "attention_mask", int64: Array(repeating: 1, count: ids.count), shape: shape),
                .init(name: "token_type_ids", int64: Array(repeating: 0, count: question.count)
                    + Array(repeating: 1, count: ids.count - question.count), shape: shape),
            ], output: "logits")
            return Double(logits[0])
        }
    }
}
