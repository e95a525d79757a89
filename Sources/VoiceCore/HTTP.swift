public import Hummingbird
public import HTTPTypes
public import NIOCore
import NIOFoundationCompat
import Foundation
import Logging

/// Request context for every service. Bodies are collected explicitly with per-route limits, so the
/// framework's own cap only has to be the largest of them (an STT upload).
public struct VoiceRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID = ""
    /// The peer's address, for per-IP rate limits (nil in router tests).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var maxUploadSize: Int { 64 << 20 }
}

/// Reuses the caller's `X-Request-ID` (or makes one), tags every log line with it and echoes it back,
/// so one question can be followed through the gateway and all four services.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = VoiceRequestContext
    public static let header = HTTPField.Name("X-Request-ID")!

    public init() {}

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let supplied = request.headers[Self.header].flatMap { id in
            id.count <= 128 && id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? id : nil
        }
        context.requestID = supplied ?? UUID().uuidString.lowercased()
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response = try await RequestID.$current.withValue(context.requestID) { try await next(request, context) }
        response.headers[Self.header] = context.requestID
        return response
    }
}

/// The request being served, for outgoing calls to carry on (`X-Request-ID`).
public enum RequestID {
    @TaskLocal public static var current: String?
}

extension Request {
    /// Collects at most `limit` bytes of body; more is a 413 naming the limit.
    public mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw APIError.tooLarge(limit: limit) }
        do {
            return try await collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.tooLarge(limit: limit)
        }
    }

    /// Decodes a JSON body of at most `limit` bytes, with a 400 that says what was wrong.
    public mutating func decodeJSON<T: Decodable>(as type: T.Type, limit: Int = 1 << 20) async throws -> T {
        let buffer = try await collectBody(limit: limit)
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("invalid_json", "the request body is empty") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.badRequest("invalid_json", "missing field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.badRequest("invalid_json", "field '\(path)' has the wrong type")
        } catch {
            throw APIError.badRequest("invalid_json", "the request body is not valid JSON")
        }
    }
}

extension APIError {
    public static func tooLarge(limit: Int) -> Self {
        .payloadTooLarge("the request body is over the limit of \(limit) bytes")
    }
}

/// Encodes a value as a JSON response with snake_case-free, stable keys (the types choose their own keys).
public func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

/// Health of one service: `ok` serves requests, `degraded` serves some, `down` serves none.
public struct HealthReport: Codable, Sendable {
    public var service: String
    public var status: String
    public var details: [String: String]

    public init(service: String, status: String = "ok", details: [String: String] = [:]) {
        self.service = service
        self.status = status
        self.details = details
    }
}

/// What every service router starts with: request IDs, metrics, the JSON error mapping, `/metrics`.
public func makeServiceRouter() -> Router<VoiceRequestContext> {
    let router = Router(context: VoiceRequestContext.self)
    router.middlewares.add(RequestIDMiddleware())
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(APIErrorMiddleware())
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(string: Observability.exposition())))
    }
    return router
}

/// A `text/event-stream` response. A failure after the headers went out becomes an `error` event with the
/// same JSON body an error response would have; a client that goes away fails the next write, which ends
/// `produce` and with it the generation it was reading.
public func eventStream(_ produce: @escaping @Sendable (inout any ResponseBodyWriter) async throws -> Void) -> Response {
    Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
             body: ResponseBody { writer in
                 do {
                     try await produce(&writer)
                 } catch {
                     let apiError = (error as? APIError) ?? (error as? any APIErrorConvertible)?.apiError ?? .internalError
                     try await writer.write(ByteBuffer(string: "event: error\ndata: "
                         + String(decoding: apiError.jsonBody, as: UTF8.self) + "\n\n"))
                 }
                 try await writer.finish(nil)
             })
}

/// A `text/event-stream` response whose events `produce` sends from a task of its own, so that a slow client holds
/// up neither the answer nor the synthesis; a client that goes away cancels the task.
public func eventStream(sending produce: @escaping @Sendable (_ send: @escaping @Sendable (ByteBuffer) -> Void) async throws -> Void) -> Response {
    eventStream { writer in
        let (frames, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let producer = Task {
            do {
                try await produce { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        do {
            for try await frame in frames { try await writer.write(frame) }
        } catch {
            producer.cancel()
            throw error
        }
    }
}

/// One SSE event: an optional name, then the value as one line of JSON.
public func sseEvent(_ name: String?, _ value: some Encodable) throws -> ByteBuffer {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let json = String(decoding: try encoder.encode(value), as: UTF8.self)
    return ByteBuffer(string: (name.map { "event: \($0)\n" } ?? "") + "data: \(json)\n\n")
}
