public import Hummingbird
public import Foundation
import Logging

/// An error a client may see: an HTTP status plus a stable machine-readable code and a human message.
/// Domain errors are mapped to these in one place (``APIErrorMiddleware``); anything unmapped becomes a 500
/// that leaks no detail.
public struct APIError: HTTPResponseError, CustomStringConvertible, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// The pipeline stage that failed (`stt`, `rag`, `llm`, `tts`), when the gateway reports a downstream fault.
    public let stage: String?
    /// Seconds after which a retry may succeed (queue full, rate limited).
    public let retryAfter: Int?

    public init(_ status: HTTPResponse.Status, code: String, message: String, stage: String? = nil,
                retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.stage = stage
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let stage: String?
        }
        let error: Detail
    }

    public var jsonBody: Data {
        // Encoding a struct of strings cannot fail.
        (try? JSONEncoder().encode(Body(error: .init(code: code, message: message, stage: stage)))) ?? Data()
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBody)))
    }
}

extension APIError {
    public static func badRequest(_ code: String, _ message: String) -> Self { .init(.badRequest, code: code, message: message) }
    public static func notFound(_ message: String) -> Self { .init(.notFound, code: "not_found", message: message) }
    public static func payloadTooLarge(_ message: String) -> Self {
        .init(.contentTooLarge, code: "payload_too_large", message: message)
    }
    public static func unsupportedMediaType(_ message: String) -> Self {
        .init(.unsupportedMediaType, code: "unsupported_media_type", message: message)
    }
    public static func busy(_ message: String, retryAfter: Int = 1) -> Self {
        .init(.serviceUnavailable, code: "busy", message: message, retryAfter: retryAfter)
    }
    public static func serviceUnavailable(_ code: String, _ message: String) -> Self {
        .init(.serviceUnavailable, code: code, message: message)
    }
    public static func unavailable(stage: String, _ message: String) -> Self {
        .init(.serviceUnavailable, code: "service_unavailable", message: message, stage: stage)
    }
    public static func timeout(stage: String, _ message: String) -> Self {
        .init(.gatewayTimeout, code: "timeout", message: message, stage: stage)
    }
    public static let internalError = Self(.internalServerError, code: "internal_error", message: "internal error")
}

/// Domain errors opt in to a client-visible form; everything else is an internal error.
public protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}

/// The one place where any thrown error becomes what the client sees.
public struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.response(for: error, request: request, context: context)
        }
    }

    /// The client-visible response for any error (also used by middlewares that must decorate error responses).
    public static func response(for error: any Error, request: Request, context: Context) throws -> Response {
        switch error {
        case let error as APIError:
            return try error.response(from: request, context: context)
        case let error as any APIErrorConvertible:
            return try error.apiError.response(from: request, context: context)
        case let error as any HTTPResponseError:
            // Hummingbird's own errors (bad JSON, body too large, no route) keep their status, with a JSON body.
            let api = APIError(error.status, code: Self.code(for: error.status), message: Self.message(for: error))
            return try api.response(from: request, context: context)
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return try APIError.internalError.response(from: request, context: context)
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .contentTooLarge: "payload_too_large"
        case .methodNotAllowed: "method_not_allowed"
        case .unsupportedMediaType: "unsupported_media_type"
        default: status.code < 500 ? "bad_request" : "internal_error"
        }
    }

    static func message(for error: any HTTPResponseError) -> String {
        if let error = error as? HTTPError, let body = error.body, !body.isEmpty { return body }
        return error.status.reasonPhrase
    }
}
