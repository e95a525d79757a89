import Foundation
import Logging
import Models
import Retrieval
import VoiceCore
import VoiceTesting

/// A knowledge base over a scratch database, with the real MiniLM; each test gets its own.
struct TestKnowledge {
    let knowledge: KnowledgeBase
    let directory: URL

    static var sampleKnowledge: URL { Fixtures.repositoryRoot.appendingPathComponent("knowledge") }

    /// Over `store` when given, else over a SQLite store in `directory`.
    /// `pronounce` gives words' phonemes, as espeak-ng does in the service; `reranker` reads the evidence.
    init(seed: Bool = true, index makeIndex: ((Int) async throws -> any VectorIndex)? = nil, directory: URL? = nil,
         store: (any KnowledgeStore)? = nil, reranker: Reranker? = nil,
         pronounce: (@Sendable ([String]) async throws -> [String])? = nil) async throws {
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("rag-\(UUID().uuidString)")
        let embedder = try Embedder(modelPath: try Fixtures.model(ModelCatalog.miniLM), threads: 2)
        let index = try await makeIndex?(embedder.dimensions) ?? EmbeddedVectorIndex(dimensions: embedder.dimensions)
        knowledge = KnowledgeBase(store: try store ?? SQLiteKnowledgeStore(url: directory.appendingPathComponent("knowledge.db")),
                                  index: index, embedder: embedder, logger: Logger(label: "test"), reranker: reranker,
                                  pronounce: pronounce)
        try await knowledge.prepare(seedFrom: seed ? Self.sampleKnowledge : nil)
        self.directory = directory
    }

    func sources(_ query: String, topK: Int = 3) async throws -> [String] {
        try await knowledge.retrieve(.init(query: query, top_k: topK)).documents.map(\.source)
    }
}
