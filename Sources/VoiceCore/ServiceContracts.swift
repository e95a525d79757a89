public import Foundation

// The wire types and client protocols of the four seed services. The gateway orchestrates through these
// protocols only: in one process they are the services themselves, deployed they are HTTP clients.
// JSON keys are the API's (snake_case), documented in docs/api.md.

// MARK: Speech-to-text (port 8001)

public struct TranscriptSegment: Codable, Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var text: String
    public init(start: Double, end: Double, text: String) {
        self.start = start
        self.end = end
        self.text = text
    }
}

public struct TranscribeOptions: Codable, Sendable, Equatable {
    /// `tiny.en` (default) or `base`.
    public var model: String?
    /// `auto` or a language code.
    public var language: String?
    /// An initial prompt: names and terms the speaker is likely to use.
    public var prompt: String?
    /// Beams searched at each token (``beamSizes``; 1 is greedy); the service's setting when absent.
    public var beam_size: Int?
    /// The beam sizes a request or `VOICE_STT_BEAM_SIZE` may ask for.
    public static let beamSizes = 1...8
    public init(model: String? = nil, language: String? = nil, prompt: String? = nil, beam_size: Int? = nil) {
        self.model = model
        self.language = language
        self.prompt = prompt
        self.beam_size = beam_size
    }
}

public struct TranscribeResult: Codable, Sendable, Equatable {
    public var text: String
    public var language: String
    public var duration_s: Double
    public var segments: [TranscriptSegment]
    public var model: String
    public var processing_ms: Double
    public init(text: String, language: String, duration_s: Double, segments: [TranscriptSegment], model: String,
                processing_ms: Double) {
        self.text = text
        self.language = language
        self.duration_s = duration_s
        self.segments = segments
        self.model = model
        self.processing_ms = processing_ms
    }
}

public protocol SpeechToTextClient: Sendable {
    func transcribe(audio: Data, contentType: String?, options: TranscribeOptions) async throws -> TranscribeResult
}

// MARK: Retrieval (port 8002)

public struct RetrieveRequest: Codable, Sendable, Equatable {
    public var query: String
    public var top_k: Int?
    public var min_score: Double?
    /// How many evidence sentences to select from the retrieved chunks (0, the default, selects none).
    public var evidence: Int?
    /// The follow-up that `query` joins to the question before it ("How do I book it?" after "How many fit in the
    /// Harbour Room?"): evidence covers its words, the earlier question only setting the topic.
    public var follow_up: String?
    public init(query: String, top_k: Int? = nil, min_score: Double? = nil, evidence: Int? = nil, follow_up: String? = nil) {
        self.query = query
        self.top_k = top_k
        self.min_score = min_score
        self.evidence = evidence
        self.follow_up = follow_up
    }
}

public struct RetrievedDocument: Codable, Sendable, Equatable {
    public var id: String
    public var source: String
    /// The document's title, when it had one.
    public var title: String?
    /// The section heading the chunk sits under, when the document had headings.
    public var heading: String?
    public var text: String
    public var score: Double
    public init(id: String, source: String, title: String? = nil, heading: String? = nil, text: String, score: Double) {
        self.id = id
        self.source = source
        self.title = title
        self.heading = heading
        self.text = text
        self.score = score
    }
}

