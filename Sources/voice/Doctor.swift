import ArgumentParser
import Foundation
import LlamaEngine
import Models
import VoiceCore
import WhisperEngine

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print engine versions, models and CPU features.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let settings = try global.settings()
        let versions = LlamaBackend.versions
        print("engines")
        print("  llama.cpp  \(versions.llama)")
        print("  whisper.cpp \(WhisperModel.version)")
        print("  ggml       \(versions.ggml) (shared)")
        print("models (\(settings.modelsDirectory.path))")
        let store = ModelStore(directory: settings.modelsDirectory)
        for spec in ModelCatalog.all {
            let size = store.size(of: spec).map { String(format: "%.1f MB", Double($0) / 1e6) }
            let state = size.map { "present  \($0)" } ?? "missing  (run `voice models`)"
            print("  \(spec.id.padding(toLength: 16, withPad: " ", startingAt: 0)) \(state)  \(store.url(for: spec).path)")
        }
        print("cpu")
        print("  \(LlamaBackend.systemInfo)")
    }
}
