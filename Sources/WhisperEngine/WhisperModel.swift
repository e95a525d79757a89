internal import CWhisper
import Foundation

/// Loaded whisper.cpp weights. The weights are read-only after loading, so one model is shared by
/// many ``WhisperState``s, each of which is used by one caller at a time.
public final class WhisperModel: @unchecked Sendable {
    let context: OpaquePointer
    public let path: String

    public init(path: String, threads: Int = 2) throws(WhisperError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .modelMissing(path) }
        WhisperLog.silenceUnlessRequested()
        var params = whisper_context_default_params()
        params.use_gpu = false
        params.flash_attn = true
        guard let context = whisper_init_from_file_with_params_no_state(path, params) else {
            throw .modelLoadFailed(path)
        }
        self.context = context
        self.path = path
    }

    deinit { whisper_free(context) }

    /// True for multilingual models (base), false for English-only ones (tiny.en).
    public var isMultilingual: Bool { whisper_is_multilingual(context) != 0 }

    /// whisper.cpp's name for the model size, such as "tiny" or "base".
    public var typeName: String { String(cString: whisper_model_type_readable(context)) }

    /// The encoder's full context in frames: 1500 for 30 s of audio, 50 per second.
    public var maxAudioContext: Int { Int(whisper_model_n_audio_ctx(context)) }

    /// whisper.cpp's version string.
    public static var version: String { String(cString: whisper_version()) }

    /// Whether `code` is a language whisper knows ("en", "de", ...).
    public static func isKnownLanguage(_ code: String) -> Bool { whisper_lang_id(code) >= 0 }
}

enum WhisperLog {
    /// whisper.cpp logs every load step to stderr; keep the server's output readable unless asked.
    static func silenceUnlessRequested() {
        guard ProcessInfo.processInfo.environment["VOICE_ENGINE_LOG"] == nil else { return }
        whisper_log_set({ _, _, _ in }, nil)
    }
}
