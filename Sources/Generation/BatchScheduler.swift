import Dispatch
import Foundation
public import LlamaEngine
import Synchronization
public import VoiceCore

/// How one generation samples and when it stops.
public struct GenerationParameters: Sendable {
    public var maxTokens: Int
    public var temperature: Float
    public var seed: UInt32
    /// Checked against the text so far after each token; true ends the generation as finished.
    public var stop: (@Sendable (String) -> Bool)?

    public init(maxTokens: Int, temperature: Float, seed: UInt32 = 42, stop: (@Sendable (String) -> Bool)? = nil) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.seed = seed
        self.stop = stop
    }
}

/// Why a generation ended, in OpenAI's words.
public enum FinishReason: String, Sendable, Codable {
    /// The model ended its turn (or the answer was complete).
    case stop
    /// `max_tokens` was reached.
    case length
}

/// Token counts and durations of one finished generation.
public struct GenerationStats: Sendable, Equatable {
    public var promptTokens: Int
    /// Prompt tokens whose KV entries were reused from the cached system-prompt prefix, not computed.
    public var cachedPromptTokens: Int
    public var completionTokens: Int
    /// From submission to the first sampled token (queueing included): the time to first token.
    public var promptDuration: Duration
    public var generateDuration: Duration
    public var finishReason: FinishReason
    /// Set by the responder's groundedness guard; nil straight from a backend.
    public var grounding: Grounding?

    public init(promptTokens: Int, cachedPromptTokens: Int, completionTokens: Int, promptDuration: Duration,
                generateDuration: Duration, finishReason: FinishReason, grounding: Grounding? = nil) {
        self.grounding = grounding
        self.promptTokens = promptTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.completionTokens = completionTokens
        self.promptDuration = promptDuration
        self.generateDuration = generateDuration
        self.finishReason = finishReason
    }
}

/// What a generation stream yields: text as it is produced, then the totals once.
public enum GenerationEvent: Sendable, Equatable {
    case text(String)
    case finished(GenerationStats)
}

/// Continuous batching on one llama.cpp context: every running request is one sequence, and each step decodes
/// one token of every generating sequence together with a chunk of any new prompt in a single `llama_decode`.
/// On a small CPU the step costs little more than a single sequence's, so concurrent requests share the
/// cores instead of queueing behind each other or fighting over them from separate contexts.
///
/// Sequence 0 holds the fixed system-prompt prefix, computed once; a new request whose prompt starts with it
/// tags those KV cells as its own (unified KV memory) and computes only the rest.
///
/// All llama.cpp calls happen on one serial queue, outside Swift's cooperative pool.
public final class BatchScheduler: @unchecked Sendable {
    public struct Options: Sendable {
        /// Requests decoded together.
        public var sequences: Int
        /// Tokens one request may hold: prompt plus answer.
        public var contextPerSequence: Int
        public var batchSize: Int
        public var threads: Int
        /// Requests waiting for a free sequence before new ones get 503.
        public var maxQueue: Int
        /// From submission to the end of generation; past it the request ends with 504.
        public var timeout: Duration
        /// Reuse the KV cache of the cached prefix (off only to measure what it saves).
        public var prefixCache: Bool

        public init(sequences: Int = 4, contextPerSequence: Int = 2048, batchSize: Int = 512, threads: Int = 2,
                    maxQueue: Int = 16, timeout: Duration = .seconds(60), prefixCache: Bool = true) {
            self.sequences = sequences
            self.contextPerSequence = contextPerSequence
            self.batchSize = batchSize
            self.threads = threads
            self.maxQueue = maxQueue
            self.timeout = timeout
            self.prefixCache = prefixCache
        }
    }

    public let model: LlamaModel
    public let options: Options
    private let context: LlamaContext
    private let queue = DispatchQueue(label: "llm-batch")
    private let state = Mutex(State())
    private let prefixLength = Atomic<Int>(0)
    // Only touched on `queue` (hence @unchecked Sendable): the running jobs by sequence, and the cached prefix.
    private var slots: [Job?]
    private var prefix: [LlamaToken] = []

    private struct State {
        var waiting: [Job] = []
        var running = false
        var activeCount = 0
    }

    public init(model: LlamaModel, options: Options) throws(LlamaError) {
        self.model = model
        self.options = options
        // Sequence 0 is the prefix; 1...n are requests. The prefix cells are shared, so a window per
        // request plus one for the prefix always fits.
        context = try LlamaContext(model: model, options: .init(
            contextLength: options.contextPerSequence * (options.sequences + 1), batchSize: options.batchSize,
            sequences: options.sequences + 1, threads: options.threads, unifiedMemory: true))
        slots = Array(repeating: nil, count: options.sequences + 1)
    }

