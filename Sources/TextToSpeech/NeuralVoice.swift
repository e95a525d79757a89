import Dispatch
public import EspeakEngine
public import Foundation
public import OnnxEngine
public import PiperEngine

/// A neural voice as the speaker uses it; tests put a fault-injecting wrapper around the real one.
public protocol NeuralSpeaking: Sendable {
    /// The voice's name as its files are named ("en_US-joe-medium").
    var id: String { get }
    /// The short name people ask for ("joe").
    var name: String { get }
    /// The espeak-ng language its phonemes come from ("en-us").
    var language: String { get }
    var sampleRate: Int { get }
    /// Synthesises `text` chunk by chunk; `speed` 1 is the voice's own pace. `soon`: a listener plays the samples
    /// as they come, so each chunk is sent in pieces, the first as soon as it exists; otherwise each chunk is one
    /// piece, which costs less.
    func synthesize(_ text: String, speed: Float, soon: Bool) -> AsyncThrowingStream<VoicePiece, any Error>
}

/// Samples of one text chunk (``SpeechChunks``), as soon as they are made.
public struct VoicePiece: Sendable {
    public var samples: [Int16]
    /// Whether these are the chunk's last samples: a voice that fails after them has spoken the chunk whole.
    public var endsChunk: Bool
}

/// A Piper voice ready to speak: espeak-ng turns each phrase into IPA phonemes (what Piper's voices are trained
/// on), then the ONNX model speaks one chunk at a time on a queue of its own, so syntheses never share cores. A
/// chunk's latent frames are made at once and decoded a window at a time, each window sent as it is made.
public final class NeuralVoice: NeuralSpeaking {
    public let id: String
    public let voice: PiperVoice
    private let phonemizer: EspeakSynthesizer
    private let queue = DispatchQueue(label: "piper")

    public init(model: URL, runtime: OnnxRuntime, phonemizer: EspeakSynthesizer, threads: Int) throws(OnnxError) {
        id = model.deletingPathExtension().lastPathComponent
        voice = try PiperVoice(model: model, runtime: runtime, threads: threads)
        self.phonemizer = phonemizer
    }

    public var sampleRate: Int { voice.sampleRate }
    public var language: String { voice.config.espeak.voice }
    public var name: String { voice.config.dataset ?? id }

    public func synthesize(_ text: String, speed: Float, soon: Bool) -> AsyncThrowingStream<VoicePiece, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for chunk in SpeechChunks.chunks(text) {
                        try Task.checkCancellation()
                        let phonemes = try await phonemes(of: chunk)
                        let latent = try await onQueue { voice in
                            try voice.latent(phonemes: phonemes, lengthScale: voice.config.inference.length_scale / speed)
                        }
                        // A window's margin is decoded twice: worth it only where the first sound is waited for.
                        let windows = soon ? PiperVoice.windows(frames: latent.frames) : [0..<latent.frames]
                        for (index, window) in windows.enumerated() {
                            try Task.checkCancellation()
                            let samples = try await onQueue { voice in try voice.decode(latent, frames: window) }
                            continuation.yield(VoicePiece(samples: samples, endsChunk: index == windows.count - 1))
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Piper keeps each phrase's punctuation as a phoneme (it shapes the intonation) and a space after a pause
    /// inside the sentence.
    func phonemes(of chunk: [SpeechChunks.Phrase]) async throws -> String {
        let spoken = try await phonemizer.phonemes(chunk.map(\.text), voice: language)
        return zip(spoken, chunk).map { phonemes, phrase in
            // espeak marks words of another language with "(fr)"…"(en)"; Piper drops the marks.
            let plain = Self.stressingTeens(phonemes.replacingOccurrences(of: #"\([^)]+\)"#, with: "", options: .regularExpression))
            return plain + String(phrase.terminator) + (SpeechChunks.sentenceEnds.contains(phrase.terminator) ? "" : " ")
        }.joined()
    }

    /// espeak-ng stresses a teen on its first syllable ("ˈeɪtiːn"), as English does before a noun, but then a
    /// listener hears "fourteen days" as "forty days"; a careful speaker says "four-TEEN", so the voice does too.
    static func stressingTeens(_ phonemes: String) -> String {
        phonemes.replacingOccurrences(of: #"([θfsn]?)ˈ(ɜː|oːɹ|ɪf|ɪks|ɛvən|eɪ|aɪn)tˌ?iːn"#, with: "$1ˌ$2tˈiːn",
                                      options: .regularExpression)
    }

    private func onQueue<Result: Sendable>(_ work: @escaping @Sendable (PiperVoice) throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [voice] in
                do {
                    continuation.resume(returning: try work(voice))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
