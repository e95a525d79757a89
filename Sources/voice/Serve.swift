import ArgumentParser
import Hummingbird
import Logging
import ServiceLifecycle
import EspeakEngine
import Retrieval
import TextToSpeech
import VoiceCore

/// The seed's boxes, each on its own default port.
enum ServiceName: String, ExpressibleByArgument, CaseIterable {
    case rag
    case tts

    var defaultPort: Int {
        switch self {
        case .rag: 8002
        case .tts: 8004
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one service as its own process.")

    @Argument(help: "The service: \(ServiceName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var service: ServiceName

    @Option(help: "Port to listen on (default: the seed's port for the service).")
    var port: Int?

    @Option(help: "Interface to bind (VOICE_HOST, default 127.0.0.1).")
    var host: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrap()
        let settings = try global.settings()
        let router = makeServiceRouter()
        var services: [any Service] = []
        switch service {
        case .rag:
            RetrievalController(knowledge: try await KnowledgeBase.live(settings: settings, logger: logger)).addRoutes(to: router)
        case .tts:
            let store = AudioStore(directory: settings.audioDirectory, maxAge: settings.audioMaxAge,
                                   byteBudget: settings.audioByteBudget)
            let speaker = Speaker(synthesizer: try EspeakSynthesizer.shared.get(), store: store,
                                  maxCharacters: settings.ttsMaxCharacters)
            SpeechController(speaker: speaker).addRoutes(to: router)
            services.append(AudioRetentionService(store: store, logger: logger))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host ?? settings.host, port: port ?? service.defaultPort),
                                 serverName: "voice-\(service.rawValue)"),
            services: services, logger: logger)
        try await app.runService()
    }
}
