/// A chunk's vector as an index holds it.
public struct VectorRecord: Sendable, Equatable {
    public var id: String
    public var documentID: String
    public var vector: [Float]

    public init(id: String, documentID: String, vector: [Float]) {
        self.id = id
        self.documentID = documentID
        self.vector = vector
    }
}

public struct VectorMatch: Sendable, Equatable {
    public var id: String
    /// Cosine similarity to the query.
    public var similarity: Float

    public init(id: String, similarity: Float) {
        self.id = id
        self.similarity = similarity
    }
}

/// Nearest-neighbour search over chunk vectors. The knowledge database stays the source of truth (every chunk's
/// vector is a BLOB there); an index is derived from it and kept in step by ``KnowledgeBase``, which rebuilds it
/// from the database when the two disagree.
public protocol VectorIndex: Sendable {
    /// `embedded` or `chroma`, as reported by `/health`.
    var backend: String { get }
    /// Inserts or replaces records by id.
    func upsert(_ records: [VectorRecord]) async throws
    func delete(ids: [String]) async throws
    /// The `limit` most similar records, best first.
    func search(_ query: [Float], limit: Int) async throws -> [VectorMatch]
    func count() async throws -> Int
}
