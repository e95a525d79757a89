import Foundation
public import LlamaEngine
import Metrics
public import VoiceCore

/// The LLM box: validates a request, lays out the grounded prompt within the backend's window, generates, and
/// shapes the answer for speech. In one process, the gateway calls it directly.
public struct Responder: GenerationClient {
    public static let defaultMaxTokens = 96
    public let backend: any ChatBackend
    public let prompt: GroundedPrompt
    /// Spoken answers stop after this many sentences.
    public let maxSentences: Int
    /// The second try after an answer failed the groundedness guard.
    public let strictPrompt: GroundedPrompt

    public init(backend: any ChatBackend, prompt: GroundedPrompt = GroundedPrompt(), strictPrompt: GroundedPrompt = .strict,
                maxSentences: Int = 3) {
        self.backend = backend
        self.prompt = prompt
        self.strictPrompt = strictPrompt
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
    public func plan(_ request: RespondRequest, prompt: GroundedPrompt? = nil) throws
        -> (messages: [ChatMessage], parameters: GenerationParameters) {
        let prompt = prompt ?? self.prompt
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

    /// The answer as it is generated: spoken-style text, released a sentence at a time once the groundedness
    /// guard has found every number and name of the sentence in the context (with `clauses`, the first clauses
    /// of a long sentence too, see ``release(_:check:maxSentences:clauses:_:)``), then the totals. When the first
    /// sentence fails before anything was released, the model is asked once more with the stricter prompt, and
    /// when that answer fails too, the most relevant context sentence is spoken instead. 503 (busy) and 413/400
    /// are thrown before anything streams.
    public func stream(_ request: RespondRequest, clauses: Bool = true) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (messages, parameters) = try plan(request)
        let maxSentences = maxSentences
        let source = try await backend.generate(messages, parameters: parameters) { text in
            var filter = SpokenAnswerFilter(maxSentences: maxSentences)
            _ = filter.feed(text)
            return filter.isComplete
        }
        let check = GroundednessGuard(evidence: request.context.map(\.text), question: request.query)
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let pump = Task {
            do {
                var (stats, rejected, released) = try await Self.release(source, check: check, maxSentences: maxSentences,
                                                                         clauses: clauses) {
                    continuation.yield(.text($0))
                }
                if !rejected {
                    stats.grounding = .passed
                } else if released {
                    stats.grounding = .truncated
                } else {
                    let (answer, repair) = try await repair(request, check: check)
                    continuation.yield(.text(answer))
                    stats = Self.sum(stats, repair)
                }
                Counter(label: "llm_grounding_total", dimensions: [("outcome", stats.grounding?.rawValue ?? "")]).increment()
                continuation.yield(.finished(stats))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in pump.cancel() }
        return stream
    }

    /// Runs a generation through the spoken filter and hands out each complete sentence the guard accepts; with
    /// `clauses`, also the first clauses of a long sentence as soon as the guard accepts them alone, so that a long
    /// first sentence is heard before the model has finished it. A clause the guard does not accept alone (it
    /// lacks the asked-for fact, which comes later in its sentence) is held and offered again with the rest of its
    /// sentence. A clause handed out cannot be taken back: when the rest of its sentence fails, or turns into a
    /// refusal ("…, but I don't know when."), the answer ends at that clause. After the first rejection nothing
    /// more is handed out; the rest of the generation is drained for its totals.
    static func release(_ source: AsyncThrowingStream<GenerationEvent, any Error>, check: GroundednessGuard, maxSentences: Int,
                        clauses: Bool, _ yield: (String) -> Void) async throws -> (stats: GenerationStats, rejected: Bool, released: Bool) {
        var filter = SpokenAnswerFilter(maxSentences: maxSentences)
        var pending = ""
        var held = ""
        var rejected = false
        var released = false
        // Clauses of the sentence being written have been handed out.
        var begun = false
        /// Whether `text` may follow what was handed out: a refusal may not end a sentence already begun.
        func passes(_ text: String) -> Bool {
            !(begun && TextWords.declinesToAnswer(text)) && check.accepts(text, first: !released)
        }
        func offer(_ sentence: String) {
            guard !rejected else { return }
            defer { begun = false }
            if passes(sentence) {
                yield(sentence)
                released = true
            } else {
                rejected = true
            }
        }
        for try await event in source {
            switch event {
            case .text(let piece):
                pending += filter.feed(piece)
                while let (end, isSentence) = boundary(pending, clauseWords: released ? SpeechPacing.clauseWords : SpeechPacing.firstClauseWords) {
                    let part = String(pending[..<end])
                    pending.removeSubrange(..<end)
                    if isSentence {
                        offer(held + part)
                        held = ""
                    } else if clauses, held.isEmpty, !rejected, passes(part) {
                        yield(part)
                        released = true
                        begun = true
                    } else {
                        held += part
                    }
                }
            case .finished(let stats):
                pending = held + pending + filter.finish()
                if !pending.isEmpty { offer(pending) }
                return (stats, rejected, released)
            }
        }
        throw CancellationError()
    }

    /// Where the first piece of spoken text ends, and whether it is a whole sentence: after a full stop, question
    /// or exclamation mark, or after a comma, semicolon or colon once the piece has `clauseWords` words
    /// (``SpeechPacing``: fewer for the answer's first piece), that the next words already follow (the filter holds
    /// a trailing space back until more text comes). A piece of `clauseWords` words also ends before a clause
    /// opener ("and", "which", …) once four words from it on are written, as the voice cuts
    /// (``SpeechPacing/clauseOpeners``): the model often writes a long first sentence without a comma.
    static func boundary(_ text: String, clauseWords: Int = SpeechPacing.clauseWords) -> (end: String.Index, sentence: Bool)? {
        var index = text.startIndex
        var words = 0
        var inWord = false
        var wordStart = text.startIndex
        // The space before the first clause opener after `clauseWords` words, and the words before it.
        var opener: (end: String.Index, wordsBefore: Int)?
        var openerClauseIsWritten: Bool { opener.map { words - $0.wordsBefore >= 4 } ?? false }
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace {
                if inWord {
                    if let opener, openerClauseIsWritten { return (opener.end, false) }
                    if opener == nil, words > clauseWords, SpeechPacing.clauseOpeners.contains(text[wordStart..<index].lowercased()) {
                        opener = (text.index(before: wordStart), words - 1)
                    }
                }
                inWord = false
            } else if !inWord {
                inWord = true
                words += 1
                wordStart = index
            }
            let next = text.index(after: index)
            if next < text.endIndex, text[next] == " ", text.index(after: next) < text.endIndex,
               ".!?".contains(character) || (",;:".contains(character) && words >= clauseWords) {
                if let opener, openerClauseIsWritten { return (opener.end, false) }
                return (next, ".!?".contains(character))
            }
            index = next
        }
        return nil
    }

    /// The second try with the stricter prompt, checked whole; when it fails too, the best context sentence (or
    /// "I don't know" when even that is about something else).
    func repair(_ request: RespondRequest, check: GroundednessGuard) async throws -> (String, GenerationStats) {
        let (messages, parameters) = try plan(request, prompt: strictPrompt)
        var text = ""
        var totals: GenerationStats?
        for try await event in try await backend.generate(messages, parameters: parameters, stop: nil) {
            switch event {
            case .text(let piece): text += piece
            case .finished(let stats): totals = stats
            }
        }
        guard var stats = totals else { throw CancellationError() }
        let answer = SpokenAnswerFilter.spoken(text, maxSentences: maxSentences)
        if !answer.isEmpty && check.accepts(answer, first: true) {
            stats.grounding = .retried
            return (answer, stats)
        }
        stats.grounding = .evidence
        // The best context sentence, when it is about the question at all; otherwise the honest answer.
        if let item = request.context.first, check.addressesQuestion(item.text) {
            // Without the "Source: " label a caller may have put before the sentence for the model.
            let label = item.source.map { "\($0): " } ?? ""
            let sentence = !label.isEmpty && item.text.hasPrefix(label) ? String(item.text.dropFirst(label.count)) : item.text
            let spoken = SpokenAnswerFilter.spoken(speakable(sentence), maxSentences: 1)
            if !spoken.isEmpty { return (spoken, stats) }
        }
        return (Self.declined, stats)
    }

    /// Both generations' totals: tokens and time add up, the repair's outcome and finish reason win.
    static func sum(_ first: GenerationStats, _ second: GenerationStats) -> GenerationStats {
        var total = second
        total.promptTokens += first.promptTokens
        total.cachedPromptTokens += first.cachedPromptTokens
        total.completionTokens += first.completionTokens
        total.promptDuration = first.promptDuration
        total.generateDuration += first.generateDuration + second.promptDuration
        return total
    }

    public func respond(_ request: RespondRequest) async throws -> RespondResponse {
        // Whole sentences only: nothing is heard before the answer is complete, so an early clause gains nothing.
        for try await event in try await responses(request, clauses: false) {
            if case .done(let response) = event { return response }
        }
        throw CancellationError()
    }

    public func respondStreaming(_ request: RespondRequest) async throws -> AsyncThrowingStream<RespondStreamEvent, any Error> {
        try await responses(request, clauses: true)
    }

    func responses(_ request: RespondRequest, clauses: Bool) async throws -> AsyncThrowingStream<RespondStreamEvent, any Error> {
        let events = try await stream(request, clauses: clauses)
        let model = backend.modelName
        let (output, continuation) = AsyncThrowingStream<RespondStreamEvent, any Error>.makeStream()
        let pump = Task {
            do {
                var text = ""
                for try await event in events {
                    switch event {
                    case .text(let piece):
                        text += piece
                        continuation.yield(.text(piece))
                    case .finished(let stats):
                        continuation.yield(.done(RespondResponse(
                            response: text, model: model, prompt_tokens: stats.promptTokens,
                            completion_tokens: stats.completionTokens, timings: GenerationTimings(stats),
                            grounding: stats.grounding, outcome: Self.outcome(of: text, grounding: stats.grounding))))
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in pump.cancel() }
        return output
    }

    /// What an answer is: the only place that reads an answer's words for "I don't know".
    public static func outcome(of text: String, grounding: Grounding?) -> AnswerOutcome {
        if text.isEmpty || text == Self.declined || TextWords.declinesToAnswer(text) { return .declined }
        return grounding == .evidence ? .evidence : .answered
    }

    /// What is said when neither the model nor the context can answer.
    static let declined = "I don't know."
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
