import Foundation
public import VoiceCore

/// Publishable widget keys made and revoked in the console, kept in the knowledge store (shared by every gateway
/// replica, which polls `GET /keys`; docs/decisions.md, 44).
extension KnowledgeBase {
    public func widgetKeys() async throws -> [WidgetKey] { try await store.widgetKeys() }

    /// Makes a key for `origins`; the key itself is returned this once.
    public func makeWidgetKey(name: String, origins: [String]) async throws -> (key: String, record: WidgetKey) {
        // SystemRandomNumberGenerator reads the kernel's cryptographic source.
        let secret = "pk_" + (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let record = WidgetKey(id: String(UUID().uuidString.prefix(8)).lowercased(), name: name, origins: origins,
                               digest: Credential.hexDigest(secret),
                               created_at: LoggedQuestion.timestamp())
        try await store.insertWidgetKey(record)
        return (secret, record)
    }

    public func revokeWidgetKey(id: String) async throws {
        guard try await store.deleteWidgetKey(id: id) else { throw APIError.notFound("no widget key \(id)") }
    }
}
