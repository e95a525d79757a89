import Crypto
import HTTPTypes
import Foundation
public import Hummingbird
import NIOCore
public import VoiceCore

/// Cross-origin access: only allowlisted origins get CORS headers (all of them in development, when no
/// allowlist is set). Preflights from other origins are refused outright.
public struct CORSMiddleware: RouterMiddleware {
    public typealias Context = VoiceRequestContext
    let allowed: Set<String>
    let allowAll: Bool

    public init(origins: [String], deployment: Deployment) {
        allowed = Set(origins)
        allowAll = origins.contains("*") || (origins.isEmpty && deployment == .development)
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let permitted = allowAll || allowed.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard permitted else { throw APIError(.forbidden, code: "origin_not_allowed", message: "origin \(origin) is not allowed") }
            var response = Response(status: .noContent)
            apply(origin, to: &response.headers)
            response.headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Authorization, X-API-Key, Content-Type, X-Request-ID"
            response.headers[.accessControlMaxAge] = "600"
            return response
        }
        do {
            var response = try await next(request, context)
            if permitted { apply(origin, to: &response.headers) }
            return response
        } catch where permitted {
            // Errors need the headers too, or the page cannot read why its request failed.
            var response = try APIErrorMiddleware<Context>.response(for: error, request: request, context: context)
            apply(origin, to: &response.headers)
            return response
        }
    }

    func apply(_ origin: String, to headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = allowAll && allowed.isEmpty ? "*" : origin
        headers[.accessControlExposeHeaders] = "X-Request-ID, Retry-After"
        headers[.vary] = "Origin"
    }
}

/// Who may ask questions, on the question endpoints. Three kinds of credential, as `Authorization: Bearer` or
/// `X-API-Key` (docs/decisions.md, 44):
/// - a secret key (`VOICE_API_KEYS`), for servers: refused from a browser page (a request with `Origin`) in
///   production, where page source is public;
/// - a publishable key (`VOICE_PUBLISHABLE_KEYS`, or made in the console), for page source: accepted only with one
///   of its origins;
/// - a session token from `POST /tokens`: accepted only from its origin, until it expires.
/// With none configured (development only; production refuses to start without keys) everyone is let in.
public struct APIKeyMiddleware: RouterMiddleware {
    public typealias Context = VoiceRequestContext
    /// SHA-256 digests (``Credential``).
    let digests: [Data]
    let publishable: [(digest: Data, origins: Set<String>)]
    let tokens: SessionTokens?
    /// The keys made in the console.
    let directory: WidgetKeyDirectory?
    let refusesSecretKeysFromPages: Bool
    let protectedPrefixes: [String]

    init(settings: Settings, protectedPrefixes: [String], tokens: SessionTokens?, directory: WidgetKeyDirectory?) {
        self.directory = directory
        digests = settings.apiKeys.map(Credential.digest)
        publishable = settings.publishableKeys.map { (Credential.digest($0.key), Set($0.value)) }
        self.tokens = tokens
        refusesSecretKeysFromPages = settings.deployment == .production
        self.protectedPrefixes = protectedPrefixes
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !digests.isEmpty || !publishable.isEmpty, request.method != .options,
              protectedPrefixes.contains(where: { RoutePath.canonical(request.uri.path).hasPrefix($0) }) else {
            return try await next(request, context)
        }
        guard let key = Credential.presented(request.headers) else {
            throw APIError(.unauthorized, code: "unauthorized", message: "an API key is required (Authorization: Bearer or X-API-Key)")
        }
        let fromPage = request.headers[.origin] != nil
        let origin = request.headers[.origin].flatMap(PageOrigin.normalized)
        let digest = Credential.digest(key)
        if let tokens, SessionTokens.isToken(key) {
            guard try tokens.origin(of: key) == origin else {
                throw APIError(.forbidden, code: "origin_not_allowed", message: "this session token is for another origin")
            }
        } else if Credential.matches(digest: digest, digests) {
            if refusesSecretKeysFromPages, fromPage {
                throw APIError(.forbidden, code: "secret_key_in_browser",
                               message: "a secret key must not be used in a web page: use a publishable key or a session token (docs/widget.md)")
            }
        } else if let origins = await publishableOrigins(digest) {
            guard let origin, origins.contains(origin) else {
                throw APIError(.forbidden, code: "origin_not_allowed", message: "this publishable key is not for \(origin ?? "requests without an origin")")
            }
        } else {
            throw APIError(.unauthorized, code: "unauthorized", message: "the API key is not valid")
        }
        return try await next(request, context)
    }

    /// The origins of a publishable key: set in the environment, or made in the console.
    func publishableOrigins(_ digest: Data) async -> Set<String>? {
        if let entry = publishable.first(where: { Credential.matches(digest: digest, [$0.digest]) }) { return entry.origins }
        return await directory?.origins(ofDigest: digest)
    }
}

/// Token buckets per API key and per client IP on the question endpoints: 429 with Retry-After when empty.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = VoiceRequestContext
    let buckets: TokenBuckets
    let protectedPrefixes: [String]

    public init(perSecond: Double, burst: Int, protectedPrefixes: [String]) {
        buckets = TokenBuckets(rate: perSecond, burst: Double(burst))
        self.protectedPrefixes = protectedPrefixes
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .options, protectedPrefixes.contains(where: { RoutePath.canonical(request.uri.path).hasPrefix($0) }) else {
            return try await next(request, context)
        }
        var keys: [String] = []
        if let ip = context.remoteAddress?.ipAddress { keys.append("ip:\(ip)") }
        if let key = Credential.presented(request.headers) {
            keys.append("key:\(Credential.hexDigest(key).prefix(16))")
        }
        if let wait = await buckets.take(keys) {
            throw APIError(.tooManyRequests, code: "rate_limited", message: "too many requests; retry in \(wait) s",
                           retryAfter: wait)
        }
        return try await next(request, context)
    }
}

/// Refilling token buckets keyed by client. Idle buckets are forgotten so the table cannot grow without bound.
actor TokenBuckets {
    let rate: Double
    let burst: Double
    private var buckets: [String: (tokens: Double, updated: ContinuousClock.Instant)] = [:]
    private let clock = ContinuousClock()

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
    }

    /// Takes a token from every bucket, or none: returns nil on success, else the seconds until one is available.
    func take(_ keys: [String]) -> Int? {
        let now = clock.now
        if buckets.count > 10_000 { buckets = buckets.filter { (now - $0.value.updated) / .seconds(1) < burst / rate } }
        var refreshed: [(String, Double)] = []
        for key in keys {
            let bucket = buckets[key] ?? (burst, now)
            let elapsed = (now - bucket.updated) / .seconds(1)
            refreshed.append((key, min(burst, bucket.tokens + elapsed * rate)))
        }
        if let short = refreshed.first(where: { $0.1 < 1 }) {
            for (key, tokens) in refreshed { buckets[key] = (tokens, now) }
            return max(1, Int(((1 - short.1) / rate).rounded(.up)))
        }
        for (key, tokens) in refreshed { buckets[key] = (tokens - 1, now) }
        return nil
    }
}
