import ArgumentParser
import Gateway
import Generation
import Hummingbird
import Logging
import Retrieval
import ServiceLifecycle
import SpeechToText
import TextToSpeech
import UnixSignals
import VoiceCore

/// The embedded default: all five services in one process on the seed's ports, the gateway calling the other
/// four directly, plus the web demo.
struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the whole assistant in one process (gateway, STT, RAG, LLM, TTS).")

    @Option(help: "Gateway port (the web demo is served here).") var port = 9000
    @Option(help: "STT port.") var sttPort = 8001
    @Option(help: "RAG port.") var ragPort = 8002
    @Option(help: "LLM port.") var llmPort = 8003
    @Option(help: "TTS port.") var ttsPort = 8004
    @Option(help: "Interface to bind (VOICE_HOST, default 127.0.0.1).") var host: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrap()
        let settings = try global.settings()
        try checkSecurityPosture(settings, logger: logger)
        let host = host ?? settings.host

        let stack = try await LiveStack.load(settings: settings, logger: logger)

        func app(_ name: String, _ port: Int, _ router: Router<VoiceRequestContext>,
                 onRunning: @escaping @Sendable () async -> Void = {}) -> some Service {
            Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "voice-\(name)"),
                        onServerRunning: { _ in await onRunning() }, logger: logger)
        }
        let sttRouter = makeServiceRouter()
        TranscriptionController(recognizer: stack.recognizer, maxBytes: settings.sttMaxBytes).addRoutes(to: sttRouter)
        let ragRouter = makeServiceRouter()
        RetrievalController(knowledge: stack.knowledge, settings: settings).addRoutes(to: ragRouter)
        let llmRouter = makeServiceRouter()
        GenerationController(responder: stack.responder).addRoutes(to: llmRouter)
        let ttsRouter = makeServiceRouter()
        SpeechController(speaker: stack.speaker).addRoutes(to: ttsRouter)
        let loopback = host == "0.0.0.0" ? "127.0.0.1" : host
        let gatewayRouter = makeGatewayRouter(controller: stack.gateway, settings: settings,
                                              audioDirectory: stack.speaker.store.directory, knowledgeURL: "http://\(loopback):\(ragPort)")
        let url = "http://\(loopback):\(port)/"

        let services: [any Service] = [
            app("stt", sttPort, sttRouter), app("rag", ragPort, ragRouter), app("llm", llmPort, llmRouter),
            app("tts", ttsPort, ttsRouter),
            app("gateway", port, gatewayRouter) {
                logger.notice("voice is up: open \(url) (gateway \(port), stt \(sttPort), rag \(ragPort), llm \(llmPort), tts \(ttsPort))")
                print("voice is up: open \(url) in your browser (Ctrl-C stops it)")
            },
            AudioRetentionService(store: stack.speaker.store, logger: logger),
        ]
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) },
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
