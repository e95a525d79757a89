import Gateway
import Generation
import Logging
import Retrieval
import SpeechToText
import TextToSpeech
import VoiceCore

/// The four services built in this process, and the gateway orchestration over them: what `voice up`,
/// `voice ask` and `voice bench e2e` share.
struct LiveStack {
    let recognizer: SpeechRecognizer
    let knowledge: KnowledgeBase
    let responder: Responder
    let speaker: Speaker
    let gateway: GatewayController

    static func load(settings: Settings, logger: Logger) async throws -> LiveStack {
        async let knowledge = KnowledgeBase.live(settings: settings, logger: logger)
        async let responder = Responder.live(settings: settings, logger: logger)
        let recognizer = try SpeechRecognizer.live(settings: settings, logger: logger)
        let speaker = try Speaker.live(settings: settings)
        let (rag, llm) = try await (knowledge, responder)
        let gateway = GatewayController.inProcess(settings: settings, speechToText: recognizer, retrieval: rag, generation: llm,
                                                  synthesis: speaker)
        return LiveStack(recognizer: recognizer, knowledge: rag, responder: llm, speaker: speaker, gateway: gateway)
    }
}
