public import AsyncHTTPClient
public import Foundation
public import Hummingbird
import Metrics
import NIOCore
import NIOFoundationCompat
import TextToSpeech
public import VoiceCore

/// How the gateway checks one downstream: over HTTP when deployed, trivially when in the same process.
public typealias HealthCheck = @Sendable () async -> DownstreamHealth

/// HTTP routes of the gateway (port 9000): the question endpoints and health. Audio files and the web demo
/// are served by ``makeGatewayRouter(controller:settings:audioDirectory:)``'s file middlewares.
public struct GatewayController: Sendable {
    public var pipeline: VoicePipeline
    public var healthChecks: [VoicePipeline.Stage: HealthCheck]
    public var maxUploadBytes: Int
    public var layout: String
    /// Whether each question and its answer go to the site owner's log (`VOICE_QUESTION_LOG`).
    public var logsQuestions = true

    public init(pipeline: VoicePipeline, healthChecks: [VoicePipeline.Stage: HealthCheck], maxUploadBytes: Int, layout: String) {
        self.pipeline = pipeline
        self.healthChecks = healthChecks
        self.maxUploadBytes = maxUploadBytes
        self.layout = layout
    }

    /// Longest typed question: the retrieval service's own query limit.
    static let maxQueryCharacters = 2000

    struct TextQuery: Decodable {
        let query: String
        let session_id: String?
        let history: [ChatTurn]?
    }

    /// The conversation a client sends with a follow-up: the last turns, user and assistant, oldest first. The
    /// client carries it, so any gateway replica can answer the next question (docs/decisions.md, 42).
    static func validated(_ history: [ChatTurn]?) throws(APIError) -> [ChatTurn] {
        guard let history else { return [] }
        guard history.count <= 20, history.allSatisfy({ ["user", "assistant"].contains($0.role) && $0.content.count <= 2000 }) else {
            throw .badRequest("invalid_history",
                              "history is at most 20 turns of {role: user or assistant, content: at most 2000 characters}")
        }
        return history
    }

    struct Answer: Encodable {
        let answer: VoiceAnswer
        let sessionID: String?

        func encode(to encoder: any Encoder) throws {
            try answer.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(sessionID, forKey: .session_id)
        }

        enum Key: CodingKey { case session_id }
    }