/// A sentence of the retrieved chunks that bears on the question: what the model is given, and what the answer
/// cites.
public struct EvidenceSentence: Codable, Sendable, Equatable {
    public var text: String
    public var source: String
    public var title: String?
    public var heading: String?
    /// Relevance: embedding similarity blended with ``coverage``.
    public var score: Double
    /// The share of the question's content words, weighted by rarity, that the sentence (or its heading and title)
    /// matches, allowing for misheard words.
    public var coverage: Double
    /// MiniLM cosine similarity of the question and the sentence (named by its document's title).
    public var similarity: Double
    /// The question's words that the sentence, its heading, its title and (for a sentence opening with a pronoun)
    /// the sentence before it do not match, as written or by a word of nearly the same meaning ("vehicle" for "car"),
    /// though the knowledge base uses them elsewhere: most often the item the question is about, which this sentence
    /// is not ("steam room" asked, "sauna" priced).
    public var unmatched: [String]
    /// The question's words naming what it is about (not verbs) that no chunk of the knowledge base holds and
    /// the sentence does not relate to: a paraphrase ("cord" for "cable"), or an item it never mentions ("vegan
    /// breakfast").
    public var unknown: [String]
    /// Whether the sentence states the kind of fact the question asks for (a price for "how much"); nil when the
    /// question's wording asks for no particular kind.
    public var states_fact: Bool?
    /// The reranker's logit that the sentence (after its heading) answers the question: a cross-encoder reads the two
    /// together (each pair about 7 ms on two cores). Above 0 it answers; far below it does not. Nil when retrieval
    /// ran without the reranker, and for a sentence that does not state the asked kind of fact (it is not read).
    public var answer_score: Double?
    public init(text: String, source: String, title: String?, heading: String?, score: Double, coverage: Double,
                similarity: Double = 0, unmatched: [String] = [], unknown: [String] = [], states_fact: Bool? = nil,
                answer_score: Double? = nil) {
        self.text = text
        self.source = source
        self.title = title
        self.heading = heading
        self.score = score
        self.coverage = coverage
        self.similarity = similarity
        self.unmatched = unmatched
        self.unknown = unknown
        self.states_fact = states_fact
        self.answer_score = answer_score
    }
}

extension EvidenceSentence {
    /// Weight of embedding similarity in ``score``; the rest is ``coverage``.
    public static let similarityWeight = 0.6
    /// A sentence without the kind of fact the question asks for keeps this share of its score.
    public static let wrongTypePenalty = 0.6

    public static func score(similarity: Double, coverage: Double, statesFact: Bool?) -> Double {
        let score = similarityWeight * similarity + (1 - similarityWeight) * coverage
        return statesFact == false ? score * wrongTypePenalty : score
    }
}

extension EvidenceSentence {
    /// A sentence as read on its own: prefixed with its document's title when it does not name it, so "It is
    /// closed on Tuesdays" still says what is. The model reads this, and evidence ranking embeds it.
    public static func naming(_ text: String, title: String?) -> String {
        guard let title, !title.isEmpty,
              !text.localizedCaseInsensitiveContains(title.replacing("The ", with: "", maxReplacements: 1))
        else { return text }
        return "\(title): \(text)"
    }
}

public struct QAHit: Codable, Sendable, Equatable {
    public var question: String
    public var answer: String
    public var score: Double
    public init(question: String, answer: String, score: Double) {
        self.question = question
        self.answer = answer
        self.score = score
    }
}

public struct RetrieveResponse: Codable, Sendable, Equatable {
    public var documents: [RetrievedDocument]
    public var qa: [QAHit]
    /// Best first; empty unless the request asked for evidence.
    public var evidence: [EvidenceSentence]
    /// Milliseconds per step (`embed_ms`, `vector_ms`, `bm25_ms`, `qa_ms`, `evidence_ms`, of it `rerank_ms`,
    /// `total_ms`).
    public var timings: [String: Double]
    public init(documents: [RetrievedDocument], qa: [QAHit], evidence: [EvidenceSentence] = [], timings: [String: Double]) {
        self.documents = documents
        self.qa = qa
        self.evidence = evidence
        self.timings = timings
    }
}

/// `GET /vocabulary`: the knowledge base's names and terms, most widespread first.
public struct VocabularyResponse: Codable, Sendable, Equatable {
    public var terms: [String]
    public init(terms: [String]) {
        self.terms = terms
    }
}

public protocol RetrievalClient: Sendable {
    func retrieve(_ request: RetrieveRequest) async throws -> RetrieveResponse
    /// Names and terms for speech recognition's prompt.
    func vocabulary() async throws -> [String]
    /// Keeps a question and its answer in the site owner's log (`POST /questions`).
    func record(_ question: LoggedQuestion) async throws
    /// Keeps the browser's measure of when an answer was first heard (`POST /first-audio`), for the console's last hour.
    func recordFirstAudio(milliseconds: Double) async throws
}

