import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
public import VoiceCore

/// The site owner's API under `/admin/api/`: the knowledge service's documents, Q&A pairs, question log and
/// knowledge gaps, reached through the gateway so that only the gateway need be exposed. ``AdminGuard`` asks for
/// `VOICE_ADMIN_TOKEN`, which the knowledge service checks again (docs/decisions.md, 43).
struct AdminRoutes: Sendable {
    let knowledge: RemoteService
    /// Uploads of large PDFs are read and embedded while the request waits.
    let timeout = Duration.seconds(120)
    static let maxUploadBytes = 16 << 20


    static func isAdminRoute(_ method: HTTPRequest.Method, _ path: String) -> Bool { path.hasPrefix("/admin/api/") }

    func addRoutes(to router: Router<VoiceRequestContext>) {
        for (method, path) in [(HTTPRequest.Method.get, "documents"), (.post, "documents"), (.get, "qa"), (.post, "qa"),
                               (.get, "questions"), (.get, "gaps"), (.get, "vocabulary"), (.get, "keys"), (.post, "keys"),
                               (.get, "first-audio")] {
            router.on(RouterPath("/admin/api/\(path)"), method: method) { request, _ in try await forward(request, to: "/\(path)") }
        }
        for collection in ["documents", "keys", "qa"] {
            router.delete(RouterPath("/admin/api/\(collection)/:id")) { request, context in
                let id = try context.parameters.require("id")
                guard ![".", ".."].contains(id), let escaped = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) else {
                    throw APIError.badRequest("invalid_id", "not an id")
                }
                return try await forward(request, to: "/\(collection)/\(escaped)")
            }
        }
    }

    func forward(_ request: Request, to path: String) async throws -> Response {
        var request = request
        let query = request.uri.query.map { "?" + $0 } ?? ""
        let body = request.method == .post ? Data(buffer: try await request.collectBody(limit: Self.maxUploadBytes)) : nil
        let reply: (status: HTTPResponse.Status, body: Data)
        do {
            reply = try await knowledge.exchange(HTTPMethod(rawValue: request.method.rawValue), path + query, body: body,
                                                 contentType: request.headers[.contentType], timeout: timeout,
                                                 idempotent: request.method == .get)
        } catch let error as APIError where [.unauthorized, .forbidden].contains(error.status) {
            // The owner's token passed here: the knowledge service was given another one.
            throw APIError(.badGateway, code: "admin_token_mismatch",
                           message: "the knowledge service refused the gateway's admin token: give both the same VOICE_ADMIN_TOKEN")
        }
        guard !reply.body.isEmpty else { return Response(status: .noContent) }
        return Response(status: reply.status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: reply.body)))
    }
}
