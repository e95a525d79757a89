public import Foundation
public import WhisperEngine

/// Turns 16 kHz mono samples into text with one whisper state. Blocking: callers run it on a dedicated thread.
public final class Transcriber: @unchecked Sendable {
    public let model: WhisperModel
    private let state: WhisperState
    private let threads: Int

    public init(modelPath: URL, threads: Int) throws(WhisperError) {
        model = try WhisperModel(path: modelPath.path, threads: threads)
        state = try WhisperState(model: model)
        self.threads = threads
    }

    public func transcribe(_ samples: [Float], language: String? = "en", prompt: String? = nil) throws(WhisperError) -> WhisperTranscript {
        let options = WhisperOptions(language: model.isMultilingual ? language : "en", prompt: prompt, threads: threads)
        return try state.transcribe(samples, options: options)
    }
}