    public func addRoutes(to router: Router<VoiceRequestContext>) {
        router.post("/voice/query") { request, _ in
            var request = request
            let contentType = request.headers[.contentType] ?? ""
            let body = Data(buffer: try await request.collectBody(limit: maxUploadBytes))
            let audio: Data, audioType: String?, language: String?, session: String?
            var history: [ChatTurn] = []
            if contentType.lowercased().hasPrefix("multipart/form-data") {
                let form = try MultipartForm(body: body, contentType: contentType)
                guard let part = form.part(named: "audio", "file") else {
                    throw APIError.badRequest("missing_audio", "the form has no 'audio' file field")
                }
                (audio, audioType, language, session) = (part.body, part.contentType, form.field("language"), form.field("session_id"))
                if let field = form.field("history") {
                    guard let turns = try? JSONDecoder().decode([ChatTurn].self, from: Data(field.utf8)) else {
                        throw APIError.badRequest("invalid_history", "history must be a JSON array of {role, content}")
                    }
                    history = try Self.validated(turns)
                }
            } else if contentType.lowercased().hasPrefix("audio/") {
                (audio, audioType, language, session) = (body, contentType, nil, nil)
            } else {
                throw APIError.unsupportedMediaType("send multipart/form-data with an 'audio' file, or a raw audio/* body")
            }
            let ticket = try pipeline.admit(recording: true)
            if Self.wantsEvents(request) {
                let history = history
                return streamed(session: session, audio: Self.wantsAudioEvents(request)) { events in
                    try await Admission.$ticket.withValue(ticket) {
                        try await pipeline.answer(audio: audio, contentType: audioType, language: language, history: history, events: events)
                    }
                }
            }
            let answer = try await Admission.$ticket.withValue(ticket) {
                try await pipeline.answer(audio: audio, contentType: audioType, language: language, history: history)
            }
            log(answer, session: session)
            return try jsonResponse(Answer(answer: answer, sessionID: session))
        }
        router.post("/text/query") { request, _ in
            var request = request
            let query = try await request.decodeJSON(as: TextQuery.self, limit: 64 << 10)
            let text = query.query.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw APIError.badRequest("empty_query", "query must not be empty") }
            guard text.count <= Self.maxQueryCharacters else {
                throw APIError.payloadTooLarge("query has \(text.count) characters; the limit is \(Self.maxQueryCharacters)")
            }
            let history = try Self.validated(query.history)
            let ticket = try pipeline.admit(recording: false)
            if Self.wantsEvents(request) {
                return streamed(session: query.session_id, audio: Self.wantsAudioEvents(request)) { events in
                    try await Admission.$ticket.withValue(ticket) { try await pipeline.answer(text: text, history: history, events: events) }
                }
            }
            let answer = try await Admission.$ticket.withValue(ticket) { try await pipeline.answer(text: text, history: history) }
            log(answer, session: query.session_id)
            return try jsonResponse(Answer(answer: answer, sessionID: query.session_id))
        }
        // The widget reports when the answer was first heard, measured in the browser from the end of the question.
        router.post("/client-metrics") { request, _ in
            var request = request
            let milliseconds = try await request.decodeJSON(as: FirstAudioReport.self, limit: 1 << 10).milliseconds()
            Metrics.Timer(label: "voice_client_first_audio_seconds", preferredDisplayUnit: .seconds).recordMilliseconds(milliseconds)
            keepForConsole { try await $0.recordFirstAudio(milliseconds: milliseconds) }
            return Response(status: .noContent)
        }
        router.get("/health") { _, _ in
            let report = await health()
            return try jsonResponse(report, status: report.status == "ok" ? .ok : .serviceUnavailable)
        }
    }

    static func wantsEvents(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/event-stream") ?? false
    }

    /// `?audio=pcm`: the client plays the answer's samples as they come (`audio` events), not only its files.
    static func wantsAudioEvents(_ request: Request) -> Bool {
        request.uri.queryParameters.get("audio") == "pcm"
    }

    /// Server-sent events: `transcript`, with `audio` the samples of each sentence as they are made, one `sentence`
    /// per spoken sentence as its audio exists, then `done` with the JSON an unstreamed request gets. A client that
    /// goes away fails the next write, which cancels the answer and with it the generation.
    func streamed(session: String?, audio: Bool,
                  _ answer: @escaping @Sendable (VoicePipeline.EventSink) async throws -> VoiceAnswer) -> Response {
        eventStream(sending: { send in
            let result = try await answer(VoicePipeline.EventSink(audio: audio) { event in
                switch event {
                case .transcript(let text):
                    send(try sseEvent("transcript", ["text": text]))
                case .audio(let index, let pcm, let rate):
                    send(try sseEvent("audio", PCMAudioEvent(index: index, pcm: pcm, sampleRate: rate)))
                case .sentence(let index, let text, let url):
                    struct Sentence: Encodable { let index: Int; let text: String; let audio_url: String }
                    send(try sseEvent("sentence", Sentence(index: index, text: text, audio_url: url)))
                }
            })
            log(result, session: session)
            send(try sseEvent("done", Answer(answer: result, sessionID: session)))
        })
    }

    /// Keeps the question and its answer for the site owner's log.
    func log(_ answer: VoiceAnswer, session: String?) {
        guard logsQuestions else { return }
        let timings = (try? JSONDecoder().decode([String: Double].self, from: JSONEncoder().encode(answer.timings))) ?? [:]
        var sources: [String] = []
        for citation in answer.citations where !sources.contains(citation.source) { sources.append(citation.source) }
        let entry = LoggedQuestion(asked_at: LoggedQuestion.timestamp(), session_id: session, question: answer.transcript,
                                   answer: answer.response_text, answer_kind: answer.answer_kind.rawValue,
                                   decline_reason: answer.decline_reason?.rawValue, sources: sources, timings: timings)
        keepForConsole { try await $0.record(entry) }
    }

    /// Writes to the site owner's log without holding up the visitor: a failure is counted, never shown to them.
    func keepForConsole(_ write: @escaping @Sendable (any RetrievalClient) async throws -> Void) {
        guard logsQuestions else { return }
        let retrieval = pipeline.retrieval
        Task {
            do {
                try await write(retrieval)
            } catch {
                Counter(label: "voice_question_log_errors_total").increment()
            }
        }
    }

    public struct GatewayHealth: Codable, Sendable {
        public var service = "gateway"
        public var status: String
        public var layout: String
        public var failing: [String]
        public var downstream: [String: DownstreamHealth]
    }

    /// Checks every downstream at once; 503 names the ones that are down.
    public func health() async -> GatewayHealth {
        let results = await withTaskGroup(of: (String, DownstreamHealth).self) { group in
            for (stage, check) in healthChecks { group.addTask { (stage.rawValue, await check()) } }
            return await group.reduce(into: [String: DownstreamHealth]()) { $0[$1.0] = $1.1 }
        }
        let failing = results.filter { $0.value.status != "ok" }.keys.sorted()
        return GatewayHealth(status: failing.isEmpty ? "ok" : "degraded", layout: layout, failing: failing, downstream: results)
    }
}

