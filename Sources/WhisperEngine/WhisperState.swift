internal import CWhisper
import Foundation

/// Decoding options passed straight to whisper.cpp.
public struct WhisperOptions: Sendable {
    /// A language code, or nil to let a multilingual model detect it.
    public var language: String?
    /// An initial prompt: names and terms the speaker is likely to use.
    public var prompt: String?
    public var threads: Int
    /// Encoder frames to compute (50 per second of audio); 0 means the full 30 s window.
    public var audioContext: Int
    /// Greedy decoding with no temperature fallback: a retry loop would multiply latency on short questions.
    public var temperatureFallback: Bool
    /// Decode the whole clip as one segment without timestamp tokens: what a short question needs.
    public var singleSegment: Bool
    /// A cap on tokens per segment (0 = none): stops a decoder that starts repeating itself.
    public var maxTokens: Int
    /// Beams searched at each token; 1 is greedy decoding.
    public var beamSize: Int
    /// Polled by whisper.cpp between compute steps; returning true stops the call.
    public var shouldAbort: (@Sendable () -> Bool)?

    public init(language: String? = "en", prompt: String? = nil, threads: Int = 2, audioContext: Int = 0,
                temperatureFallback: Bool = false, singleSegment: Bool = false, maxTokens: Int = 0,
                beamSize: Int = 1, shouldAbort: (@Sendable () -> Bool)? = nil) {
        self.language = language
        self.prompt = prompt
        self.threads = threads
        self.audioContext = audioContext
        self.temperatureFallback = temperatureFallback
        self.singleSegment = singleSegment
        self.maxTokens = maxTokens
        self.beamSize = beamSize
        self.shouldAbort = shouldAbort
    }
}

/// One recognised stretch of speech, with times in seconds.
public struct WhisperSegment: Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var text: String
}

/// The result of one `transcribe` call.
public struct WhisperTranscript: Sendable {
    public var segments: [WhisperSegment]
    /// The language whisper decoded in (detected when none was given).
    public var language: String
    public var text: String { segments.map(\.text).joined().trimmingCharacters(in: .whitespaces) }

    public init(segments: [WhisperSegment], language: String) {
        self.segments = segments
        self.language = language
    }
}

/// A whisper.cpp decoding state: the scratch memory of one transcription at a time.
/// Not thread-safe; a pool hands each state to one caller at a time.
public final class WhisperState: @unchecked Sendable {
    public let model: WhisperModel
    private let state: OpaquePointer

    public init(model: WhisperModel) throws(WhisperError) {
        guard let state = whisper_init_state(model.context) else { throw .stateAllocationFailed }
        self.model = model
        self.state = state
    }

    deinit { whisper_free_state(state) }

    /// Transcribes 16 kHz mono float samples. Blocks for the whole inference: call it from a dedicated thread.
    public func transcribe(_ samples: [Float], options: WhisperOptions) throws(WhisperError) -> WhisperTranscript {
        var params = whisper_full_default_params(options.beamSize > 1 ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY)
        params.beam_search.beam_size = Int32(options.beamSize)
        params.n_threads = Int32(options.threads)
        params.print_progress = false
        params.print_realtime = false
        params.print_timestamps = false
        params.print_special = false
        params.no_context = true
        params.audio_ctx = Int32(options.audioContext)
        params.greedy.best_of = 1
        params.single_segment = options.singleSegment
        params.no_timestamps = options.singleSegment
        params.max_tokens = Int32(options.maxTokens)
        if !options.temperatureFallback { params.temperature_inc = 0 }
        // whisper.cpp calls back with this box as user data; it lives until whisper_full returns.
        let abortBox = options.shouldAbort.map { AbortBox($0) }
        if let abortBox {
            params.abort_callback = { userData in
                Unmanaged<AbortBox>.fromOpaque(userData!).takeUnretainedValue().check()
            }
            params.abort_callback_user_data = Unmanaged.passUnretained(abortBox).toOpaque()
        }

        let status: Int32 = (options.language ?? "auto").withCString { language in
            params.language = language
            params.detect_language = false
            return withOptionalCString(options.prompt) { prompt in
                params.initial_prompt = prompt
                return samples.withUnsafeBufferPointer { buffer in
                    whisper_full_with_state(model.context, state, params, buffer.baseAddress, Int32(buffer.count))
                }
            }
        }
        withExtendedLifetime(abortBox) {}
        if options.shouldAbort?() == true { throw .cancelled }
        guard status == 0 else { throw .inferenceFailed(status) }

        let count = whisper_full_n_segments_from_state(state)
        let segments = (0..<count).map { index in
            WhisperSegment(
                start: Double(whisper_full_get_segment_t0_from_state(state, index)) / 100,
                end: Double(whisper_full_get_segment_t1_from_state(state, index)) / 100,
                text: String(cString: whisper_full_get_segment_text_from_state(state, index)))
        }
        let language = String(cString: whisper_lang_str(whisper_full_lang_id_from_state(state)))
        return WhisperTranscript(segments: segments, language: language)
    }
}

private final class AbortBox {
    let check: @Sendable () -> Bool
    init(_ check: @escaping @Sendable () -> Bool) { self.check = check }
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
