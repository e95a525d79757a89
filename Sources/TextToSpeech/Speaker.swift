public import EspeakEngine
public import Foundation
public import VoiceCore

/// What one `speak` produced.
public struct SpokenAudio: Sendable {
    public var filename: String
    public var wav: Data
    public var durationSeconds: Double
    public var sampleRate: Int
    public var firstAudioAfter: Duration?

    public func result(audioURLPrefix: String = "/audio/") -> SpeakResult {
        SpeakResult(filename: filename, audio_url: audioURLPrefix + filename,
                    duration_s: (durationSeconds * 1000).rounded() / 1000, sample_rate: sampleRate, bytes: wav.count)
    }
}

public struct SpeakRequest: Sendable, Decodable {
    public var text: String
    public var voice: String?
    public var rate: Int?
    public var pitch: Int?

    public init(text: String, voice: String? = nil, rate: Int? = nil, pitch: Int? = nil) {
        self.text = text
        self.voice = voice
        self.rate = rate
        self.pitch = pitch
    }
}

/// The TTS box: validates a request, normalises the text for speech, synthesises it with espeak-ng and,
/// unless the caller wants the bytes only, stores the WAV under a random name.
public struct Speaker: Sendable {
    /// espeak's "en" at 150 words per minute: of the voices and rates measured (docs/decisions.md), the one
    /// Whisper tiny.en understands best, which is a fair proxy for how well a listener does.
    public static let defaultVoice = "en"
    public static let defaultRate = 150
    public var synthesizer: EspeakSynthesizer
    public var store: AudioStore
    public var maxCharacters: Int

    public init(synthesizer: EspeakSynthesizer, store: AudioStore, maxCharacters: Int = 2000) {
        self.synthesizer = synthesizer
        self.store = store
        self.maxCharacters = maxCharacters
    }

    public var voices: [EspeakVoice] { synthesizer.voices }

    /// Resolves an identifier ("gmw/en-US"), a name or a language code ("en-us"), case-insensitively.
    public func resolveVoice(_ requested: String?) throws(APIError) -> String {
        let wanted = (requested ?? Self.defaultVoice).lowercased()
        let match = voices.first { voice in
            voice.identifier.lowercased() == wanted || voice.name.lowercased() == wanted
                || voice.languages.contains { $0.lowercased() == wanted }
        }
        guard match != nil else {
            let valid = Set(voices.flatMap(\.languages)).sorted().joined(separator: ", ")
            throw .badRequest("unknown_voice", "unknown voice '\(requested ?? "")'; valid voices: \(valid)")
        }
        // Hand espeak the name as given: it picks the best voice for a language the way its own CLI does,
        // where the first voice listing that language could be a regional variant.
        return wanted
    }

    public func speak(_ request: SpeakRequest, persist: Bool = true) async throws -> SpokenAudio {
        let trimmed = request.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw APIError.badRequest("empty_text", "text must not be empty") }
        guard trimmed.count <= maxCharacters else {
            throw APIError.payloadTooLarge("text has \(trimmed.count) characters; the limit is \(maxCharacters)")
        }
        let rate = request.rate ?? Self.defaultRate
        guard (80...450).contains(rate) else { throw APIError.badRequest("invalid_rate", "rate must be 80–450 words per minute") }
        let pitch = request.pitch ?? 50
        guard (0...100).contains(pitch) else { throw APIError.badRequest("invalid_pitch", "pitch must be 0–100") }
        let voice = try resolveVoice(request.voice)

        let audio = try await synthesizer.synthesize(SpeechText.normalize(trimmed), voice: voice,
                                                     prosody: EspeakProsody(rate: rate, pitch: pitch))
        let wav = WAVFile.encode(audio.samples, sampleRate: audio.sampleRate)
        var filename = ""
        if persist { filename = try store.store(wav).lastPathComponent }
        return SpokenAudio(filename: filename, wav: wav,
                           durationSeconds: Double(audio.samples.count) / Double(audio.sampleRate),
                           sampleRate: audio.sampleRate, firstAudioAfter: audio.firstAudioAfter)
    }
}

/// In one process, the gateway calls the speaker directly.
extension Speaker: SpeechSynthesisClient {
    public func speak(text: String, voice: String?) async throws -> SpeakResult {
        try await speak(SpeakRequest(text: text, voice: voice)).result()
    }
}

extension Speaker {
    /// The TTS service as configured: espeak-ng writing into the shared audio folder.
    public static func live(settings: Settings) throws -> Speaker {
        let store = AudioStore(directory: settings.audioDirectory, maxAge: settings.audioMaxAge,
                               byteBudget: settings.audioByteBudget)
        return Speaker(synthesizer: try EspeakSynthesizer.shared.get(), store: store, maxCharacters: settings.ttsMaxCharacters)
    }
}
