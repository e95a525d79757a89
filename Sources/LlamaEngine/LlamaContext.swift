internal import CLlama

/// How a context is laid out: its window, batch sizes and threads.
public struct LlamaContextOptions: Sendable {
    public var contextLength: Int
    public var batchSize: Int
    /// Independent sequences (parallel requests, or texts embedded in one batch).
    public var sequences: Int
    public var threads: Int
    /// True for an embedding model: outputs pooled vectors instead of logits.
    public var embeddings: Bool
    /// One KV buffer shared by all sequences, so a prompt prefix copied between sequences is stored once
    /// (``LlamaContext/copyPrefix(from:to:length:)`` only tags the cells).
    public var unifiedMemory: Bool

    public init(contextLength: Int = 2048, batchSize: Int = 512, sequences: Int = 1, threads: Int = 2,
                embeddings: Bool = false, unifiedMemory: Bool = false) {
        self.contextLength = contextLength
        self.batchSize = batchSize
        self.sequences = sequences
        self.threads = threads
        self.embeddings = embeddings
        self.unifiedMemory = unifiedMemory
    }
}

/// One token placed in a batch: which sequence it extends, at which position, and whether its logits are wanted.
public struct BatchToken: Sendable, Equatable {
    public var token: LlamaToken
    public var position: Int
    public var sequence: Int
    public var wantsLogits: Bool

    public init(token: LlamaToken, position: Int, sequence: Int, wantsLogits: Bool) {
        self.token = token
        self.position = position
        self.sequence = sequence
        self.wantsLogits = wantsLogits
    }
}

/// A llama.cpp context: KV cache, compute buffers and outputs. Not thread-safe: exactly one owner
/// (a serial worker) calls it at a time.
public final class LlamaContext: @unchecked Sendable {
    public let model: LlamaModel
    public let options: LlamaContextOptions
    private let context: OpaquePointer
    private var batch: llama_batch
    private var abortCheck: AbortCheck?

    public init(model: LlamaModel, options: LlamaContextOptions) throws(LlamaError) {
        var params = llama_context_default_params()
        params.n_ctx = UInt32(options.contextLength)
        params.n_batch = UInt32(options.batchSize)
        params.n_ubatch = UInt32(options.batchSize)
        params.n_seq_max = UInt32(options.sequences)
        params.n_threads = Int32(options.threads)
        params.n_threads_batch = Int32(options.threads)
        params.embeddings = options.embeddings
        params.no_perf = true
        params.kv_unified = options.unifiedMemory
        if options.embeddings {
            // Encoder models attend both ways over each whole sequence, so a batch must hold it at once.
            params.n_ubatch = params.n_batch
        }
        guard let context = llama_init_from_model(model.model, params) else { throw .contextCreationFailed }
        self.model = model
        self.options = options
        self.context = context
        self.batch = llama_batch_init(Int32(options.batchSize), 0, Int32(options.sequences))
    }

    deinit {
        llama_batch_free(batch)
        llama_free(context)
    }

    /// Called by ggml between graph nodes during ``decode(_:)``; returning true stops the decode, which then
    /// throws ``LlamaError/aborted``. `nil` removes the check.
    public func setAbortCheck(_ check: (@Sendable () -> Bool)?) {
        abortCheck = check.map(AbortCheck.init)
        guard let abortCheck else {
            llama_set_abort_callback(context, nil, nil)
            return
        }
        // The box lives as long as `abortCheck` does, which outlives every decode that can call it.
        llama_set_abort_callback(context, { data in
            guard let data else { return false }
            return Unmanaged<AbortCheck>.fromOpaque(data).takeUnretainedValue().check()
        }, Unmanaged.passUnretained(abortCheck).toOpaque())
    }

    /// The context window actually allocated.
    public var contextLength: Int { Int(llama_n_ctx(context)) }

