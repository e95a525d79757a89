public import AsyncHTTPClient
public import Foundation
import HTTPTypes
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
public import VoiceCore

extension HTTPClient {
    /// The gateway's client: a refused or unroutable service must fail fast (the caller gets a 503 within a
    /// second), while the per-request deadline bounds slow answers.
    public static func makeGatewayClient() -> HTTPClient {
        HTTPClient(eventLoopGroupProvider: .singleton,
                   configuration: .init(timeout: .init(connect: .milliseconds(800)),
                                        connectionPool: .init(idleTimeout: .seconds(30))))
    }
}

/// One downstream service reached over HTTP (the deployed layout). Connection failures become 503s and
/// deadlines 504s, both naming the stage; idempotent calls are retried once when the connection failed.
public struct RemoteService: Sendable {
    public let stage: VoicePipeline.Stage
    public let baseURL: String
    let http: HTTPClient
    /// Sent as `Authorization: Bearer`: the admin token, which the knowledge service asks for on its writes.
    public var bearer: String?

    public init(stage: VoicePipeline.Stage, baseURL: String, http: HTTPClient) {
        self.stage = stage
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
    }

    func send(_ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String? = nil, timeout: Duration,
              idempotent: Bool) async throws -> Data {
        try await exchange(method, path, body: body, contentType: contentType, timeout: timeout, idempotent: idempotent).body
    }

