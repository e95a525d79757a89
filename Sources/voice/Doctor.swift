import ArgumentParser
import Foundation
import Gateway
import LlamaEngine
import Models
import TextToSpeech
import VoiceCore
import WhisperEngine

struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print engine versions, models, CPU features and the memory the loaded stack holds.")

    @Flag(help: "Skip loading the stack to measure its memory.")
    var noLoad = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try global.settings()
        let versions = LlamaBackend.versions
        print("engines")
        print("  llama.cpp  \(versions.llama)")
        print("  whisper.cpp \(WhisperModel.version)")
        print("  ggml       \(versions.ggml) (shared)")
        print("  espeak-ng  (Debian libespeak-ng1, GPL-3.0-or-later)")
        print("models (\(settings.modelsDirectory.path))")
        let store = ModelStore(directory: settings.modelsDirectory)
        for spec in ModelCatalog.all {
            let size = store.size(of: spec).map { String(format: "%.1f MB", Double($0) / 1e6) }
            let absent = spec.isDefault ? "missing  (run `voice models`)" : "optional (`voice models --only \(spec.id)`)"
            let state = size.map { "present  \($0)" } ?? absent
            print("  \(spec.id.padding(toLength: 16, withPad: " ", startingAt: 0)) \(state)  \(store.url(for: spec).path)")
            print("  \("".padding(toLength: 16, withPad: " ", startingAt: 0)) licence: \(spec.license)")
        }
        print("cpu")
        print("  \(LlamaBackend.systemInfo)")
        guard !noLoad else { return }
        do {
            try await printMemory(settings: settings)
        } catch {
            // A diagnostic still reports what it can: the image check runs it without models.
            print("memory\n  not measured: \(error)")
        }
    }

    /// Resident memory once every box has loaded and answered one spoken question through the model, so that
    /// compute buffers allocated on first use are counted.
    func printMemory(settings: Settings) async throws {
        let logger = global.bootstrap()
        let stack = try await LiveStack.load(settings: settings, logger: logger)
        var pipeline = stack.gateway.pipeline
        pipeline.policy.mode = .generate
        let question = try await stack.speaker.speak(SpeakRequest(text: "How long does the ferry crossing take?"), persist: false)
        _ = try await pipeline.answer(audio: question.wav, contentType: "audio/wav", language: nil)
        let megabytes = ResidentMemory.bytes().map { String(format: "%.0f MB", Double($0) / 1e6) } ?? "unknown (no /proc)"
        print("memory")
        print("  resident, whole stack loaded and warm: \(megabytes) (goal ≤ 1 GB)")
    }
}
