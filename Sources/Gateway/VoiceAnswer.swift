public import VoiceCore

/// Where an answer came from, for the user to check.
public struct AnswerSource: Codable, Sendable, Equatable {
    public var source: String
    public var heading: String?
    public var text: String
    public var score: Double
}

/// A sentence the answer rests on, with its document and section, for the listener to check.
public struct Citation: Codable, Sendable, Equatable {
    public var text: String
    public var source: String
    public var title: String?
    public var heading: String?
}

extension Citation {
    /// An evidence sentence, cited as itself.
    init(_ sentence: EvidenceSentence) {
        self.init(text: sentence.text, source: sentence.source, title: sentence.title, heading: sentence.heading)
    }
}

/// How the answer was reached.
public enum AnswerKind: String, Codable, Sendable {
    /// A stored Q&A pair matched the question: its answer, no model call.
    case faq
    /// The model answered from the evidence sentences, past the groundedness guard.
    case generated
    /// The model declined, but one evidence sentence plainly answers the question: it is spoken as written.
    case evidence
    /// The knowledge base does not cover the question: said so, naming the closest topic it does cover, or offering
    /// its closest sentence (cited) as no more than that.
    case not_covered
    /// The recording held no speech.
    case nothing_heard
}

/// Milliseconds per stage; zero for a stage that did not run (no STT for typed questions).
public struct StageTimings: Codable, Sendable, Equatable {
    public var stt_ms = 0.0
    public var retrieve_ms = 0.0
    public var llm_ms = 0.0
    public var tts_ms = 0.0
    public var total_ms = 0.0
    /// When the first answer audio existed: a streamed answer's first sentence, else the whole answer (total).
    public var first_audio_ms: Double?
}

/// The gateway's answer. The seed's three fields keep their names exactly.
public struct VoiceAnswer: Codable, Sendable, Equatable {
    public var transcript: String
    public var response_text: String
    public var audio_url: String
    public var sources: [AnswerSource]
    /// The evidence sentences the answer rests on (empty for "not covered").
    public var citations: [Citation]
    public var answer_kind: AnswerKind
    /// Why the question was declined, for `not_covered` answers.
    public var decline_reason: DeclineReason?
    /// What the groundedness guard did, for generated answers.
    public var grounding: Grounding?
    public var timings: StageTimings
}
