import Foundation
import NIOHTTP1
import VoiceCore

/// The console's publishable keys as the knowledge service keeps them (`GET /keys`), fetched again at most every
/// few seconds, so a key made or revoked in any replica's console works, or stops working, everywhere within that
/// time. While the knowledge service cannot be reached, the last list stays in force.
actor WidgetKeyDirectory {
    let knowledge: RemoteService
    static let refreshInterval = Duration.seconds(5)
    /// Hex SHA-256 digest → origins.
    private var keys: [String: Set<String>] = [:]
    private var fetched: ContinuousClock.Instant?
    private var refreshing: Task<[String: Set<String>]?, Never>?

    init(knowledge: RemoteService) {
        self.knowledge = knowledge
    }

    /// The origins of the key with this digest, or nil when the console made no such key.
    func origins(of key: String) async -> Set<String>? {
        if fetched.map({ ContinuousClock.now - $0 > Self.refreshInterval }) ?? true { await refresh() }
        return keys[Credential.digest(key).map { String(format: "%02x", $0) }.joined()]
    }

    private func refresh() async {
        if let refreshing {  // one fetch at a time; the others wait for it
            _ = await refreshing.value
            return
        }
        let knowledge = knowledge
        let task = Task<[String: Set<String>]?, Never> {
            struct Keys: Decodable { let keys: [WidgetKey] }
            guard let data = try? await knowledge.send(.GET, "/keys", timeout: .seconds(2), idempotent: true),
                  let list = try? JSONDecoder().decode(Keys.self, from: data) else { return nil }
            return Dictionary(list.keys.map { ($0.digest, Set($0.origins)) }) { first, _ in first }
        }
        refreshing = task
        if let fresh = await task.value { keys = fresh }
        fetched = ContinuousClock.now
        refreshing = nil
    }
}
