import Foundation
@testable import Retrieval
import Testing

/// What keyword search knows about words: chunk counts that follow every write, and the rarest words kept when a
/// query's words would make BM25 rank too many chunks. Real SQLite and FTS5; no model needed.
@Suite struct KeywordSearchTests {
    let store: SQLiteKnowledgeStore

    init() throws {
        store = try SQLiteKnowledgeStore(url: FileManager.default.temporaryDirectory
            .appendingPathComponent("keywords-\(UUID().uuidString)").appendingPathComponent("knowledge.db"))
    }

    func add(_ source: String, _ texts: [String]) async throws {
        let info = DocumentInfo(id: source, source: source, title: nil, format: "text", chunks: texts.count, bytes: 0,
                                content_hash: source, ingested_at: "2026-11-30T00:00:00Z")
        _ = try await store.replaceDocument(info, chunks: texts.map { (Chunk(heading: nil, text: $0), [0, 1]) })
    }

    @Test func termCountsFollowEveryWrite() async throws {
        let statistics = TermStatistics(store: store)
        try await add("harbour.txt", (1...20).map { "Container number \($0) waits at the harbour." })
        try await add("bridge.txt", ["The Zorblat Bridge carries containers."])
        var snapshot = try await statistics.snapshot(for: ["containers", "zorblat", "ferry"], version: try await store.contentVersion())
        #expect(snapshot.chunks == 21)
        #expect(snapshot.frequencies == ["containers": 21, "zorblat": 1, "ferry": 0])

        try await add("ferry.txt", ["The ferry leaves the Zorblat pier at noon."])
        snapshot = try await statistics.snapshot(for: ["zorblat"], version: try await store.contentVersion())
        #expect(snapshot.chunks == 22)
        #expect(snapshot.frequencies["zorblat"] == 2)
        #expect(snapshot.frequencies["ferry"] == nil, "counts of an older version are dropped")

        _ = try await store.deleteDocument(id: "harbour.txt")
        snapshot = try await statistics.snapshot(for: ["containers"], version: try await store.contentVersion())
        #expect(snapshot.chunks == 2)
        #expect(snapshot.frequencies["containers"] == 1)
    }

    @Test func keywordSearchKeepsTheRarestWordsWithinItsBudget() async throws {
        let frequencies = ["container": 30_000, "zorblat": 12, "bridge": 900, "ferry": 0]
        let words = ["container", "zorblat", "bridge", "ferry"]
        #expect(KnowledgeBase.keywordTerms(words, frequencies: frequencies, budget: 10_000) == ["ferry", "zorblat", "bridge"])
        #expect(KnowledgeBase.keywordTerms(words, frequencies: frequencies, budget: 100_000) == ["ferry", "zorblat", "bridge", "container"])
        #expect(KnowledgeBase.keywordTerms(["container"], frequencies: frequencies, budget: 10) == ["container"],
                "the rarest word is searched even over budget")

        try await add("harbour.txt", (1...20).map { "Container number \($0) waits at the harbour." })
        try await add("bridge.txt", ["The Zorblat Bridge carries containers."])
        let terms = KnowledgeBase.keywordTerms(["containers", "zorblat"], frequencies: try await TermStatistics(store: store)
            .snapshot(for: ["containers", "zorblat"], version: try await store.contentVersion()).frequencies, budget: 5)
        #expect(terms == ["zorblat"])
        #expect(try await store.keywordSearch(terms: terms, limit: 50) == ["bridge.txt#0"])
        #expect(try await store.keywordSearch(terms: ["containers", "zorblat"], limit: 50).count == 21)
        #expect(try await store.keywordSearch(terms: ["containers", "zorblat"], limit: 50).first == "bridge.txt#0",
                "BM25 ranks the chunk with both words first")
    }
}