/// One asked question as the site owner's log keeps it (`POST /questions`, `GET /questions`).
public struct LoggedQuestion: Codable, Sendable, Equatable {
    public var id: Int64?
    /// ISO 8601, UTC.
    public var asked_at: String
    public var session_id: String?
    public var question: String
    public var answer: String
    public var answer_kind: String
    public var decline_reason: String?
    public var sources: [String]
    /// The answer's milliseconds per stage, as its `timings` (`stt_ms`, `retrieve_ms`, `llm_ms`, `tts_ms`,
    /// `total_ms`, `first_audio_ms`).
    public var timings: [String: Double]

    public init(id: Int64? = nil, asked_at: String, session_id: String?, question: String, answer: String, answer_kind: String,
                decline_reason: String?, sources: [String], timings: [String: Double]) {
        self.id = id
        self.asked_at = asked_at
        self.session_id = session_id
        self.question = question
        self.answer = answer
        self.answer_kind = answer_kind
        self.decline_reason = decline_reason
        self.sources = sources
        self.timings = timings
    }

    /// The log's time format: ISO 8601 in UTC, which sorts as text.
    public static func timestamp(_ date: Date = Date()) -> String { date.ISO8601Format() }
}

/// When the browser first heard an answer, in milliseconds from the end of the question (`POST /client-metrics`
/// at the gateway, `POST /first-audio` at the knowledge service).
public struct FirstAudioReport: Codable, Sendable, Equatable {
    public var first_audio_ms: Double

    public init(first_audio_ms: Double) {
        self.first_audio_ms = first_audio_ms
    }

    /// The figure, or 400 `invalid_metric`: two minutes is past every deadline, so a longer figure is a clock or a
    /// client gone wrong.
    public func milliseconds() throws(APIError) -> Double {
        guard first_audio_ms.isFinite, (0...120_000).contains(first_audio_ms) else {
            throw .badRequest("invalid_metric", "first_audio_ms must be a number from 0 to 120000")
        }
        return first_audio_ms
    }
}

/// A publishable widget key made in the console (`GET /keys`): the key itself is shown once, when made; only its
/// SHA-256 digest (hex) is stored.
public struct WidgetKey: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var origins: [String]
    public var digest: String
    public var created_at: String

    public init(id: String, name: String, origins: [String], digest: String, created_at: String) {
        self.id = id
        self.name = name
        self.origins = origins
        self.digest = digest
        self.created_at = created_at
    }
}

/// Questions the knowledge base could not answer, grouped by meaning (`GET /gaps`).
public struct KnowledgeGap: Codable, Sendable, Equatable {
    /// The group's most recent wording.
    public var question: String
    public var count: Int
    /// Up to five other wordings of the group.
    public var examples: [String]
    public var last_asked: String

    public init(question: String, count: Int, examples: [String], last_asked: String) {
        self.question = question
        self.count = count
        self.examples = examples
        self.last_asked = last_asked
    }
}

// MARK: Generation (port 8003)

/// One piece of context: the API accepts a bare string or `{text, source}`.
public struct ContextItem: Codable, Sendable, Equatable {
    public var text: String
    public var source: String?
    public init(text: String, source: String? = nil) {
        self.text = text
        self.source = source
    }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            self.init(text: text)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(text: try container.decode(String.self, forKey: .text),
                  source: try container.decodeIfPresent(String.self, forKey: .source))
    }
}

public struct ChatTurn: Codable, Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

public struct RespondRequest: Codable, Sendable, Equatable {
    public var query: String
    public var context: [ContextItem]
    public var history: [ChatTurn]?
    public var max_tokens: Int?
    public var temperature: Double?
    public var stream: Bool?
    public init(query: String, context: [ContextItem] = [], history: [ChatTurn]? = nil, max_tokens: Int? = nil,
                temperature: Double? = nil, stream: Bool? = nil) {
        self.query = query
        self.context = context
        self.history = history
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.stream = stream
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        query = try container.decode(String.self, forKey: .query)
        context = try container.decodeIfPresent([ContextItem].self, forKey: .context) ?? []
        history = try container.decodeIfPresent([ChatTurn].self, forKey: .history)
        max_tokens = try container.decodeIfPresent(Int.self, forKey: .max_tokens)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
    }
}

public struct GenerationTimings: Codable, Sendable, Equatable {
    public var prompt_ms: Double
    public var generate_ms: Double
    public var tokens_per_s: Double
    public init(prompt_ms: Double, generate_ms: Double, tokens_per_s: Double) {
        self.prompt_ms = prompt_ms
        self.generate_ms = generate_ms
        self.tokens_per_s = tokens_per_s
    }
}

