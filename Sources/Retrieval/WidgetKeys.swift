public import Foundation
import GRDB
public import VoiceCore

/// Publishable widget keys made and revoked in the console, kept in the knowledge store (shared by every gateway
/// replica, which polls `GET /keys`; docs/decisions.md, 44).
extension KnowledgeStore {
    func widgetKeys() async throws -> [WidgetKey] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, digest, origins, created_at FROM widget_keys ORDER BY created_at").map { row in
                let origins: String = row["origins"]
                return WidgetKey(id: row["id"], name: row["name"], origins: origins.split(separator: " ").map(String.init),
                                 digest: row["digest"], created_at: row["created_at"])
            }
        }
    }

    func insertWidgetKey(_ key: WidgetKey) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO widget_keys (id, name, digest, origins, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [key.id, key.name, key.digest, key.origins.joined(separator: " "), key.created_at])
        }
    }

    /// Whether a key was there to delete.
    func deleteWidgetKey(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM widget_keys WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }
}

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
