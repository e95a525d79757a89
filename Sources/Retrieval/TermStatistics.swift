import Synchronization

/// How many chunks hold each word, and how many chunks there are, counted once per content version: keyword
/// search picks its terms by these counts and evidence ranking weighs words by them, on every query.
final class TermStatistics: Sendable {
    struct Snapshot: Sendable {
        var version: Int
        var chunks: Int
        var frequencies: [String: Int]
    }

    /// Words remembered per version; past this the cache starts again (a bound on what odd queries can grow).
    static let maxWords = 50_000
    private let store: any KnowledgeStore
    private let cache = Mutex<Snapshot?>(nil)

    init(store: any KnowledgeStore) {
        self.store = store
    }

    /// The chunk count and the frequencies of `words` (and of any word counted before) at a content version the
    /// caller has just read (a retrieval reads it once, to stay in step).
    func snapshot(for words: [String], version: Int) async throws -> Snapshot {
        var snapshot: Snapshot
        if let cached = cache.withLock({ $0 }), cached.version == version {
            snapshot = cached
        } else {
            snapshot = Snapshot(version: version, chunks: try await store.chunkCount(), frequencies: [:])
        }
        let missing = words.filter { snapshot.frequencies[$0] == nil }
        guard !missing.isEmpty else { return snapshot }
        let counted = try await store.chunkFrequencies(missing)
        snapshot.frequencies.merge(counted) { old, _ in old }
        let chunks = snapshot.chunks
        cache.withLock { cached in
            // A newer version's cache (another request saw a write first) is kept.
            guard (cached?.version ?? -1) <= version else { return }
            if let current = cached, current.version == version, current.frequencies.count < Self.maxWords {
                cached?.frequencies.merge(counted) { old, _ in old }
            } else {
                cached = Snapshot(version: version, chunks: chunks, frequencies: counted)
            }
        }
        return snapshot
    }
}
