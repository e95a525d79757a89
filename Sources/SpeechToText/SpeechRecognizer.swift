public import Foundation
import Dispatch
import Metrics
public import Synchronization
public import VoiceCore
import WhisperEngine

/// The STT box: decodes an upload, picks the model, and transcribes on a bounded pool of whisper states.
public struct SpeechRecognizer: SpeechToTextClient {
    public struct Limits: Sendable {
        public var maxDuration: Double = 60
        public var timeout: Duration = .seconds(30)
        public var queue: Int = 8
        public init(maxDuration: Double = 60, timeout: Duration = .seconds(30), queue: Int = 8) {
            self.maxDuration = maxDuration
            self.timeout = timeout
            self.queue = queue
        }
    }

    /// Model names as the API spells them, mapped to their files.
    private let files: [String: URL]
    /// Loaded pools. Only the default model loads at start: another (base: about 210 MB resident with its state)
    /// loads on its first request, so a stack that never uses it does not hold it.
    private let pools = LoadedPools()
    private let workersPerModel: Int
    public let defaultModel: String
    public let limits: Limits
    private let threads: Int
    /// Beams searched at each token unless a request says otherwise (docs/decisions.md, 61).
    public let beamSize: Int

    /// - Parameter models: API model name ("tiny.en", "base") → converted model file. Missing files are skipped,
    ///   but the default must load.
    public init(models: [String: URL], defaultModel: String, workersPerModel: Int, threads: Int, beamSize: Int = 1,
                limits: Limits) throws {
        files = models.filter { FileManager.default.fileExists(atPath: $0.value.path) || $0.key == defaultModel }
        self.workersPerModel = max(1, workersPerModel)
        self.defaultModel = defaultModel
        self.limits = limits
        self.threads = threads
        self.beamSize = beamSize
        _ = try pool(named: defaultModel)
    }

    public var availableModels: [String] { files.keys.sorted() }

    /// Shared by the struct's copies, so a model loads once per recognizer.
    private final class LoadedPools: Sendable {
        let loaded = Mutex<[String: WorkerPool<WhisperState>]>([:])
    }

    /// The model's pool, loaded on first use. Loading holds the lock, so concurrent first requests load it once.
    private func pool(named name: String) throws -> WorkerPool<WhisperState>? {
        try pools.loaded.withLock { pools in
            if let pool = pools[name] { return pool }
            guard let url = files[name] else { return nil }
            let model = try WhisperModel(path: url.path)
            let states = try (0..<workersPerModel).map { _ in try WhisperState(model: model) }
            let pool = WorkerPool(name: "stt", workers: states, maxQueue: limits.queue)
            pools[name] = pool
            return pool
        }
    }

    /// Transcriptions whose shortened encoder window looped and were run again on the full window, since start:
    /// each costs a second encoder pass (`voice bench stt` reports them; `voice_stt_full_window_retries_total`).
    public static let fullWindowRetries = Atomic<Int>(0)

    public func queueDepth() async -> Int {
        var depth = 0
        for pool in pools.loaded.withLock({ Array($0.values) }) { depth += await pool.queueDepth }
        return depth
    }

    public func transcribe(audio: Data, contentType: String?, options: TranscribeOptions) async throws -> TranscribeResult {
        let started = ContinuousClock.now
        let name = Self.canonicalModel(options.model) ?? defaultModel
        guard let pool = try pool(named: name) else {
            throw APIError.badRequest("unknown_model", "model '\(options.model ?? "")' is not available; available: \(availableModels.joined(separator: ", "))")
        }
        let language = try Self.language(options.language, model: name)
        let beamSize = options.beam_size ?? beamSize
        let sizes = TranscribeOptions.beamSizes
        guard sizes.contains(beamSize) else {
            throw APIError.badRequest("invalid_beam_size", "beam_size must be \(sizes.lowerBound)–\(sizes.upperBound)")
        }
        let maxDuration = limits.maxDuration
        let decoded = try await offPool { () throws(AudioError) in try AudioDecoder.decode(audio, maxDuration: maxDuration) }
        let samples = decoded.samples

        var transcript = WhisperTranscript(segments: [], language: language ?? "en")
        if !Self.isSilent(samples) {
            let policy = AudioContextPolicy(duration: decoded.duration)
            let prompt = options.prompt
            let threads = threads
            transcript = try await pool.run(timeout: limits.timeout) { state, abort in
                var whisperOptions = policy.options(language: state.model.isMultilingual ? language : "en",
                                                    prompt: prompt, threads: threads, beamSize: beamSize)
                whisperOptions.shouldAbort = { abort.isSet }
                var result = try state.transcribe(samples, options: whisperOptions)
                // A shortened encoder window can send the decoder into a loop; the full window does not.
                if policy.isShortened, policy.looksRunaway(result.text) {
                    Self.fullWindowRetries.add(1, ordering: .relaxed)
                    Counter(label: "voice_stt_full_window_retries_total").increment()
                    whisperOptions = AudioContextPolicy.full.options(language: whisperOptions.language, prompt: prompt, threads: threads,
                                                                     beamSize: beamSize)
                    whisperOptions.shouldAbort = { abort.isSet }
                    result = try state.transcribe(samples, options: whisperOptions)
                }
                return result
            }
        }
        let duration = (decoded.duration * 1000).rounded() / 1000
        let segments = transcript.segments.compactMap { segment -> TranscriptSegment? in
            let text = Self.clean(segment.text)
            // A window cut to the audio can leave whisper.cpp's segment start undefined (once -1007 s); a segment
            // lies inside the recording.
            let end = max(0, min((segment.end * 1000).rounded() / 1000, duration))
            return text.isEmpty ? nil : TranscriptSegment(start: max(0, min((segment.start * 1000).rounded() / 1000, end)),
                                                          end: end, text: text)
        }
        return TranscribeResult(
            text: segments.map { $0.text }.joined(separator: " "), language: transcript.language,
            duration_s: duration, segments: segments, model: name,
            processing_ms: ((ContinuousClock.now - started).fractionalMilliseconds * 10).rounded() / 10)
    }

