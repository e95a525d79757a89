import ArgumentParser
import AsyncHTTPClient
import Gateway
import Generation
import Hummingbird
import Logging
import ServiceLifecycle
import Retrieval
import SpeechToText
import TextToSpeech
import VoiceCore

/// The seed's boxes, each on its own default port.
enum ServiceName: String, ExpressibleByArgument, CaseIterable {
    case gateway
    case stt
    case rag
    case llm
    case tts

    var defaultPort: Int {
        switch self {
        case .gateway: 9000
        case .stt: 8001
        case .rag: 8002
        case .llm: 8003
        case .tts: 8004
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one service as its own process (the deployed layout).")

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
        let router: Router<VoiceRequestContext>
        var services: [any Service] = []
        var http: HTTPClient?
        switch service {
        case .gateway:
            try checkSecurityPosture(settings, logger: logger)
            let client = HTTPClient.makeGatewayClient()
            http = client
            router = makeGatewayRouter(controller: .deployed(settings: settings, http: client), settings: settings,
                                       audioDirectory: settings.audioDirectory, http: client)
        case .stt:
            router = makeServiceRouter()
            let recognizer = try SpeechRecognizer.live(settings: settings, logger: logger)
            TranscriptionController(recognizer: recognizer, maxBytes: settings.sttMaxBytes).addRoutes(to: router)
        case .llm:
            router = makeServiceRouter()
            GenerationController(responder: try await Responder.live(settings: settings, logger: logger)).addRoutes(to: router)
        case .rag:
            router = makeServiceRouter()
            RetrievalController(knowledge: try await KnowledgeBase.live(settings: settings, logger: logger), settings: settings)
                .addRoutes(to: router)
        case .tts:
            router = makeServiceRouter()
            let speaker = try Speaker.live(settings: settings)
            SpeechController(speaker: speaker).addRoutes(to: router)
            services.append(AudioRetentionService(store: speaker.store, logger: logger))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host ?? settings.host, port: port ?? service.defaultPort),
                                 serverName: "voice-\(service.rawValue)"),
            services: services, logger: logger)
        try await app.runService()
        try await http?.shutdown()
    }
}
