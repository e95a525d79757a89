/// Where an answer came from, for the user to check.
public struct AnswerSource: Codable, Sendable, Equatable {
    public var source: String
    public var heading: String?
    public var text: String
    public var score: Double
}

/// Milliseconds per stage; zero for a stage that did not run (no STT for typed questions).
public struct StageTimings: Codable, Sendable, Equatable {
    public var stt_ms = 0.0
    public var retrieve_ms = 0.0
    public var llm_ms = 0.0
    public var tts_ms = 0.0
    public var total_ms = 0.0
}

/// The gateway's answer. The seed's three fields keep their names exactly.
public struct VoiceAnswer: Codable, Sendable, Equatable {
    public var transcript: String
    public var response_text: String
    public var audio_url: String
    public var sources: [AnswerSource]
    public var timings: StageTimings
}
