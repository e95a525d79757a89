public import Foundation
import HTTPTypes
public import TextToSpeech
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
    /// A stored Q&A pair at least this similar to the question is answered directly: no LLM call, and its audio
    /// is reused from ``spokenAnswers``.
    public var faqMinScore = 0.92
    /// When to answer from evidence and when to say the knowledge base does not cover the question.
    public var policy = AnswerPolicy()
    let spokenAnswers: SpokenAnswerCache
    let speechPrompt: SpeechPrompt
    /// The shared audio folder, where a streamed answer's sentence files are joined into one.
    public var audioStore: AudioStore?
    /// Off only in benchmarks that time synthesis itself.
    public var reusesSpokenAnswers = true
    /// Refuses at once a question that could not be answered in time (``Admission``).
    public var admission = Admission(maxWait: .seconds(5))

    public init(speechToText: any SpeechToTextClient, retrieval: any RetrievalClient, generation: any GenerationClient,
                synthesis: any SpeechSynthesisClient, timeouts: [Stage: Duration] = [:],
                audioRetention: Duration = .seconds(3600), sttPrompt: SpeechPromptSource = .knowledgeVocabulary,
                answerMode: AnswerMode = .auto) {
        // Half the retention window: a cached URL must still resolve when the client fetches it.
        spokenAnswers = SpokenAnswerCache(lifetime: min(.seconds(600), audioRetention / 2))
        speechPrompt = SpeechPrompt(source: sttPrompt, retrieval: retrieval)
        self.speechToText = speechToText
        self.retrieval = retrieval
        self.generation = generation
        self.synthesis = synthesis
        self.timeouts = timeouts
        policy.mode = answerMode
    }

    /// What retrieval finds for the question as read (`asked` is the question as said): a follow-up asked with the
    /// question before it is judged by its own words (``FollowUp/relaxed(_:asked:question:)``).
    public func evidence(for reading: FollowUp.Reading, asked: String) async throws -> RetrieveResponse {
        var retrieved = try await retrieval.retrieve(RetrieveRequest(query: reading.text, top_k: topK,
                                                                     evidence: policy.evidenceSentences,
                                                                     follow_up: reading.joined ? asked : nil))
        if reading.joined { retrieved.evidence = FollowUp.relaxed(retrieved.evidence, asked: asked, question: reading.text) }
        return retrieved
    }

    /// An evidence sentence as the answer: spoken as written, cited as itself.
    static func spoken(_ sentences: [EvidenceSentence]) -> (String, AnswerKind, [Citation]) {
        (sentences.map { speakable($0.text) }.joined(separator: " "), .evidence, sentences.map(Citation.init))
    }

    /// What an empty recording gets: a spoken prompt to try again, not an error the user cannot act on.
    static let nothingHeard = "Sorry, I didn't catch a question. Please try again."

    /// What a streamed answer sends before its final JSON (docs/api.md).
    public enum Event: Sendable {
        case transcript(String)
        /// Samples of sentence `index` as they are made, when the listener plays them itself (``EventSink/audio``).
        case audio(index: Int, pcm: Data, sampleRate: Int)
        /// One sentence of the answer, as soon as its audio exists.
        case sentence(index: Int, text: String, audioURL: String)
    }

    /// Where a streamed answer's events go. With `audio`, each sentence's samples are sent as they are made, and the
    /// answer's first audio is its first samples; without, it is the first sentence's file.
    public struct EventSink: Sendable {
        public var audio: Bool
        let send: @Sendable (Event) async throws -> Void

        public init(audio: Bool = false, _ send: @escaping @Sendable (Event) async throws -> Void) {
            self.audio = audio
            self.send = send
        }

        func callAsFunction(_ event: Event) async throws { try await send(event) }
    }

    /// Answers a recording. With `events`, the transcript and each spoken sentence are sent as they are ready.
    public func answer(audio: Data, contentType: String?, language: String?, history: [ChatTurn] = [],
                       events: EventSink? = nil) async throws -> VoiceAnswer {
        let clock = ContinuousClock()
        let start = clock.now
        let prompt = await speechPrompt.current()
        let transcript = try await run(.stt) {
            try await speechToText.transcribe(audio: audio, contentType: contentType,
                                              options: TranscribeOptions(language: language, prompt: prompt))
        }
        var timings = StageTimings()
        timings.stt_ms = (clock.now - start).fractionalMilliseconds
        try await events?(.transcript(transcript.text))
        var answer = try await answer(question: transcript.text, history: history, timings: timings, start: start, events: events)
        answer.timings.total_ms = (clock.now - start).fractionalMilliseconds
        answer.timings.first_audio_ms = answer.timings.first_audio_ms ?? answer.timings.total_ms
        return answer
    }

    /// Answers a typed question. `history` is the conversation so far (user and assistant turns, oldest first):
    /// a follow-up that leans on it ("And for children?") is answered about what the conversation is about.
    public func answer(text: String, history: [ChatTurn] = [], events: EventSink? = nil) async throws -> VoiceAnswer {
        let clock = ContinuousClock()
        let start = clock.now
        var answer = try await answer(question: text, history: history, timings: StageTimings(), start: start, events: events)
        answer.timings.total_ms = (clock.now - start).fractionalMilliseconds
        answer.timings.first_audio_ms = answer.timings.first_audio_ms ?? answer.timings.total_ms
        return answer
    }

    private func answer(question: String, history: [ChatTurn], timings: StageTimings, start: ContinuousClock.Instant,
                        events: EventSink?) async throws -> VoiceAnswer {
        let clock = ContinuousClock()
        var timings = timings
        let asked = question.trimmingCharacters(in: .whitespacesAndNewlines)
        let reading = FollowUp.standalone(asked, history: history)
        let question = reading.text
        var sources: [RetrievedDocument] = []
        var citations: [Citation] = []
        var grounding: Grounding?
        var declineReason: DeclineReason?
        /// A streamed model answer was spoken sentence by sentence while it was written.
        var spokenWhileWritten: StreamedAnswer?
        let responseText: String
        let kind: AnswerKind
        if question.isEmpty {
            responseText = Self.nothingHeard
            kind = .nothing_heard
        } else {
            var mark = clock.now
            let retrieved = try await run(.rag) { try await evidence(for: reading, asked: asked) }
            sources = retrieved.documents
            timings.retrieve_ms = (clock.now - mark).fractionalMilliseconds
            if let faq = retrieved.qa.first, faq.score >= faqMinScore, AnswerPolicy.asksTheSameSpecifics(question, faq.question),
               question == asked || FollowUp.stored(faq.question, answers: asked) {
                responseText = faq.answer
                kind = .faq
                sources = [RetrievedDocument(id: "qa", source: "Q&A: \(faq.question)", text: faq.answer, score: faq.score)]
                citations = [Citation(text: faq.answer, source: "Q&A", title: nil, heading: faq.question)]
            } else {
                switch policy.decide(retrieved.evidence, asksYesOrNo: AnswerType.asksYesOrNo(asked)) {
                case .speak(let sentences):
                    (responseText, kind, citations) = Self.spoken(sentences)
                case .generate(let evidence) where policy.mode == .auto && admission.isBusy(.llm, beyond: admission.maxWait - (clock.now - start)):
                    // The model is too busy to shorten the evidence in time: the sentence as written is the answer,
                    // grounded and only longer.
                    Counter(label: "voice_model_skipped_busy_total").increment()
                    (responseText, kind, citations) = Self.spoken([evidence[0]])
                case .generate(let evidence):
                    mark = clock.now
                    let context = evidence.map { ContextItem(text: EvidenceSentence.naming($0.text, title: $0.title), source: $0.title ?? $0.source) }
                    let request = RespondRequest(query: question, context: context,
                                                 history: history.isEmpty ? nil : Array(history.suffix(4)),
                                                 max_tokens: policy.maxAnswerTokens)
                    if let events {
                        // The model's sentences are spoken and sent while it writes the next ones.
                        let streamed = try await streamGenerated(request, evidence: evidence, start: start, events: events)
                        timings.llm_ms = (clock.now - mark).fractionalMilliseconds
                        (responseText, kind, grounding) = (streamed.text, streamed.kind, streamed.grounding)
                        citations = evidence.map(Citation.init)
                        spokenWhileWritten = streamed
                    } else {
                        let response = try await run(.llm) { try await generation.respond(request) }
                        timings.llm_ms = (clock.now - mark).fractionalMilliseconds
                        switch response.outcome {
                        case .answered:
                            responseText = response.response
                            kind = .generated
                            grounding = response.grounding
                            citations = evidence.map(Citation.init)
                        case .declined, .evidence:
                            // The sentence addresses the question; SmolLM2-135M declines or misquotes some that plainly do.
                            (responseText, kind, citations) = Self.spoken([evidence[0]])
                        }
                    }
                case .decline(let reason, let closest):
                    if let closest {
                        let (text, _, cited) = Self.spoken([closest])
                        responseText = AnswerPolicy.offering(text)
                        citations = cited
                    } else {
                        responseText = AnswerPolicy.notCovered(closestTopic: retrieved.documents.first)
                    }
                    kind = .not_covered
                    declineReason = reason
                }
            }
        }
        let mark = clock.now
        let speech: SpeakResult
        if let streamed = spokenWhileWritten {
            speech = streamed.whole
            timings.first_audio_ms = streamed.firstAudio
        } else if let events {
            let spoken = try await speakSentences(SpeechChunks.texts(responseText), start: start, events: events)
            timings.first_audio_ms = spoken.firstAudio
            speech = spoken.whole
        } else if reusesSpokenAnswers, let cached = await spokenAnswers.audio(for: responseText) {
            speech = cached
        } else {
            speech = try await run(.tts) { try await synthesis.speak(text: responseText, voice: nil) }
            // espeak-ng standing in for a failed neural voice is not what the next asker should hear.
            if speech.fallback != true, reusesSpokenAnswers { await spokenAnswers.remember(speech, for: responseText) }
        }
        // A streamed model answer's synthesis overlapped the generation: its own sum, not the time since.
        timings.tts_ms = spokenWhileWritten?.ttsMilliseconds ?? (clock.now - mark).fractionalMilliseconds
        return VoiceAnswer(transcript: asked, response_text: responseText, audio_url: speech.audio_url,
                           sources: sources.map { AnswerSource(source: $0.source, heading: $0.heading, text: $0.text, score: $0.score) },
                           citations: citations, answer_kind: kind, decline_reason: declineReason, grounding: grounding,
                           timings: timings)
    }

    /// Speaks each sentence in order, sends it as soon as its audio exists, and joins the files into the answer's
    /// one WAV. Answers already spoken as a whole come from the cache, sent as one sentence.
    func speakSentences(_ sentences: [String], start: ContinuousClock.Instant,
                        events: EventSink) async throws -> (whole: SpeakResult, firstAudio: Double?) {
        let text = sentences.joined(separator: " ")
        if reusesSpokenAnswers, let cached = await spokenAnswers.audio(for: text) {
            if events.audio, let stored = try? audioStore?.pcm(named: cached.filename) {
                try await events(.audio(index: 0, pcm: stored.pcm, sampleRate: stored.sampleRate))
            }
            try await events(.sentence(index: 0, text: text, audioURL: cached.audio_url))
            return (cached, (ContinuousClock.now - start).fractionalMilliseconds)
        }
        let spoken = try await speak(AsyncStream { queue in
            sentences.forEach { queue.yield($0) }
            queue.finish()
        }, start: start, events: events)
        let whole = try joined(spoken.parts)
        if whole.fallback != true, reusesSpokenAnswers { await spokenAnswers.remember(whole, for: text) }
        return (whole, spoken.firstAudio)
    }

    /// Synthesises sentences in order as they come and sends each as soon as its audio exists; a listener that plays
    /// samples itself gets them as they are made.
    func speak(_ sentences: AsyncStream<String>, start: ContinuousClock.Instant,
               events: EventSink) async throws -> (parts: [SpeakResult], firstAudio: Double?, milliseconds: Double) {
        var parts: [SpeakResult] = []
        var firstAudio: Double?
        var milliseconds = 0.0
        for await sentence in sentences {
            let mark = ContinuousClock.now
            let index = parts.count
            let (part, heard) = try await run(.tts) { () async throws -> (SpeakResult, ContinuousClock.Instant?) in
                guard events.audio else { return (try await synthesis.speak(text: sentence, voice: nil), nil) }
                var result: SpeakResult?
                var heard: ContinuousClock.Instant?
                for try await event in try await synthesis.speakStreaming(text: sentence, voice: nil) {
                    switch event {
                    case .audio(let pcm, let rate):
                        heard = heard ?? .now
                        try await events(.audio(index: index, pcm: pcm, sampleRate: rate))
                    case .done(let done):
                        result = done
                    }
                }
                guard let result else { throw APIError.unavailable(stage: Stage.tts.rawValue, "the speech stream ended before its file") }
                return (result, heard)
            }
            milliseconds += (ContinuousClock.now - mark).fractionalMilliseconds
            firstAudio = firstAudio ?? ((heard ?? .now) - start).fractionalMilliseconds
            try await events(.sentence(index: index, text: sentence, audioURL: part.audio_url))
            parts.append(part)
        }
        return (parts, firstAudio, milliseconds)
    }

    /// The sentence files as one WAV in the shared audio folder, for the final JSON's `audio_url`.
    func joined(_ parts: [SpeakResult]) throws -> SpeakResult {
        guard parts.count > 1, let audioStore else { return parts.first ?? SpeakResult(filename: "", audio_url: "", duration_s: 0, sample_rate: 0, bytes: 0) }
        do {
            let name = try audioStore.join(parts.map(\.filename))
            let prefix = parts[0].audio_url.dropLast(parts[0].filename.count)
            return SpeakResult(filename: name.filename, audio_url: prefix + name.filename, duration_s: parts.map(\.duration_s).reduce(0, +),
                               sample_rate: parts[0].sample_rate, bytes: name.bytes, voice: parts[0].voice,
                               fallback: parts.contains { $0.fallback == true })
        } catch {
            throw APIError.unavailable(stage: Stage.tts.rawValue, "the answer's audio could not be joined: \(error)")
        }
    }

    /// A generated answer, streamed: the model's released sentences (and first clauses of long ones) go to a
    /// speaking task in order, so piece n is synthesised while piece n+1 is written. A first piece that declines
    /// stops the model, and the best evidence sentence is spoken instead, as the unstreamed answer does.
    struct StreamedAnswer {
        var text: String
        var whole: SpeakResult
        var kind: AnswerKind
        var grounding: Grounding?
        var firstAudio: Double?
        var ttsMilliseconds: Double
    }

    func streamGenerated(_ request: RespondRequest, evidence: [EvidenceSentence], start: ContinuousClock.Instant,
                         events: EventSink) async throws -> StreamedAnswer {
        let (sentences, queue) = AsyncStream<String>.makeStream()
        let speaker = Task { try await speak(sentences, start: start, events: events) }
        let generated: (response: RespondResponse?, said: [String])
        do {
            generated = try await run(.llm) {
                var response: RespondResponse?
                var said: [String] = []
                for try await event in try await generation.respondStreaming(request) {
                    switch event {
                    case .text(let piece):
                        if said.isEmpty, TextWords.declinesToAnswer(piece) { return (nil, []) }
                        // The model's pieces are cut already; only the answer's first is cut early.
                        let first = said.isEmpty ? SpeechPacing.firstClauseWords : SpeechPacing.clauseWords
                        for sentence in SpeechChunks.texts(piece, firstClauseWords: first) {
                            said.append(sentence)
                            queue.yield(sentence)
                        }
                    case .done(let done): response = done
                    }
                }
                return (response, said)
            }
        } catch {
            queue.finish()
            speaker.cancel()
            throw error
        }
        var said = generated.said
        let final = generated.response
        if final == nil, said.isEmpty, let best = evidence.first {
            // The model declined before saying anything: speak the evidence, as the unstreamed path does.
            let (text, _, _) = Self.spoken([best])
            for sentence in SpeechChunks.texts(text) {
                said.append(sentence)
                queue.yield(sentence)
            }
            queue.finish()
            let spoken = try await speaker.value
            return StreamedAnswer(text: said.joined(separator: " "), whole: try joined(spoken.parts), kind: .evidence,
                                  firstAudio: spoken.firstAudio, ttsMilliseconds: spoken.milliseconds)
        }
        queue.finish()
        let spoken = try await speaker.value
        return StreamedAnswer(text: said.joined(separator: " "), whole: try joined(spoken.parts),
                              kind: final?.outcome == .evidence ? .evidence : .generated, grounding: final?.grounding,
                              firstAudio: spoken.firstAudio, ttsMilliseconds: spoken.milliseconds)
    }

    /// Refuses a question, before any work, whose stages are busy enough that it would not be answered in time. A
    /// typed question does not count speech recognition's queue, which it never joins; the model counts only where
    /// every answer is the model's (``AnswerMode/generate``).
    public func admit(recording: Bool) throws(APIError) -> Admission.Ticket {
        var stages: [Stage] = recording ? [.stt, .rag] : [.rag]
        if policy.mode == .generate { stages.append(.llm) }
        stages.append(.tts)
        return try admission.admit(through: stages, deadlines: timeouts)
    }

    /// Runs one stage under its deadline, records its latency, and names it in any failure.
    func run<R: Sendable>(_ stage: Stage, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
        let timeout = timeouts[stage] ?? .seconds(30)
        let clock = ContinuousClock()
        Admission.ticket?.enter(stage)
        let start = admission.enter(stage)
        defer { admission.exit(stage, entered: start) }
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

/// Audio of answers spoken recently, by text: a repeated FAQ answer or "didn't catch that" needs no synthesis.
/// Entries live shorter than the audio files' retention window, so a cached URL still resolves.
actor SpokenAnswerCache {
    private var entries: [String: (speech: SpeakResult, stored: ContinuousClock.Instant)] = [:]
    private let lifetime: Duration
    private let capacity = 256

    init(lifetime: Duration) {
        self.lifetime = lifetime
    }

    func audio(for text: String) -> SpeakResult? {
        guard let entry = entries[text], ContinuousClock.now - entry.stored < lifetime else { return nil }
        return entry.speech
    }

    func remember(_ speech: SpeakResult, for text: String) {
        if entries.count >= capacity {
            let now = ContinuousClock.now
            entries = entries.filter { now - $0.value.stored < lifetime }
            if entries.count >= capacity { entries.removeAll() }
        }
        entries[text] = (speech, .now)
    }
}

/// Whisper's initial prompt: the knowledge base's names and terms as a glossary, so that "Docker" is heard as
/// Docker. Fetched at most once a minute, in the background. While there is no prompt yet, a question waits at most
/// 300 ms for the fetch under way (a healthy retrieval service answers in a few), so a slow or failed one never holds
/// up a question; the fetch itself is not cut short by that wait, so the questions after it get its prompt. A failed
/// fetch keeps the last prompt and is retried sooner.
actor SpeechPrompt {
    let source: SpeechPromptSource
    let retrieval: any RetrievalClient
    private var prompt: String?
    private var nextFetch: ContinuousClock.Instant?
    private var fetch: Task<Void, Never>?

    init(source: SpeechPromptSource, retrieval: any RetrievalClient) {
        self.source = source
        self.retrieval = retrieval
    }

    func current() async -> String? {
        switch source {
        case .none: return nil
        case .fixed(let text): return text
        case .knowledgeVocabulary:
            if fetch == nil, nextFetch.map({ ContinuousClock.now >= $0 }) ?? true {
                fetch = Task { await refresh() }
            }
            // Waiting on the fetch's value could not be cut short, so the wait looks in every 10 ms.
            for _ in 0..<30 where prompt == nil && fetch != nil {
                try? await Task.sleep(for: .milliseconds(10))
            }
            return prompt
        }
    }

    private func refresh() async {
        do {
            let terms = try await withDeadline(.seconds(5)) { [retrieval] in try await retrieval.vocabulary() }
            prompt = Self.glossary(terms)
            nextFetch = .now + .seconds(60)
        } catch {
            nextFetch = .now + .seconds(5)
        }
        fetch = nil
    }

    /// A comma-separated glossary, well inside Whisper's 224-token prompt window.
    static func glossary(_ terms: [String]) -> String? {
        var text = ""
        for term in terms where text.count + term.count < 400 {
            text += text.isEmpty ? term : ", \(term)"
        }
        return text.isEmpty ? nil : text + "."
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
