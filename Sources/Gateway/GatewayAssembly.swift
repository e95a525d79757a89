public import AsyncHTTPClient
import TextToSpeech
public import Logging
public import VoiceCore

extension GatewayController {
    /// The deployed layout: each stage is a service reached over HTTP at its configured URL.
    public static func deployed(settings: Settings, http: HTTPClient) -> GatewayController {
        func remote(_ stage: VoicePipeline.Stage) -> RemoteService {
            var service = RemoteService(stage: stage, baseURL: settings.serviceURLs[stage.rawValue] ?? "", http: http)
            // Only the knowledge service asks for it (its question log); the others need not see it.
            if stage == .rag { service.bearer = settings.adminToken }
            return service
        }
        let timeouts = stageTimeouts(settings)
        func timeout(_ stage: VoicePipeline.Stage) -> Duration { timeouts[stage] ?? .seconds(30) }
        var pipeline = VoicePipeline(
            speechToText: RemoteSpeechToText(service: remote(.stt), timeout: timeout(.stt)),
            retrieval: RemoteRetrieval(service: remote(.rag), timeout: timeout(.rag)),
            generation: RemoteGeneration(service: remote(.llm), timeout: timeout(.llm)),
            synthesis: RemoteSynthesis(service: remote(.tts), timeout: timeout(.tts)),
            timeouts: timeouts, audioRetention: settings.audioMaxAge, sttPrompt: settings.sttPrompt,
            answerMode: settings.answerMode)
        pipeline.audioStore = AudioStore(directory: settings.audioDirectory)
        pipeline.admission = Admission(maxWait: settings.maxWait)
        var checks: [VoicePipeline.Stage: HealthCheck] = [:]
        for stage in VoicePipeline.Stage.allCases {
            let service = remote(stage)
            checks[stage] = { await service.health() }
        }
        var controller = GatewayController(pipeline: pipeline, healthChecks: checks, maxUploadBytes: settings.sttMaxBytes, layout: "deployed")
        controller.logsQuestions = settings.logsQuestions
        return controller
    }

    /// The one-process layout: the services are called directly, so they are healthy while the process is.
    public static func inProcess(settings: Settings, speechToText: any SpeechToTextClient, retrieval: any RetrievalClient,
                                 generation: any GenerationClient, synthesis: any SpeechSynthesisClient) -> GatewayController {
        var pipeline = VoicePipeline(speechToText: speechToText, retrieval: retrieval, generation: generation,
                                     synthesis: synthesis, timeouts: stageTimeouts(settings), audioRetention: settings.audioMaxAge,
                                     sttPrompt: settings.sttPrompt, answerMode: settings.answerMode)
        pipeline.audioStore = AudioStore(directory: settings.audioDirectory)
        pipeline.admission = Admission(maxWait: settings.maxWait)
        var checks: [VoicePipeline.Stage: HealthCheck] = [:]
        for stage in VoicePipeline.Stage.allCases {
            checks[stage] = { DownstreamHealth(status: "ok", latency_ms: 0, url: nil, error: nil) }
        }
        var controller = GatewayController(pipeline: pipeline, healthChecks: checks, maxUploadBytes: settings.sttMaxBytes, layout: "one-process")
        controller.logsQuestions = settings.logsQuestions
        return controller
    }

    static func stageTimeouts(_ settings: Settings) -> [VoicePipeline.Stage: Duration] {
        var timeouts: [VoicePipeline.Stage: Duration] = [:]
        for stage in VoicePipeline.Stage.allCases { timeouts[stage] = settings.stageTimeouts[stage.rawValue] }
        return timeouts
    }
}

/// Production refuses to start open to the world; development says loudly that it is.
public struct SecurityPostureError: Error, CustomStringConvertible {
    public let description: String
}

public func checkSecurityPosture(_ settings: Settings, logger: Logger) throws {
    switch settings.deployment {
    case .production:
        guard !settings.apiKeys.isEmpty else {
            throw SecurityPostureError(description: "VOICE_ENV=production needs API keys: set VOICE_API_KEYS (comma-separated)")
        }
        if settings.corsOrigins.contains("*") {
            throw SecurityPostureError(description: "VOICE_ENV=production does not allow VOICE_CORS_ORIGINS=*; list the origins")
        }
        if settings.adminToken == nil {
            logger.warning("production without VOICE_ADMIN_TOKEN: the console, the question log and console-made widget keys are off")
        }
    case .development:
        if settings.apiKeys.isEmpty {
            logger.warning("development mode: no API key is required and any origin may call the gateway; set VOICE_ENV=production and VOICE_API_KEYS before exposing it")
        }
    }
}
