import Foundation
import Retrieval
import Testing
import VoiceCore
import VoiceTesting

/// The Chroma backend against a real Chroma server, started on a free port for this suite and killed after.
@Suite(.serialized) struct ChromaBackendTests {
    static let executable = Result { try ChromaServer.install(repositoryRoot: Fixtures.repositoryRoot) }

    func withServer(_ body: (ChromaServer) async throws -> Void) async throws {
        let server = try await ChromaServer.start(executable: try Self.executable.get())
        do {
            try await body(server)
        } catch {
            server.stop()
            throw error
        }
        server.stop()
    }

    @Test func upsertSearchAndDeleteGoThroughTheRESTAPI() async throws {
        try await withServer { server in
            let index = try await ChromaVectorIndex.connect(baseURL: server.url, collection: "unit")
            try await index.upsert([VectorRecord(id: "a#0", documentID: "a", vector: [1, 0, 0]),
                                    VectorRecord(id: "a#1", documentID: "a", vector: [0, 1, 0]),
                                    VectorRecord(id: "b#0", documentID: "b", vector: [0.6, 0.8, 0])])
            #expect(try await index.count() == 3)
            let matches = try await index.search([1, 0, 0], limit: 2)
            #expect(matches.map(\.id) == ["a#0", "b#0"])
            #expect(abs(matches[0].similarity - 1) < 1e-4)
            #expect(abs(matches[1].similarity - 0.6) < 1e-3)
            try await index.delete(ids: ["a#0"])
            #expect(try await index.search([1, 0, 0], limit: 1).map(\.id) == ["b#0"])
            try await index.delete(ids: ["a#1", "b#0"])
            #expect(try await index.count() == 0)
        }
    }

    @Test func chromaBackedRetrievalMatchesTheEmbeddedIndex() async throws {
        try await withServer { server in
            let chroma = try await TestKnowledge(index: { _ in try await ChromaVectorIndex.connect(baseURL: server.url) })
            let embedded = try await TestKnowledge()
            #expect(try await chroma.knowledge.index.count() == chroma.knowledge.store.chunkCount())
            for query in ["What is Docker?", "When did the Zorblat Bridge open?", "How much does a cup lot cost?"] {
                let viaChroma = try await chroma.knowledge.retrieve(.init(query: query, top_k: 3))
                let viaEmbedded = try await embedded.knowledge.retrieve(.init(query: query, top_k: 3))
                #expect(viaChroma.documents.map(\.source) == viaEmbedded.documents.map(\.source), "\(query)")
            }
            // A second start over the same database finds Chroma in step and does not re-upload.
            let again = try await TestKnowledge(index: { _ in try await ChromaVectorIndex.connect(baseURL: server.url) },
                                                directory: chroma.directory)
            #expect(try await again.knowledge.index.count() == chroma.knowledge.store.chunkCount())
            let documents = try await again.knowledge.documents()
            let docker = try #require(documents.first { $0.source == "docker.md" })
            try await again.knowledge.deleteDocument(id: docker.id)
            #expect(try await again.knowledge.index.count() == again.knowledge.store.chunkCount())
        }
    }

    /// Replicas share the Chroma collection: one that starts with other knowledge, or none, adds its own chunks and
    /// deletes nobody's.
    @Test func aReplicaStartingOnASharedCollectionKeepsTheOthersChunks() async throws {
        try await withServer { server in
            let connect: @Sendable (Int) async throws -> any VectorIndex = { _ in
                try await ChromaVectorIndex.connect(baseURL: server.url, collection: "shared")
            }
            let first = try await TestKnowledge(index: connect)
            let theirs = try await first.knowledge.store.chunkCount()
            let second = try await TestKnowledge(seed: false, index: connect)
            _ = try await second.knowledge.ingest(source: "ferry.md", data: Data("The ferry to Gull Island leaves at 9 am.".utf8), format: .markdown)
            let third = try await TestKnowledge(seed: false, index: connect)
            #expect(try await third.knowledge.store.chunkCount() == 0)
            #expect(try await third.knowledge.index.count() == theirs + 1)
            let answer = try await first.knowledge.retrieve(.init(query: "When did the Zorblat Bridge open?", top_k: 1))
            #expect(answer.documents.first?.source.contains("zorblat") == true, "\(answer.documents.map(\.source))")
        }
    }
}