    /// `send`, keeping the success status (201 from a write).
    func exchange(_ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String? = nil, timeout: Duration,
                  idempotent: Bool) async throws -> (status: HTTPResponse.Status, body: Data) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let id = RequestID.current { request.headers.add(name: "X-Request-ID", value: id) }
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body { request.body = .bytes(ByteBuffer(data: body)) }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            (response, bytes) = try await execute(request, timeout: timeout)
        } catch let error where idempotent && Self.isConnectionFailure(error) {
            try await Task.sleep(for: .milliseconds(200))
            (response, bytes) = try await execute(request, timeout: timeout)
        }
        guard (200..<300).contains(response.status.code) else { throw downstreamError(status: Int(response.status.code), body: bytes) }
        return (HTTPResponse.Status(code: Int(response.status.code)), Data(buffer: bytes))
    }

    private func execute(_ request: HTTPClientRequest, timeout: Duration) async throws -> (HTTPClientResponse, ByteBuffer) {
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.fractionalMilliseconds * 1e6)))
            return (response, try await response.body.collect(upTo: 64 << 20))
        } catch {
            throw mapped(error, timeout: timeout)
        }
    }

    static func isConnectionFailure(_ error: any Error) -> Bool { error is ConnectionFailure }

    /// The downstream's own JSON error, with its status kept for client errors.
    func downstreamError(status: Int, body: ByteBuffer) -> APIError {
        struct Envelope: Decodable {
            struct Detail: Decodable { let code: String; let message: String }
            let error: Detail
        }
        let detail = try? JSONDecoder().decode(Envelope.self, from: Data(buffer: body)).error
        let message = detail?.message ?? "HTTP \(status)"
        return APIError(HTTPResponse.Status(code: status), code: detail?.code ?? "downstream_error", message: message)
    }

    func postJSON<Body: Encodable, Result: Decodable>(_ path: String, _ body: Body, timeout: Duration, idempotent: Bool,
                                                      as type: Result.Type) async throws -> Result {
        let data = try await send(.POST, path, body: try JSONEncoder().encode(body), contentType: "application/json",
                                  timeout: timeout, idempotent: idempotent)
        return try decode(type, data)
    }

    /// Posts JSON and reads a `text/event-stream` answer, one (event name, data) pair per event as it arrives.
    /// The deadline covers the whole stream; a status other than 2xx is thrown like `send`'s.
    func postForEvents(_ path: String, _ body: some Encodable, timeout: Duration) async throws
        -> AsyncThrowingStream<(name: String?, data: Data), any Error> {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let id = RequestID.current { request.headers.add(name: "X-Request-ID", value: id) }
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.fractionalMilliseconds * 1e6)))
        } catch {
            throw mapped(error, timeout: timeout)
        }
        guard (200..<300).contains(response.status.code) else {
            throw downstreamError(status: Int(response.status.code), body: try await response.body.collect(upTo: 1 << 20))
        }
        let (events, continuation) = AsyncThrowingStream<(name: String?, data: Data), any Error>.makeStream()
        let reader = Task {
            var buffer = Data()
            do {
                for try await chunk in response.body {
                    buffer.append(contentsOf: chunk.readableBytesView)
                    while let end = buffer.firstRange(of: Data("\n\n".utf8)) {
                        let block = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
                        buffer.removeSubrange(buffer.startIndex..<end.upperBound)
                        var name: String?
                        var data = ""
                        for line in block.split(separator: "\n") {
                            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                            if line.hasPrefix("data: ") { data += line.dropFirst(6) }
                        }
                        continuation.yield((name, Data(data.utf8)))
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: mapped(error, timeout: timeout))
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return events
    }

    /// A downstream's events read into `Event`s by `read` as they arrive, in a task of its own that stops when the
    /// reader stops reading; an event `read` refuses (an `error` event) ends the stream with its error.
    func relay<Event: Sendable>(_ events: AsyncThrowingStream<(name: String?, data: Data), any Error>,
                                _ read: @escaping @Sendable (String?, Data) throws -> Event) -> AsyncThrowingStream<Event, any Error> {
        let (output, continuation) = AsyncThrowingStream<Event, any Error>.makeStream()
        let pump = Task {
            do {
                for try await event in events { continuation.yield(try read(event.name, event.data)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in pump.cancel() }
        return output
    }

    private func mapped(_ error: any Error, timeout: Duration) -> any Error {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return APIError.timeout(stage: stage.rawValue, "the \(stage.rawValue) service did not answer within \(timeout)")
        }
        if error is CancellationError || error is APIError { return error }
        return ConnectionFailure(stage: stage, url: baseURL, underlying: error)
    }

    func decode<Result: Decodable>(_ type: Result.Type, _ data: Data) throws -> Result {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw APIError.unavailable(stage: stage.rawValue, "the \(stage.rawValue) service sent an answer we cannot read")
        }
    }

    /// `GET /health`: whether the service answers 200, and how fast.
    public func health(timeout: Duration = .seconds(2)) async -> DownstreamHealth {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await send(.GET, "/health", timeout: timeout, idempotent: false)
            return DownstreamHealth(status: "ok", latency_ms: (clock.now - start).fractionalMilliseconds, url: baseURL, error: nil)
        } catch {
            let message = (error as? APIError)?.message ?? "\(error)"
            return DownstreamHealth(status: "down", latency_ms: (clock.now - start).fractionalMilliseconds, url: baseURL,
                                    error: message)
        }
    }
}

/// The service could not be reached at all (refused, reset, DNS): safe to retry, and a 503 for the caller.
struct ConnectionFailure: Error, APIErrorConvertible {
    let stage: VoicePipeline.Stage
    let url: String
    let underlying: any Error

    var apiError: APIError {
        .unavailable(stage: stage.rawValue, "the \(stage.rawValue) service is unreachable at \(url)")
    }
}

public struct RemoteSpeechToText: SpeechToTextClient {
    public let service: RemoteService
    public let timeout: Duration

    public init(service: RemoteService, timeout: Duration) {
        self.service = service
        self.timeout = timeout
    }

    public func transcribe(audio: Data, contentType: String?, options: TranscribeOptions) async throws -> TranscribeResult {
        var form = MultipartBody()
        for (name, value) in [("model", options.model), ("language", options.language), ("prompt", options.prompt),
                              ("beam_size", options.beam_size.map(String.init))] {
            if let value { form.addField(name, value) }
        }
        form.addFile("audio", filename: "audio", contentType: contentType ?? "application/octet-stream", audio)
        let data = try await service.send(.POST, "/transcribe", body: form.finished, contentType: form.contentType,
                                          timeout: timeout, idempotent: true)
        return try service.decode(TranscribeResult.self, data)
    }
}

public struct RemoteRetrieval: RetrievalClient {
    public let service: RemoteService
    public let timeout: Duration

    public init(service: RemoteService, timeout: Duration) {
        self.service = service
        self.timeout = timeout
    }

    public func retrieve(_ request: RetrieveRequest) async throws -> RetrieveResponse {
        try await service.postJSON("/retrieve", request, timeout: timeout, idempotent: true, as: RetrieveResponse.self)
    }

    public func vocabulary() async throws -> [String] {
        let data = try await service.send(.GET, "/vocabulary", timeout: timeout, idempotent: true)
        return try service.decode(VocabularyResponse.self, data).terms
    }

    public func record(_ question: LoggedQuestion) async throws {
        _ = try await service.send(.POST, "/questions", body: try JSONEncoder().encode(question), contentType: "application/json",
                                   timeout: timeout, idempotent: false)
    }

    public func recordFirstAudio(milliseconds: Double) async throws {
        _ = try await service.send(.POST, "/first-audio", body: try JSONEncoder().encode(FirstAudioReport(first_audio_ms: milliseconds)),
                                   contentType: "application/json", timeout: timeout, idempotent: false)
    }
}

public struct RemoteGeneration: GenerationClient {
    public let service: RemoteService
    public let timeout: Duration

    public init(service: RemoteService, timeout: Duration) {
        self.service = service
        self.timeout = timeout
    }

    /// Not retried: generation is the expensive stage, and a retry would double the load when it is struggling.
    public func respond(_ request: RespondRequest) async throws -> RespondResponse {
        try await service.postJSON("/respond", request, timeout: timeout, idempotent: false, as: RespondResponse.self)
    }

    public func respondStreaming(_ request: RespondRequest) async throws -> AsyncThrowingStream<RespondStreamEvent, any Error> {
        var request = request
        request.stream = true
        let events = try await service.postForEvents("/respond", request, timeout: timeout)
        let service = service
        return service.relay(events) { name, data in
            switch name {
            case nil:
                struct Delta: Decodable { let delta: String }
                return .text(try service.decode(Delta.self, data).delta)
            case "done":
                return .done(try service.decode(RespondResponse.self, data))
            default:
                throw service.downstreamError(status: 503, body: ByteBuffer(data: data))
            }
        }
    }
}

public struct RemoteSynthesis: SpeechSynthesisClient {
    public let service: RemoteService
    public let timeout: Duration

    public init(service: RemoteService, timeout: Duration) {
        self.service = service
        self.timeout = timeout
    }

    struct Body: Encodable { let text: String; let voice: String? }

    public func speak(text: String, voice: String?) async throws -> SpeakResult {
        try await service.postJSON("/speak", Body(text: text, voice: voice), timeout: timeout, idempotent: false,
                                   as: SpeakResult.self)
    }

    public func speakStreaming(text: String, voice: String?) async throws -> AsyncThrowingStream<SpeechEvent, any Error> {
        let events = try await service.postForEvents("/speak", Body(text: text, voice: voice), timeout: timeout)
        let service = service
        return service.relay(events) { name, data in
            switch name {
            case "audio":
                let audio = try service.decode(PCMAudioEvent.self, data)
                guard let pcm = audio.bytes else { throw service.downstreamError(status: 503, body: ByteBuffer(data: data)) }
                return .audio(pcm: pcm, sampleRate: audio.sample_rate)
            case "done":
                return .done(try service.decode(SpeakResult.self, data))
            default:
                throw service.downstreamError(status: 503, body: ByteBuffer(data: data))
            }
        }
    }
}

/// One downstream's line in the gateway's `/health`.
public struct DownstreamHealth: Codable, Sendable {
    public var status: String
    public var latency_ms: Double
    public var url: String?
    public var error: String?
}
