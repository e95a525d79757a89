import Foundation
public import Hummingbird
import NIOCore
import NIOFoundationCompat
public import VoiceCore

/// HTTP routes of the retrieval service (port 8002).
public struct RetrievalController: Sendable {
    public var knowledge: KnowledgeBase
    /// The largest document upload.
    public var maxDocumentBytes = 16 << 20

    public init(knowledge: KnowledgeBase) {
        self.knowledge = knowledge
    }

    struct EmbedRequest: Decodable {
        let texts: [String]
    }

    struct EmbedResponse: Encodable {
        let embeddings: [[Float]]
        let dimensions: Int
        let model: String
    }

    /// OpenAI's `input` is one string or a list of them.
    struct OpenAIEmbeddingRequest: Decodable {
        let input: [String]
        let model: String?

        enum CodingKeys: String, CodingKey { case input, model }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let single = try? container.decode(String.self, forKey: .input) {
                input = [single]
            } else {
                input = try container.decode([String].self, forKey: .input)
            }
            model = try container.decodeIfPresent(String.self, forKey: .model)
        }
    }

    struct OpenAIEmbeddingResponse: Encodable {
        struct Item: Encodable {
            let object = "embedding"
            let index: Int
            let embedding: [Float]
        }
        struct Usage: Encodable {
            let prompt_tokens: Int
            let total_tokens: Int
        }
        let object = "list"
        let data: [Item]
        let model: String
        let usage: Usage
    }

    struct JSONDocument: Decodable {
        let source: String
        let text: String
        let format: String?
    }

    static let maxEmbedTexts = 256

    func validate(texts: [String]) throws {
        guard !texts.isEmpty else { throw APIError.badRequest("empty_input", "give at least one text to embed") }
        guard texts.count <= Self.maxEmbedTexts else {
            throw APIError.badRequest("too_many_texts", "at most \(Self.maxEmbedTexts) texts per request")
        }
        guard texts.allSatisfy({ !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else {
            throw APIError.badRequest("empty_input", "texts must not be empty")
        }
    }

    public func addRoutes(to router: Router<VoiceRequestContext>) {
        router.post("/retrieve") { request, _ in
            var request = request
            let body = try await request.decodeJSON(as: RetrieveRequest.self, limit: 64 << 10)
            return try jsonResponse(try await knowledge.retrieve(body))
        }
        router.post("/embed") { request, _ in
            var request = request
            let body = try await request.decodeJSON(as: EmbedRequest.self, limit: 4 << 20)
            try validate(texts: body.texts)
            let vectors = try await knowledge.embed(body.texts)
            return try jsonResponse(EmbedResponse(embeddings: vectors, dimensions: knowledge.dimensions, model: knowledge.modelName))
        }
        router.post("/v1/embeddings") { request, _ in
            var request = request
            let body = try await request.decodeJSON(as: OpenAIEmbeddingRequest.self, limit: 4 << 20)
            try validate(texts: body.input)
            let vectors = try await knowledge.embed(body.input)
            let words = body.input.reduce(0) { $0 + Chunker.wordCount($1) }
            return try jsonResponse(OpenAIEmbeddingResponse(
                data: vectors.enumerated().map { .init(index: $0, embedding: $1) }, model: body.model ?? knowledge.modelName,
                usage: .init(prompt_tokens: words, total_tokens: words)))
        }
        router.post("/documents") { request, _ in
            var request = request
            let contentType = request.headers[.contentType] ?? ""
            let result: IngestResult
            if contentType.lowercased().hasPrefix("application/json") {
                let body = try await request.decodeJSON(as: JSONDocument.self, limit: maxDocumentBytes)
                let format = try body.format.map { name in
                    guard let format = DocumentFormat(rawValue: name), format != .pdf else {
                        throw APIError.badRequest("invalid_format", "format must be text, markdown or html in JSON; upload PDFs as bytes")
                    }
                    return format
                } ?? DocumentFormat(fileName: body.source) ?? .text
                result = try await knowledge.ingest(source: body.source, data: Data(body.text.utf8), format: format)
            } else {
                guard let source = request.uri.queryParameters.get("source") else {
                    throw APIError.badRequest("invalid_source", "name the document with ?source=NAME (or send JSON {source, text})")
                }
                guard let format = DocumentFormat(contentType: contentType) ?? DocumentFormat(fileName: source) else {
                    throw APIError.unsupportedMediaType(
                        "send text/plain, text/markdown, text/html or application/pdf (or a source name ending .txt, .md, .html, .pdf)")
                }
                let bytes = try await request.collectBody(limit: maxDocumentBytes)
                result = try await knowledge.ingest(source: source, data: Data(buffer: bytes), format: format)
            }
            return try jsonResponse(result, status: result.status == .created ? .created : .ok)
        }
        router.get("/documents") { _, _ in
            struct Documents: Encodable { let documents: [DocumentInfo] }
            return try jsonResponse(Documents(documents: try await knowledge.documents()))
        }
        router.delete("/documents/:id") { _, context in
            let id = try context.parameters.require("id")
            try await knowledge.deleteDocument(id: id)
            return Response(status: .noContent)
        }
        router.post("/qa") { request, _ in
            var request = request
            let bytes = try await request.collectBody(limit: maxDocumentBytes)
            struct Imported: Encodable { let imported: Int }
            return try jsonResponse(Imported(imported: try await knowledge.importQA(csv: Data(buffer: bytes))))
        }
        router.get("/vocabulary") { _, _ in
            try jsonResponse(VocabularyResponse(terms: try await knowledge.vocabulary()))
        }
        router.get("/health") { _, _ in
            try jsonResponse(try await knowledge.health())
        }
    }
}
