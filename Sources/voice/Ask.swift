import ArgumentParser
import Foundation
import Gateway
import TextToSpeech
import VoiceCore

/// One spoken question through the whole pipeline in this process, printed for a person to read.
struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer a recorded question: prints the transcript, answer, sources and timings, saves the answer audio.")

    @Argument(help: "A recording (WAV, WebM, Ogg, MP3, FLAC, M4A).")
    var file: String

    @Option(help: "Where to save the spoken answer.")
    var output = "answer.wav"

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrap()
        let settings = try global.settings()
        let audio = try Data(contentsOf: URL(fileURLWithPath: file))
        let stack = try await LiveStack.load(settings: settings, logger: logger)
        let answer = try await stack.gateway.pipeline.answer(audio: audio, contentType: nil, language: nil)
        print("transcript: \(answer.transcript)")
        print("answer:     \(answer.response_text)")
        for source in answer.sources {
            print(String(format: "source:     %.3f  %@ — %@", source.score, source.source, String(source.text.prefix(90))))
        }
        let t = answer.timings
        print(String(format: "timings:    stt %.0f ms, retrieve %.0f ms, llm %.0f ms, tts %.0f ms, total %.0f ms",
                     t.stt_ms, t.retrieve_ms, t.llm_ms, t.tts_ms, t.total_ms))
        let name = String(answer.audio_url.split(separator: "/").last ?? "")
        guard let stored = stack.speaker.store.file(named: name) else { throw ValidationError("the answer audio was not stored") }
        let destination = URL(fileURLWithPath: output)
        try? FileManager.default.removeItem(at: destination)
        try FileManager.default.copyItem(at: stored, to: destination)
        print("audio:      \(destination.path)")
    }
}