/// What the groundedness guard did with an answer (docs/decisions.md, "Answer quality").
public enum Grounding: String, Codable, Sendable, Equatable {
    /// Every number and name in the answer is in the context.
    case passed
    /// The first answer stated something the context does not; the stricter second one did not.
    case retried
    /// Both answers failed the check: the most relevant context sentence is spoken instead.
    case evidence
    /// A later sentence failed the check after earlier ones had streamed: the answer stops before it.
    case truncated
}

/// What an answer from `/respond` is, so that no caller has to search its text for "I don't know".
public enum AnswerOutcome: String, Codable, Sendable, Equatable {
    /// The model's answer, past the groundedness guard.
    case answered
    /// No answer: the model said it does not know, or nothing it said and no context sentence could be spoken.
    case declined
    /// The model's answers failed the guard; the most relevant context sentence is spoken instead.
    case evidence
}

public struct RespondResponse: Codable, Sendable, Equatable {
    public var response: String
    public var model: String
    public var prompt_tokens: Int
    public var completion_tokens: Int
    public var timings: GenerationTimings
    public var grounding: Grounding?
    public var outcome: AnswerOutcome
    public init(response: String, model: String, prompt_tokens: Int, completion_tokens: Int, timings: GenerationTimings,
                grounding: Grounding? = nil, outcome: AnswerOutcome = .answered) {
        self.response = response
        self.model = model
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.timings = timings
        self.grounding = grounding
        self.outcome = outcome
    }
}

/// One step of a streamed answer: text as the model's sentences pass the groundedness guard, then the same
/// response a non-streamed call returns.
public enum RespondStreamEvent: Sendable, Equatable {
    case text(String)
    case done(RespondResponse)
}

public protocol GenerationClient: Sendable {
    func respond(_ request: RespondRequest) async throws -> RespondResponse
    /// The answer as it is written. Cancelling the consuming task stops the generation.
    func respondStreaming(_ request: RespondRequest) async throws -> AsyncThrowingStream<RespondStreamEvent, any Error>
}

// MARK: Text-to-speech (port 8004)

public struct SpeakResult: Codable, Sendable, Equatable {
    public var filename: String
    public var audio_url: String
    public var duration_s: Double
    public var sample_rate: Int
    public var bytes: Int
    /// The voice that spoke, and whether it stood in for a neural voice that failed.
    public var voice: String?
    public var fallback: Bool?
    public init(filename: String, audio_url: String, duration_s: Double, sample_rate: Int, bytes: Int,
                voice: String? = nil, fallback: Bool? = nil) {
        self.filename = filename
        self.audio_url = audio_url
        self.duration_s = duration_s
        self.sample_rate = sample_rate
        self.bytes = bytes
        self.voice = voice
        self.fallback = fallback
    }
}

/// A synthesis as it happens: 16-bit little-endian mono PCM as it is made, then the stored file.
public enum SpeechEvent: Sendable, Equatable {
    case audio(pcm: Data, sampleRate: Int)
    case done(SpeakResult)
}

/// `event: audio` of a streamed synthesis: 16-bit little-endian mono PCM, base64 (as OpenAI's realtime audio deltas).
public struct PCMAudioEvent: Codable, Sendable {
    public var index: Int?
    public var sample_rate: Int
    public var pcm: String

    public init(index: Int? = nil, pcm: Data, sampleRate: Int) {
        self.index = index
        sample_rate = sampleRate
        self.pcm = pcm.base64EncodedString()
    }

    /// The samples' bytes; nil when `pcm` is not base64 of whole 16-bit samples.
    public var bytes: Data? {
        Data(base64Encoded: pcm).flatMap { $0.count.isMultiple(of: 2) ? $0 : nil }
    }
}

public protocol SpeechSynthesisClient: Sendable {
    func speak(text: String, voice: String?) async throws -> SpeakResult
    /// The same synthesis, its samples sent as they are made: a listener starts hearing the first quarter second
    /// while the rest is synthesised.
    func speakStreaming(text: String, voice: String?) async throws -> AsyncThrowingStream<SpeechEvent, any Error>
}
