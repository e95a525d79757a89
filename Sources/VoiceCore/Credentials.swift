import Crypto
public import Foundation
public import HTTPTypes
public import Hummingbird

/// Secrets presented as `Authorization: Bearer <secret>` or `X-API-Key: <secret>`, compared as SHA-256 digests in
/// full against every candidate, so response timing reveals nothing about a secret.
public enum Credential {
    static let keyHeader = HTTPField.Name("X-API-Key")!

    public static func digest(_ secret: String) -> Data { Data(SHA256.hash(data: Data(secret.utf8))) }

    /// The digest as lowercase hex, as the knowledge store keeps console-made keys.
    public static func hexDigest(_ secret: String) -> String { hex(digest(secret)) }

    public static func hex(_ digest: Data) -> String { digest.map { String(format: "%02x", $0) }.joined() }

    public static func presented(_ headers: HTTPFields) -> String? {
        if let key = headers[keyHeader], !key.isEmpty { return key }
        guard let authorization = headers[.authorization], authorization.lowercased().hasPrefix("bearer ") else { return nil }
        let key = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : key
    }

    public static func matches(_ secret: String, digests: [Data]) -> Bool { matches(digest: digest(secret), digests) }

    public static func matches(digest: Data, _ digests: [Data]) -> Bool {
        var matched = false
        for candidate in digests { matched = constantTimeEqual(candidate, digest) || matched }
        return matched
    }

    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// A request path as the router matches it: Hummingbird skips empty segments, so `//admin/api/keys` and `/qa/`
/// reach `/admin/api/keys` and `/qa`. Guards compare this form, or a doubled slash would walk past them.
public enum RoutePath {
    public static func canonical(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }
}

/// A page origin as browsers send it in `Origin`: lowercase scheme and host, a port only when not the default.
public enum PageOrigin {
    /// The origin of `text` when it is one (a trailing "/" is allowed), else nil.
    public static func normalized(_ text: String) -> String? {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
              let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host?.lowercased(), !host.isEmpty,
              components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil,
              components.user == nil, components.password == nil else { return nil }
        let port = components.port.flatMap { ($0 == 80 && scheme == "http") || ($0 == 443 && scheme == "https") ? nil : $0 }
        return "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "")
    }
}

/// The site owner's routes (`/admin/api/…` on the gateway, the knowledge service's writes and question log) need
/// `VOICE_ADMIN_TOKEN`. Without one they are open in development, where everything binds to loopback, and refused
/// in production.
public struct AdminGuard: RouterMiddleware {
    public typealias Context = VoiceRequestContext
    let digests: [Data]
    let deployment: Deployment
    let isProtected: @Sendable (HTTPRequest.Method, String) -> Bool

    public init(token: String?, deployment: Deployment, protecting isProtected: @escaping @Sendable (HTTPRequest.Method, String) -> Bool) {
        digests = token.map { [Credential.digest($0)] } ?? []
        self.deployment = deployment
        self.isProtected = isProtected
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .options, isProtected(request.method, RoutePath.canonical(request.uri.path)) else {
            return try await next(request, context)
        }
        guard !digests.isEmpty else {
            guard deployment == .development else {
                throw APIError(.forbidden, code: "admin_disabled", message: "set VOICE_ADMIN_TOKEN to use the admin routes in production")
            }
            return try await next(request, context)
        }
        guard let token = Credential.presented(request.headers) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "the admin token is required (Authorization: Bearer)")
        }
        guard Credential.matches(token, digests: digests) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "the admin token is not valid")
        }
        return try await next(request, context)
    }
}