    /// Computes the KV entries of `tokens` once into sequence 0, for every later prompt that starts with them.
    public func cachePrefix(_ tokens: [LlamaToken]) async throws {
        guard options.prefixCache, !tokens.isEmpty, tokens.count < options.contextPerSequence else { return }
        let result: Result<Void, LlamaError> = await withCheckedContinuation { continuation in
            queue.async { [self] in
                continuation.resume(returning: Result { () throws(LlamaError) in
                    context.truncate(sequence: 0, from: 0)
                    prefix = []
                    try decodePrompt(tokens, sequence: 0)
                    prefix = tokens
                    prefixLength.store(tokens.count, ordering: .relaxed)
                })
            }
        }
        try result.get()
    }

    public var queueDepth: Int { state.withLock { $0.waiting.count } }
    public var activeSequences: Int { state.withLock { $0.activeCount } }
    public var cachedPrefixTokens: Int { prefixLength.load(ordering: .relaxed) }

    /// Starts generating after `prompt`. The stream ends after `.finished`, or throws: 503 when the queue is
    /// full (thrown here, before anything starts), 504 past the deadline. Cancelling the consuming task, or
    /// dropping the stream, stops the generation at the next step.
    public func generate(prompt: [LlamaToken],
                         parameters: GenerationParameters) throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        precondition(!prompt.isEmpty, "a prompt has at least one token")
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let job = Job(prompt: prompt, parameters: parameters, continuation: continuation,
                      deadline: ContinuousClock.now + options.timeout)
        continuation.onTermination = { termination in
            if case .cancelled = termination { job.abort.set() }
        }
        let start = try state.withLock { state throws -> Bool in
            // Jobs that a free sequence will take at the next step do not count as queued.
            let free = options.sequences - state.activeCount
            guard state.waiting.count - max(free, 0) < options.maxQueue else {
                throw APIError.busy("the LLM queue is full (\(options.maxQueue) waiting); retry shortly")
            }
            state.waiting.append(job)
            defer { state.running = true }
            return !state.running
        }
        if start { queue.async { [self] in run() } }
        return stream
    }

    // MARK: The decode loop (on `queue`)

    private final class Job: @unchecked Sendable {
        let prompt: [LlamaToken]
        let parameters: GenerationParameters
        let continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
        let deadline: ContinuousClock.Instant
        let abort = AbortFlag()
        let submitted = ContinuousClock.now
        // The rest is only touched on the scheduler's queue.
        var sampler: LlamaSampler?
        var cached = 0
        /// Prompt tokens already in the KV cache (cached or decoded).
        var prefilled = 0
        var position = 0
        var lastToken: LlamaToken = 0
        var generated = 0
        var firstToken: ContinuousClock.Instant?
        var pendingBytes: [UInt8] = []
        var text = ""

        init(prompt: [LlamaToken], parameters: GenerationParameters,
             continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation, deadline: ContinuousClock.Instant) {
            self.prompt = prompt
            self.parameters = parameters
            self.continuation = continuation
            self.deadline = deadline
        }
    }

    private func run() {
        while step() {}
    }

    /// One batch: admit waiting jobs, drop abandoned ones, decode, sample. False once nothing is left to do.
    private func step() -> Bool {
        admit()
        retireAbandoned()
        let jobs = slots.indices.compactMap { index in slots[index].map { (index, $0) } }
        guard !jobs.isEmpty else {
            // Checked and cleared under one lock, so a job submitted meanwhile either is seen or restarts the loop.
            return !state.withLock { state in
                if state.waiting.isEmpty { state.running = false }
                return !state.running
            }
        }

        var batch: [BatchToken] = []
        var owners: [(slot: Int, job: Job)] = []
        for (slot, job) in jobs where job.prefilled == job.prompt.count {
            batch.append(BatchToken(token: job.lastToken, position: job.position, sequence: slot, wantsLogits: true))
            owners.append((slot, job))
        }
        for (slot, job) in jobs where job.prefilled < job.prompt.count && batch.count < options.batchSize {
            let end = min(job.prompt.count, job.prefilled + options.batchSize - batch.count)
            for index in job.prefilled..<end {
                batch.append(BatchToken(token: job.prompt[index], position: index, sequence: slot,
                                        wantsLogits: index == job.prompt.count - 1))
            }
            job.prefilled = end
            job.position = end
            if end == job.prompt.count { owners.append((slot, job)) }
        }

        // A long prompt chunk stops early once nobody wants its result any more.
        let watched = jobs.map(\.1)
        context.setAbortCheck { watched.allSatisfy { $0.abort.isSet || ContinuousClock.now > $0.deadline } }
        let indices: [Int32]
        do {
            indices = try context.decode(batch)
        } catch {
            for (slot, job) in jobs { finish(job, slot: slot, error: error == .aborted ? abandonment(of: job) : error as any Error) }
            return true
        }
        for ((slot, job), index) in zip(owners, indices) {
            sampleNext(job, slot: slot, logitIndex: index)
        }
        return true
    }

    private func abandonment(of job: Job) -> any Error {
        job.abort.isSet ? CancellationError()
            : APIError.timeout(stage: "llm", "the answer was not finished within \(options.timeout)")
    }

    /// Moves waiting jobs into free sequences, starting each from the cached prefix where it matches.
    private func admit() {
        for slot in 1..<slots.count where slots[slot] == nil {
            guard let job = state.withLock({ state -> Job? in
                guard !state.waiting.isEmpty else { return nil }
                state.activeCount += 1
                return state.waiting.removeFirst()
            }) else { return }
            context.truncate(sequence: slot, from: 0)
            // At least the last prompt token is decoded, since its logits pick the first answer token.
            let shared = zip(job.prompt, prefix).prefix { $0 == $1 }.count
            let reuse = min(shared, job.prompt.count - 1)
            if reuse > 0 { context.copyPrefix(from: 0, to: slot, length: reuse) }
            job.cached = reuse
            job.prefilled = reuse
            job.position = reuse
            job.sampler = LlamaSampler(temperature: job.parameters.temperature, seed: job.parameters.seed)
            slots[slot] = job
        }
    }

    private func retireAbandoned() {
        let now = ContinuousClock.now
        for slot in slots.indices {
            guard let job = slots[slot], job.abort.isSet || now > job.deadline else { continue }
            finish(job, slot: slot, error: abandonment(of: job))
        }
        // Jobs still waiting can expire or be cancelled too.
        let gone = state.withLock { state -> [Job] in
            let gone = state.waiting.filter { $0.abort.isSet || now > $0.deadline }
            state.waiting.removeAll { $0.abort.isSet || now > $0.deadline }
            return gone
        }
        for job in gone {
            job.continuation.finish(throwing: job.abort.isSet ? CancellationError() : APIError.timeout(
                stage: "llm", "the LLM was busy for longer than \(options.timeout)"))
        }
    }

    private func sampleNext(_ job: Job, slot: Int, logitIndex: Int32) {
        guard let sampler = job.sampler else { return }
        let token = context.sample(sampler, at: logitIndex)
        if job.firstToken == nil { job.firstToken = .now }
        if model.isEndOfGeneration(token) {
            finish(job, slot: slot, reason: .stop)
            return
        }
        job.generated += 1
        job.pendingBytes += model.pieceBytes(token)
        let complete = UTF8Prefix.completeLength(job.pendingBytes)
        if complete > 0 {
            let piece = String(decoding: job.pendingBytes.prefix(complete), as: UTF8.self)
            job.pendingBytes.removeFirst(complete)
            job.text += piece
            job.continuation.yield(.text(piece))
            if let stop = job.parameters.stop, stop(job.text) {
                finish(job, slot: slot, reason: .stop)
                return
            }
        }
        job.lastToken = token
        job.position = job.prompt.count + job.generated - 1
        if job.generated >= job.parameters.maxTokens || job.position + 1 >= options.contextPerSequence {
            finish(job, slot: slot, reason: .length)
        }
    }

    private func finish(_ job: Job, slot: Int, reason: FinishReason = .stop, error: (any Error)? = nil) {
        slots[slot] = nil
        context.truncate(sequence: slot, from: 0)
        state.withLock { $0.activeCount -= 1 }
        if let error {
            job.continuation.finish(throwing: error)
            return
        }
        if !job.pendingBytes.isEmpty {
            job.continuation.yield(.text(String(decoding: job.pendingBytes, as: UTF8.self)))
        }
        let now = ContinuousClock.now
        let first = job.firstToken ?? now
        job.continuation.yield(.finished(GenerationStats(
            promptTokens: job.prompt.count, cachedPromptTokens: job.cached, completionTokens: job.generated,
            promptDuration: first - job.submitted, generateDuration: now - first, finishReason: reason)))
        job.continuation.finish()
    }

    /// Decodes a whole prompt into one sequence, in batch-size chunks, outside the loop (the prefix).
    private func decodePrompt(_ tokens: [LlamaToken], sequence: Int) throws(LlamaError) {
        context.setAbortCheck(nil)
        var position = 0
        while position < tokens.count {
            let end = min(position + options.batchSize, tokens.count)
            try context.decode((position..<end).map {
                BatchToken(token: tokens[$0], position: $0, sequence: sequence, wantsLogits: false)
            })
            position = end
        }
    }
}

/// Streams hand out whole characters: a token can end inside a multi-byte UTF-8 sequence.
enum UTF8Prefix {
    /// The length of the longest prefix of `bytes` that does not end inside a character.
    static func completeLength(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        // Walk back over at most three continuation bytes to the lead byte of the last character.
        var continuation = 0
        while index > 0, continuation < 4, bytes[index - 1] & 0xC0 == 0x80 {
            index -= 1
            continuation += 1
        }
        guard index > 0 else { return 0 }
        let lead = bytes[index - 1]
        let width = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        return continuation + 1 >= width ? bytes.count : index - 1
    }
}