    /// "whisper-1" (OpenAI's name) and our catalog ids map to the API names.
    static func canonicalModel(_ requested: String?) -> String? {
        switch requested?.lowercased() {
        case nil, "", "whisper-1", "default": nil
        case "tiny.en", "tiny", "whisper-tiny.en": "tiny.en"
        case "base", "whisper-base": "base"
        case let other?: other
        }
    }

    static func language(_ requested: String?, model: String) throws -> String? {
        let code = requested?.lowercased() ?? "auto"
        if code == "auto" || code.isEmpty { return model.hasSuffix(".en") ? "en" : nil }
        guard WhisperModel.isKnownLanguage(code) else {
            throw APIError.badRequest("unknown_language", "unknown language '\(code)'")
        }
        guard code == "en" || !model.hasSuffix(".en") else {
            throw APIError.badRequest("unsupported_language", "model \(model) only transcribes English; use model base")
        }
        return code
    }

    /// Silence gets an empty transcript instead of Whisper's habit of hallucinating "you" or "Thank you.".
    static func isSilent(_ samples: [Float]) -> Bool {
        guard !samples.isEmpty else { return true }
        var peak: Float = 0
        for sample in samples { peak = max(peak, abs(sample)) }
        return peak < 0.01
    }

    /// Drops Whisper's non-speech annotations such as "[BLANK_AUDIO]" or "(silence)".
    static func clean(_ text: String) -> String {
        text.replacingOccurrences(of: #"\[[^\]]*\]|\([^)]*\)"#, with: "", options: .regularExpression)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Whisper's encoder always computes a 30 s window; for a 3 s question that is 10× the work. Encoding only the
/// frames that hold audio, plus padding, is what makes short questions fast. Measured on jfk.wav and spoken
/// questions (docs/decisions.md): 128 frames of padding keeps every word; 0–32 made the decoder repeat itself, and
/// a window under ``minimumContext`` does too.
struct AudioContextPolicy {
    static let framesPerSecond = 50.0
    static let padding = 128
    /// Windows are whole multiples of 256 frames. With flash attention whisper.cpp's decoder reads the encoder's
    /// output padded to 256 rows without a mask, and the padding rows hold whatever an earlier, longer recording
    /// left there: with a 64-frame step the same audio gave other words after another user's recording.
    static let step = 256
    /// The fewest encoder frames: below this the decoder loops on short questions and the full window runs a
    /// second time. `voice bench stt` (45 recordings of 0.8–11 s, five voices, three sample rates): a window
    /// sized by length alone (step 64) ran the full window again for 17 of 90 transcriptions, p90 648 ms; 256
    /// frames for 20 of 180; 512 for none, p90 246 ms, and the fewest wrong words (0.116). A clip padded to 3 s
    /// gets the same window, so no short clip is slower than it padded.
    static let minimumContext = 512
    /// Past this length the full window and ordinary segmentation are used.
    static let maxShortened = 25.0
    static let full = AudioContextPolicy(audioContext: 0, maxTokens: 0, duration: 30)

    let audioContext: Int
    let maxTokens: Int
    let duration: Double

    init(audioContext: Int, maxTokens: Int, duration: Double) {
        self.audioContext = audioContext
        self.maxTokens = maxTokens
        self.duration = duration
    }

    init(duration: Double) {
        guard duration <= Self.maxShortened else {
            self = .full
            return
        }
        let frames = max(Self.minimumContext, Int((duration * Self.framesPerSecond).rounded(.up)) + Self.padding)
        self.init(audioContext: min(1500, (frames + Self.step - 1) / Self.step * Self.step), maxTokens: Int(duration * 8) + 24,
                  duration: duration)
    }

    var isShortened: Bool { audioContext > 0 }

    func options(language: String?, prompt: String?, threads: Int, beamSize: Int) -> WhisperOptions {
        WhisperOptions(language: language, prompt: prompt, threads: threads, audioContext: audioContext,
                       singleSegment: isShortened, maxTokens: maxTokens, beamSize: beamSize)
    }

    /// People say at most about five words a second; far more means the decoder looped.
    func looksRunaway(_ text: String) -> Bool {
        let words = text.split(whereSeparator: \.isWhitespace).count
        return Double(words) > duration * 5 + 8
    }
}

/// Runs blocking work (ffmpeg, resampling) on a global queue instead of Swift's cooperative pool.
func offPool<R: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> R) async throws -> R {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
        }
    }
}
