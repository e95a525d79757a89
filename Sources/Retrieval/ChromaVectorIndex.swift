public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import VoiceCore

/// A collection on a real Chroma server, through its REST API v2 (cosine space).
public final class ChromaVectorIndex: VectorIndex {
    public let baseURL: URL
    public let collectionName: String
    private let client: HTTPClient
    private let collectionPath: String
    private let timeout: TimeAmount

    /// Connects to the server and creates the collection if it does not exist yet.
    public static func connect(baseURL: URL, collection: String = "voice_chunks", client: HTTPClient = .shared,
                               timeout: Duration = .seconds(30)) async throws -> ChromaVectorIndex {
        let root = baseURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let collections = "\(root)/api/v2/tenants/default_tenant/databases/default_database/collections"
        struct Create: Encodable {
            struct Configuration: Encodable { var hnsw = ["space": "cosine"] }
            var name: String
            var configuration = Configuration()
            var get_or_create = true
        }
        struct Created: Decodable { var id: String }
        let amount = TimeAmount.milliseconds(timeout.milliseconds)
        let created = try await request(client, "POST", collections, body: Create(name: collection), timeout: amount, as: Created.self)
        return ChromaVectorIndex(baseURL: baseURL, collection: collection, client: client,
                                 collectionPath: "\(collections)/\(created.id)", timeout: amount)
    }

    private init(baseURL: URL, collection: String, client: HTTPClient, collectionPath: String, timeout: TimeAmount) {
        self.baseURL = baseURL
        self.collectionName = collection
        self.client = client
        self.collectionPath = collectionPath
        self.timeout = timeout
    }

    public var backend: String { "chroma" }

    struct Empty: Decodable {}

    public func upsert(_ records: [VectorRecord]) async throws {
        struct Upsert: Encodable {
            var ids: [String]
            var embeddings: [[Float]]
            var metadatas: [[String: String]]
        }
        // Chroma caps a request's batch; 1,000 keeps each body a few megabytes.
        for start in stride(from: 0, to: records.count, by: 1000) {
            let slice = records[start..<min(start + 1000, records.count)]
            let body = Upsert(ids: slice.map(\.id), embeddings: slice.map(\.vector),
                              metadatas: slice.map { ["document_id": $0.documentID] })
            _ = try await Self.request(client, "POST", "\(collectionPath)/upsert", body: body, timeout: timeout, as: Empty.self)
        }
    }

    public func delete(ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        struct Delete: Encodable { var ids: [String] }
        _ = try await Self.request(client, "POST", "\(collectionPath)/delete", body: Delete(ids: ids), timeout: timeout, as: Empty.self)
    }

    public func search(_ query: [Float], limit: Int) async throws -> [VectorMatch] {
        struct Query: Encodable {
            var query_embeddings: [[Float]]
            var n_results: Int
            var include = ["distances"]
        }
        struct Result: Decodable {
            var ids: [[String]]
            var distances: [[Float?]]?
        }
        let result = try await Self.request(client, "POST", "\(collectionPath)/query",
                                            body: Query(query_embeddings: [query], n_results: limit), timeout: timeout, as: Result.self)
        let ids = result.ids.first ?? []
        let distances = result.distances?.first ?? []
        // Chroma's cosine space reports distance = 1 − similarity.
        return ids.enumerated().map { index, id in
            VectorMatch(id: id, similarity: 1 - ((index < distances.count ? distances[index] : nil) ?? 1))
        }
    }

    public func count() async throws -> Int {
        try await Self.request(client, "GET", "\(collectionPath)/count", body: nil as String?, timeout: timeout, as: Int.self)
    }

    static func request<Body: Encodable, Reply: Decodable>(_ client: HTTPClient, _ method: String, _ url: String, body: Body?,
                                                         timeout: TimeAmount, as type: Reply.Type) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw APIError.unavailable(stage: "rag", "the Chroma server at \(url) is unreachable: \(error)")
        }
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard (200..<300).contains(response.status.code) else {
            throw APIError.unavailable(stage: "rag", "Chroma answered \(response.status.code): \(String(buffer: bytes).prefix(300))")
        }
        return try JSONDecoder().decode(Reply.self, from: Data(buffer: bytes))
    }
}
