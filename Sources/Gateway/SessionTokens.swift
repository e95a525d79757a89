import Crypto
public import Foundation
import Hummingbird
public import VoiceCore

/// Short-lived tokens a site owner's backend gets from `POST /tokens` with a secret key and hands to its page, so
/// that no long-lived key is in public page source (docs/decisions.md, 44). A token names the one origin it may be
/// used from and when it expires, signed with HMAC-SHA-256 under a key derived (HKDF) from `VOICE_TOKEN_SECRET`:
/// every gateway replica with the same secret checks it without a shared store, and changing the secret revokes
/// them all. Not the API keys: a token is public, and would let anyone test guesses at a short key offline.
public struct SessionTokens: Sendable {
    static let prefix = "vst1."
    public static let lifetimes = 60...3600
    /// The HMAC key's bytes (SymmetricKey is not Sendable).
    let keyBytes: Data
    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(secret: String) {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)),
                                         info: Data("voice session tokens v1".utf8), outputByteCount: 32)
        keyBytes = key.withUnsafeBytes { Data($0) }
    }

    struct Claims: Codable {
        /// The origin the token may be used from.
        let o: String
        /// Expiry, in seconds since 1970.
        let e: Int
    }

    public func issue(origin: String, lifetime: Int, now: Date = Date()) throws -> (token: String, expires: Date) {
        let expires = now.addingTimeInterval(TimeInterval(lifetime))
        let payload = Self.base64URL(try JSONEncoder().encode(Claims(o: origin, e: Int(expires.timeIntervalSince1970))))
        let signature = Self.base64URL(Data(HMAC<SHA256>.authenticationCode(for: Data((Self.prefix + payload).utf8), using: key)))
        return (Self.prefix + payload + "." + signature, expires)
    }

    static func isToken(_ credential: String) -> Bool { credential.hasPrefix(prefix) }

    /// The origin a token may be used from; 401 when it is tampered with, malformed or expired.
    func origin(of token: String, now: Date = Date()) throws(APIError) -> String {
        let parts = token.dropFirst(Self.prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let signature = Self.data(base64URL: parts[1]), let payload = Self.data(base64URL: parts[0]),
              HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data((Self.prefix + parts[0]).utf8), using: key),
              let claims = try? JSONDecoder().decode(Claims.self, from: payload) else {
            throw APIError(.unauthorized, code: "invalid_token", message: "the session token is not valid")
        }
        guard Double(claims.e) > now.timeIntervalSince1970 else {
            throw APIError(.unauthorized, code: "token_expired", message: "the session token has expired; ask your server for a new one")
        }
        return claims.o
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        var base64 = String(text).replacing("-", with: "+").replacing("_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

}

extension SessionTokens {
    /// `POST /tokens` `{origin, ttl_seconds?}` with a secret key, from a server: a browser (a request with an
    /// `Origin`) may not hold a secret key, so it is refused.
    func addRoutes(to router: Router<VoiceRequestContext>, secretKeys digests: [Data]) {
        router.post("/tokens") { request, _ in
            var request = request
            guard request.headers[.origin] == nil else {
                throw APIError(.forbidden, code: "secret_key_in_browser", message: "ask for session tokens from your server, never from a page")
            }
            guard let key = Credential.presented(request.headers), !Self.isToken(key), Credential.matches(key, digests: digests) else {
                throw APIError(.unauthorized, code: "unauthorized", message: "a secret API key is required (Authorization: Bearer)")
            }
            struct Ask: Decodable { let origin: String; let ttl_seconds: Int? }
            struct Issued: Encodable { let token: String; let origin: String; let expires_at: String }
            let ask = try await request.decodeJSON(as: Ask.self, limit: 4 << 10)
            guard let origin = PageOrigin.normalized(ask.origin) else {
                throw APIError.badRequest("invalid_origin", "origin must be a page origin such as https://www.example.com")
            }
            let lifetime = ask.ttl_seconds ?? 600
            guard Self.lifetimes.contains(lifetime) else {
                throw APIError.badRequest("invalid_ttl", "ttl_seconds must be from \(Self.lifetimes.lowerBound) to \(Self.lifetimes.upperBound)")
            }
            let issued = try issue(origin: origin, lifetime: lifetime)
            return try jsonResponse(Issued(token: issued.token, origin: origin, expires_at: LoggedQuestion.timestamp(issued.expires)))
        }
    }
}
