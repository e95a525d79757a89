@testable import Retrieval
import Testing

/// The in-memory exact index against a brute-force reference.
@Suite struct EmbeddedVectorIndexTests {
    func unit(_ values: [Float]) -> [Float] {
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return values.map { $0 / norm }
    }

    func randomVectors(_ count: Int, dimensions: Int) -> [[Float]] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in unit((0..<dimensions).map { _ in Float.random(in: -1...1, using: &generator) }) }
    }

    @Test func searchReturnsTheExactTopKBestFirst() {
        let vectors = randomVectors(2000, dimensions: 384)
        let index = EmbeddedVectorIndex(dimensions: 384)
        index.upsert(vectors.enumerated().map { VectorRecord(id: "c\($0)", documentID: "d", vector: $1) })
        let query = randomVectors(1, dimensions: 384)[0]
        let expected = vectors.enumerated()
            .map { (id: "c\($0)", score: zip(query, $1).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
            .sorted { $0.score > $1.score }.prefix(10)
        let found = index.search(query, limit: 10)
        #expect(found.map(\.id) == expected.map(\.id))
        for (match, reference) in zip(found, expected) { #expect(abs(match.similarity - reference.score) < 1e-4) }
    }

    @Test func deleteAndReplaceKeepTheMatrixConsistent() {
        let index = EmbeddedVectorIndex(dimensions: 3)
        index.upsert([VectorRecord(id: "a", documentID: "x", vector: [1, 0, 0]),
                      VectorRecord(id: "b", documentID: "x", vector: [0, 1, 0]),
                      VectorRecord(id: "c", documentID: "y", vector: [0, 0, 1])])
        index.delete(ids: ["a", "missing"])
        #expect(index.count() == 2)
        #expect(index.search([0, 0, 1], limit: 1).map(\.id) == ["c"])
        #expect(index.search([0, 1, 0], limit: 1).map(\.id) == ["b"])
        index.upsert([VectorRecord(id: "c", documentID: "y", vector: [1, 0, 0])])
        #expect(index.count() == 2)
        #expect(index.search([1, 0, 0], limit: 1).map(\.id) == ["c"])
        #expect(index.search([1, 0, 0], limit: 5).count == 2)
    }
}