/// The gateway's router: request IDs, metrics and JSON errors (as every service), then CORS, API keys and rate
/// limits on the question endpoints, the admin token on the site owner's API (which reaches the knowledge service
/// at `knowledgeURL`), then the routes, the answer audio and the web demo.
public func makeGatewayRouter(controller: GatewayController, settings: Settings, audioDirectory: URL, knowledgeURL: String? = nil,
                              http: HTTPClient = .shared) -> Router<VoiceRequestContext> {
    let router = makeServiceRouter()
    let questionPaths = ["/voice/", "/text/", "/client-metrics"]
    router.middlewares.add(CORSMiddleware(origins: settings.corsOrigins, deployment: settings.deployment))
    router.middlewares.add(AdminGuard(token: settings.adminToken, deployment: settings.deployment, protecting: AdminRoutes.isAdminRoute))
    var knowledge = RemoteService(stage: .rag, baseURL: knowledgeURL ?? settings.serviceURLs["rag"] ?? "", http: http)
    knowledge.bearer = settings.adminToken
    let tokens = settings.tokenSecret.map(SessionTokens.init(secret:))
    router.middlewares.add(APIKeyMiddleware(settings: settings, protectedPrefixes: questionPaths, tokens: tokens,
                                            directory: WidgetKeyDirectory(knowledge: knowledge)))
    router.middlewares.add(RateLimitMiddleware(perSecond: settings.rateLimitPerSecond, burst: settings.rateLimitBurst,
                                               protectedPrefixes: questionPaths))
    router.middlewares.add(AudioFileGuard())
    // Answer audio: names are unique, so a file never changes and can be cached; Range comes with FileMiddleware.
    let wav = MediaType(type: .audio, subType: "wav")
    router.middlewares.add(FileMiddleware(audioDirectory.path, urlBasePath: "/audio",
                                          cacheControl: .init([(MediaType(type: .audio), [.private, .maxAge(3600)])]))
        .withAdditionalMediaType(wav, mappedToFileExtension: "wav"))
    // The widget changes with releases; revalidating keeps embedders on the current one.
    router.middlewares.add(FileMiddleware(settings.webDirectory.path, cacheControl: .init([(MediaType(type: .any), [.noCache])]),
                                          searchForIndexHtml: true))
    controller.addRoutes(to: router)
    tokens?.addRoutes(to: router, secretKeys: settings.apiKeys.map(Credential.digest))
    AdminRoutes(knowledge: knowledge).addRoutes(to: router)
    return router
}

/// `/audio/<name>` serves only names our TTS issued: anything else — `..`, `/`, NUL, absolute paths, other
/// files in the folder — is a 404 before the file system is touched.
struct AudioFileGuard: RouterMiddleware {
    typealias Context = VoiceRequestContext

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = RoutePath.canonical(request.uri.path)
        if path.hasPrefix("/audio/") || path == "/audio" {
            let name = String(path.dropFirst("/audio/".count)).removingPercentEncoding ?? ""
            guard AudioStore.isOurName(name), request.method == .get || request.method == .head else {
                throw APIError.notFound("no such audio file")
            }
        }
        return try await next(request, context)
    }
}
