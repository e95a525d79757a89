import ArgumentParser
import Foundation
import Logging
import VoiceCore

/// Options every subcommand shares; each overrides the matching `VOICE_*` variable.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Folder of converted models (VOICE_MODELS_DIR).")
    var modelsDir: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Flag(help: "Log JSON lines (for Loki) instead of plain text.")
    var jsonLogs = false

    func settings() throws -> Settings {
        var settings = try Settings()
        if let modelsDir { settings.modelsDirectory = URL(fileURLWithPath: modelsDir).standardizedFileURL }
        return settings
    }

    func bootstrap() -> Logger {
        Observability.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info, json: jsonLogs)
        return Logger(label: "voice")
    }
}