    /// Runs the model over `tokens`, which must not exceed the batch size.
    /// Returns the batch indices whose logits were requested, in order, for ``sample(_:at:)``.
    @discardableResult
    public func decode(_ tokens: [BatchToken]) throws(LlamaError) -> [Int32] {
        precondition(tokens.count <= options.batchSize, "batch larger than the context's batch size")
        fill(tokens)
        let status = model.isEncoderOnly ? llama_encode(context, batch) : llama_decode(context, batch)
        if status == 2 { throw .aborted }
        guard status == 0 else { throw .decodeFailed(status) }
        return tokens.indices.filter { tokens[$0].wantsLogits }.map { Int32($0) }
    }

    /// Embeds each token list as its own sequence in one batch and returns the pooled vectors,
    /// L2-normalised (the model's pooling type comes from its GGUF metadata).
    public func embed(_ sequences: [[LlamaToken]]) throws(LlamaError) -> [[Float]] {
        precondition(sequences.count <= options.sequences, "more sequences than the context holds")
        var tokens: [BatchToken] = []
        for (sequence, list) in sequences.enumerated() {
            for (position, token) in list.enumerated() {
                tokens.append(BatchToken(token: token, position: position, sequence: sequence, wantsLogits: true))
            }
        }
        clearMemory()
        try decode(tokens)
        let width = model.embeddingLength
        return sequences.indices.map { sequence in
            guard let pointer = llama_get_embeddings_seq(context, Int32(sequence)) else { return [] }
            let vector = Array(UnsafeBufferPointer(start: pointer, count: width))
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? vector.map { $0 / norm } : vector
        }
    }

    /// Forgets every sequence's cached tokens.
    public func clearMemory() {
        llama_memory_clear(llama_get_memory(context), true)
    }

    /// Drops the cached tokens of `sequence` from `position` on, keeping the prefix for reuse.
    public func truncate(sequence: Int, from position: Int) {
        _ = llama_memory_seq_rm(llama_get_memory(context), Int32(sequence), Int32(position), -1)
    }

    /// Copies the cached tokens `[0, length)` of `source` into `target`: a shared prompt prefix computed once.
    public func copyPrefix(from source: Int, to target: Int, length: Int) {
        llama_memory_seq_cp(llama_get_memory(context), Int32(source), Int32(target), 0, Int32(length))
    }

    /// Picks the next token from the logits at `index` of the last batch.
    public func sample(_ sampler: LlamaSampler, at index: Int32) -> LlamaToken {
        llama_sampler_sample(sampler.chain, context, index)
    }

    private func fill(_ tokens: [BatchToken]) {
        batch.n_tokens = Int32(tokens.count)
        for (index, entry) in tokens.enumerated() {
            batch.token[index] = entry.token
            batch.pos[index] = Int32(entry.position)
            batch.n_seq_id[index] = 1
            batch.seq_id[index]![0] = Int32(entry.sequence)
            batch.logits[index] = entry.wantsLogits ? 1 : 0
        }
    }
}

/// Holds the Swift closure that llama.cpp's C abort callback reaches through its `void *` argument.
private final class AbortCheck {
    let check: @Sendable () -> Bool
    init(_ check: @escaping @Sendable () -> Bool) { self.check = check }
}

/// A sampler chain: greedy at temperature 0, otherwise temperature with a seeded distribution.
public final class LlamaSampler: @unchecked Sendable {
    let chain: UnsafeMutablePointer<llama_sampler>

    public init(temperature: Float, seed: UInt32 = 42) {
        chain = llama_sampler_chain_init(llama_sampler_chain_default_params())
        if temperature <= 0 {
            llama_sampler_chain_add(chain, llama_sampler_init_greedy())
        } else {
            llama_sampler_chain_add(chain, llama_sampler_init_top_k(40))
            llama_sampler_chain_add(chain, llama_sampler_init_min_p(0.05, 1))
            llama_sampler_chain_add(chain, llama_sampler_init_temp(temperature))
            llama_sampler_chain_add(chain, llama_sampler_init_dist(seed))
        }
    }

    deinit { llama_sampler_free(chain) }
}
