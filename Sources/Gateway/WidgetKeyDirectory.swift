import Foundation
import NIOHTTP1
import VoiceCore

/// The console's publishable keys as the knowledge service keeps them (`GET /keys`), fetched again at most every
/// few seconds, so a key made or revoked in any replica's console works, or stops working, everywhere within that
/// time. A request with a listed key never waits: a stale list is refreshed behind it. Only a key not on the list
/// waits for one refresh (at most a second), so a key just made works at once. While the knowledge service cannot
/// be reached, the last list stays in force.
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

    /// The origins of the key with this SHA-256 digest, or nil when the console made no such key.
    func origins(ofDigest bytes: Data) async -> Set<String>? {
        let digest = Credential.hex(bytes)
        let stale = fetched.map { ContinuousClock.now - $0 > Self.refreshInterval } ?? true
        if stale, keys[digest] != nil {
            Task { await refresh() }
        } else if stale {
            await refresh()
        }
        return keys[digest]
    }

    private func refresh() async {
        if let refreshing {  // one fetch at a time; the others wait for it
            _ = await refreshing.value
            return
        }
        let knowledge = knowledge
        let task = Task<[String: Set<String>]?, Never> {
            struct Keys: Decodable { let keys: [WidgetKey] }
            guard let data = try? await knowledge.send(.GET, "/keys", timeout: .seconds(1), idempotent: false),
                  let list = try? JSONDecoder().decode(Keys.self, from: data) else { return nil }
            return Dictionary(list.keys.map { ($0.digest, Set($0.origins)) }) { first, _ in first }
        }
        refreshing = task
        if let fresh = await task.value { keys = fresh }
        fetched = ContinuousClock.now
        refreshing = nil
    }
}
