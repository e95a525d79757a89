public import EspeakEngine
public import Foundation
import Logging
import Metrics
import Models
import OnnxEngine
import PiperEngine
import Synchronization
public import VoiceCore

/// What one `speak` produced.
public struct SpokenAudio: Sendable {
    public var filename: String
    public var wav: Data
    public var durationSeconds: Double
    public var sampleRate: Int
    public var firstAudioAfter: Duration?
    /// The voice that spoke: the one asked for, or espeak-ng's when the neural voice failed.
    public var voice: String
    public var fallback: Bool

    public func result(audioURLPrefix: String = "/audio/") -> SpeakResult {
        SpeakResult(filename: filename, audio_url: audioURLPrefix + filename,
                    duration_s: (durationSeconds * 1000).rounded() / 1000, sample_rate: sampleRate, bytes: wav.count,
                    voice: voice, fallback: fallback)
    }
}

public struct SpeakRequest: Sendable, Decodable {
    public var text: String
    public var voice: String?
    public var rate: Int?
    public var pitch: Int?
    /// Answer with the WAV's bytes as they are made (chunked, sizes unknown in the header), nothing stored.
    public var stream: Bool?

    public init(text: String, voice: String? = nil, rate: Int? = nil, pitch: Int? = nil, stream: Bool? = nil) {
        self.text = text
        self.voice = voice
        self.rate = rate
        self.pitch = pitch
        self.stream = stream
    }
}

/// One entry of `GET /voices`.
public struct VoiceListing: Sendable, Encodable, Equatable {
    public var id: String
    public var engine: String
    public var name: String
    public var languages: [String]
    public var sample_rate: Int
}

/// The voice a request resolved to.
public enum ResolvedVoice: Sendable {
    case neural(any NeuralSpeaking)
    /// An espeak-ng voice name, identifier or language.
    case espeak(String)
}

/// The TTS box: validates a request, normalises the text for speech, synthesises it with the neural voice
/// (Piper) or espeak-ng and, unless the caller wants the bytes only, stores the WAV under a random name.
/// When the neural voice fails, espeak-ng speaks instead: the answer is heard, and the failure is logged,
/// counted and shown by `/health`.
public struct Speaker: Sendable {
    /// espeak's "en" at 150 words per minute: of espeak's voices and rates measured (docs/decisions.md), the one
    /// Whisper tiny.en understands best, which is a fair proxy for how well a listener does.
    public static let espeakVoice = "en"
    public static let defaultRate = 150
    public var synthesizer: EspeakSynthesizer
    public var neuralVoices: [any NeuralSpeaking]
    /// The voice used when a request names none (`VOICE_TTS_VOICE`): the first neural voice, else espeak's.
    public var defaultVoice: String
    public var store: AudioStore
    public var maxCharacters: Int
    public let fallbacks = FallbackRecord()
    /// Why the neural voice could not be loaded, when it could not.
    public var neuralVoiceProblem: String?
    private let logger = Logger(label: "tts")

    public init(synthesizer: EspeakSynthesizer, neuralVoices: [any NeuralSpeaking] = [], defaultVoice: String? = nil,
                store: AudioStore, maxCharacters: Int = 2000) {
        self.synthesizer = synthesizer
        self.neuralVoices = neuralVoices
        self.defaultVoice = defaultVoice ?? neuralVoices.first?.id ?? Self.espeakVoice
        self.store = store
        self.maxCharacters = maxCharacters
    }

    public var voices: [VoiceListing] {
        neuralVoices.map {
            VoiceListing(id: $0.id, engine: "piper", name: $0.name,
                         languages: [$0.language], sample_rate: $0.sampleRate)
        } + synthesizer.voices.map {
            VoiceListing(id: $0.identifier, engine: "espeak-ng", name: $0.name, languages: $0.languages,
                         sample_rate: synthesizer.sampleRate)
        }
    }

    /// Resolves a neural voice by id or name ("joe"), else an espeak identifier ("gmw/en-US"), name or language
    /// ("en-us"), case-insensitively.
    public func resolveVoice(_ requested: String?) throws(APIError) -> ResolvedVoice {
        let wanted = (requested ?? defaultVoice).lowercased()
        if let neural = neuralVoices.first(where: { $0.id.lowercased() == wanted || $0.name.lowercased() == wanted }) {
            return .neural(neural)
        }
        let match = synthesizer.voices.first { voice in
            voice.identifier.lowercased() == wanted || voice.name.lowercased() == wanted
                || voice.languages.contains { $0.lowercased() == wanted }
        }
        guard match != nil else {
            let valid = neuralVoices.map(\.id) + Set(synthesizer.voices.flatMap(\.languages)).sorted()
            throw .badRequest("unknown_voice", "unknown voice '\(requested ?? "")'; valid voices: \(valid.joined(separator: ", "))")
        }
        // Hand espeak the name as given: it picks the best voice for a language the way its own CLI does,
        // where the first voice listing that language could be a regional variant.
        return .espeak(wanted)
    }

    /// The request's text normalised for speech, its rate, prosody and voice; a 4xx for anything out of range.
    public func validated(_ request: SpeakRequest) throws(APIError) -> (text: String, rate: Int, prosody: EspeakProsody, voice: ResolvedVoice) {
        let trimmed = request.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .badRequest("empty_text", "text must not be empty") }
        guard trimmed.count <= maxCharacters else {
            throw .payloadTooLarge("text has \(trimmed.count) characters; the limit is \(maxCharacters)")
        }
        let rate = request.rate ?? Self.defaultRate
        guard (80...450).contains(rate) else { throw .badRequest("invalid_rate", "rate must be 80–450 words per minute") }
        let pitch = request.pitch ?? 50
        guard (0...100).contains(pitch) else { throw .badRequest("invalid_pitch", "pitch must be 0–100") }
        return (SpeechText.normalize(trimmed), rate, EspeakProsody(rate: rate, pitch: pitch), try resolveVoice(request.voice))
    }

    /// A validated request as a stream of sample chunks, the first as soon as it exists. A neural voice that fails
    /// hands the chunks it has not finished to espeak-ng (same 22.05 kHz rate), so the listener hears the whole answer;
    /// a chunk cut off partway is said again from its start.
    public func stream(_ request: SpeakRequest, soon: Bool = true) throws(APIError) -> SpeechStream {
        let (text, rate, prosody, resolved) = try validated(request)
        let synthesizer = synthesizer
        let outcome = SpeechStream.Outcome()
        switch resolved {
        case .espeak(let voice):
            let chunks = AsyncThrowingStream<[Int16], any Error> { continuation in
                let task = Task {
                    do {
                        continuation.yield(try await synthesizer.synthesize(text, voice: voice, prosody: prosody).samples)
                        continuation.finish()
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
                continuation.onTermination = { _ in task.cancel() }
            }
            return SpeechStream(sampleRate: synthesizer.sampleRate, voice: voice, chunks: chunks, outcome: outcome)
        case .neural(let voice):
            let (logger, fallbacks) = (logger, fallbacks)
            let canFallBack = voice.sampleRate == synthesizer.sampleRate
            let chunks = AsyncThrowingStream<[Int16], any Error> { continuation in
                let task = Task {
                    var spoken = 0
                    do {
                        for try await piece in voice.synthesize(text, speed: Float(rate) / Float(Self.defaultRate), soon: soon) {
                            continuation.yield(piece.samples)
                            if piece.endsChunk { spoken += 1 }
                        }
                        fallbacks.recovered()
                        continuation.finish()
                    } catch where canFallBack && !(error is CancellationError) {
                        logger.warning("neural voice failed; espeak-ng speaks instead",
                                       metadata: ["voice": "\(voice.id)", "error": "\(error)"])
                        Counter(label: "voice_tts_fallbacks_total", dimensions: [("voice", voice.id)]).increment()
                        fallbacks.failed(voice: voice.id, error: "\(error)")
                        outcome.fellBack()
                        do {
                            let rest = SpeechChunks.chunks(text).dropFirst(spoken)
                                .map { $0.map { $0.text + String($0.terminator) }.joined(separator: " ") }.joined(separator: " ")
                            if !rest.isEmpty {
                                continuation.yield(try await synthesizer.synthesize(rest, voice: Self.espeakVoice, prosody: prosody).samples)
                            }
                            continuation.finish()
                        } catch {
                            continuation.finish(throwing: error)
                        }
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }
                continuation.onTermination = { _ in task.cancel() }
            }
            return SpeechStream(sampleRate: voice.sampleRate, voice: voice.id, chunks: chunks, outcome: outcome)
        }
    }

    /// Speaks `request` whole, handing each chunk to `onChunk` (as 16-bit PCM, with the sample rate) as soon as it is
    /// made.
    public func speak(_ request: SpeakRequest, persist: Bool = true,
                      onChunk: (@Sendable (Data, Int) async throws -> Void)? = nil) async throws -> SpokenAudio {
        let stream = try stream(request, soon: onChunk != nil)
        let started = ContinuousClock.now
        var samples: [Int16] = []
        var firstAudio: Duration?
        for try await chunk in stream.chunks {
            if firstAudio == nil { firstAudio = .now - started }
            try await onChunk?(chunk.withUnsafeBytes { Data($0) }, stream.sampleRate)
            samples += chunk
        }
        let wav = WAVFile.encode(samples, sampleRate: stream.sampleRate)
        var filename = ""
        if persist { filename = try store.store(wav).lastPathComponent }
        return SpokenAudio(filename: filename, wav: wav, durationSeconds: Double(samples.count) / Double(stream.sampleRate),
                           sampleRate: stream.sampleRate, firstAudioAfter: firstAudio,
                           voice: stream.fellBack ? Self.espeakVoice : stream.voice, fallback: stream.fellBack)
    }
}

/// What `Speaker.stream` returns: the sample rate (for the WAV header, sent first) and the chunks.
public struct SpeechStream: Sendable {
    public let sampleRate: Int
    /// The voice asked for; `fellBack` tells, once the chunks are consumed, whether espeak-ng finished for it.
    public let voice: String
    public let chunks: AsyncThrowingStream<[Int16], any Error>
    let outcome: Outcome

    public var fellBack: Bool { outcome.state.withLock { $0 } }

    final class Outcome: Sendable {
        let state = Mutex(false)
        func fellBack() { state.withLock { $0 = true } }
    }
}

/// Neural-voice failures since start, and whether the last synthesis recovered; `/health` reports them.
public final class FallbackRecord: Sendable {
    public struct State: Sendable {
        public var count = 0
        public var lastError: String?
        public var degraded = false
    }

    private let state = Mutex(State())

    public var current: State { state.withLock { $0 } }

    func failed(voice: String, error: String) {
        state.withLock {
            $0.count += 1
            $0.lastError = "\(voice): \(error)"
            $0.degraded = true
        }
    }

    func recovered() { state.withLock { $0.degraded = false } }
}

/// In one process, the gateway calls the speaker directly.
extension Speaker: SpeechSynthesisClient {
    public func speak(text: String, voice: String?) async throws -> SpeakResult {
        try await speak(SpeakRequest(text: text, voice: voice)).result()
    }

    public func speakStreaming(text: String, voice: String?) async throws -> AsyncThrowingStream<SpeechEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream<SpeechEvent, any Error>.makeStream()
        let task = Task {
            do {
                let audio = try await speak(SpeakRequest(text: text, voice: voice)) { pcm, rate in
                    continuation.yield(.audio(pcm: pcm, sampleRate: rate))
                }
                continuation.yield(.done(audio.result()))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return events
    }
}

extension Speaker {
    /// The TTS service as configured: the Piper voice when its model and ONNX Runtime are present (espeak-ng
    /// otherwise, with a warning), writing into the shared audio folder.
    public static func live(settings: Settings) throws -> Speaker {
        let store = AudioStore(directory: settings.audioDirectory, maxAge: settings.audioMaxAge,
                               byteBudget: settings.audioByteBudget)
        let synthesizer = try EspeakSynthesizer.shared.get()
        var neural: [any NeuralSpeaking] = []
        var problem: String?
        let models = ModelStore(directory: settings.modelsDirectory)
        do {
            let runtime = try OnnxRuntime.load(library: try models.require(ModelCatalog.onnxRuntime))
            neural.append(try NeuralVoice(model: try models.require(ModelCatalog.piperJoe), runtime: runtime,
                                          phonemizer: synthesizer, threads: settings.threads))
        } catch {
            problem = "\(error)"
            Logger(label: "tts").warning("neural voice unavailable; espeak-ng speaks", metadata: ["error": "\(error)"])
        }
        var speaker = Speaker(synthesizer: synthesizer, neuralVoices: neural, defaultVoice: settings.ttsVoice,
                              store: store, maxCharacters: settings.ttsMaxCharacters)
        speaker.neuralVoiceProblem = problem
        _ = try speaker.resolveVoice(nil)  // a misspelt VOICE_TTS_VOICE fails at start, not on the first answer
        return speaker
    }
}
