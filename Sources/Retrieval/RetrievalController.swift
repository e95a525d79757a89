import Foundation
import HTTPTypes
public import Hummingbird
import NIOCore
import NIOFoundationCompat
public import VoiceCore

/// HTTP routes of the retrieval service (port 8002).
public struct RetrievalController: Sendable {
    public var knowledge: KnowledgeBase
    /// The largest document upload.
    public var maxDocumentBytes = 16 << 20

    /// Guards the routes that change knowledge or read the question log (``AdminGuard``).
    public var adminToken: String?
    public var deployment = Deployment.development

    public init(knowledge: KnowledgeBase) {
        self.knowledge = knowledge
    }

    public init(knowledge: KnowledgeBase, settings: Settings) {
        self.knowledge = knowledge
        adminToken = settings.adminToken
        deployment = settings.deployment
    }

    /// Writes, the visitors' questions and the widget keys: only the site owner (through the gateway's console) may reach them.
    static func isAdminRoute(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        switch (method, path) {
        case (.post, "/documents"), (.post, "/qa"), (_, "/questions"), (_, "/gaps"), (_, "/keys"), (_, "/first-audio"): true
        case (.delete, _) where path.hasPrefix("/documents/") || path.hasPrefix("/qa/"): true
        case (_, _) where path.hasPrefix("/keys/"): true
        default: false
        }
    }

    struct JSONPair: Decodable {
        let question: String
        let answer: String
        let tags: [String]?
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
        router.middlewares.add(AdminGuard(token: adminToken, deployment: deployment, protecting: Self.isAdminRoute))
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
            struct Imported: Encodable { let imported: Int }
            guard (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/json") else {
                let bytes = try await request.collectBody(limit: maxDocumentBytes)
                return try jsonResponse(Imported(imported: try await knowledge.importQA(csv: Data(buffer: bytes))))
            }
            let pair = try await request.decodeJSON(as: JSONPair.self, limit: 64 << 10)
            let question = pair.question.trimmingCharacters(in: .whitespacesAndNewlines)
            let answer = pair.answer.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !question.isEmpty, !answer.isEmpty, question.count <= 2000, answer.count <= 4000 else {
                throw APIError.badRequest("invalid_pair", "a Q&A pair needs a question (at most 2000 characters) and an answer (at most 4000)")
            }
            return try jsonResponse(Imported(imported: try await knowledge.importQA([QAPair(question: question, answer: answer, tags: pair.tags ?? [])])))
        }
        router.delete("/qa/:id") { _, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError.badRequest("invalid_id", "a Q&A pair's id is an integer") }
            try await knowledge.deleteQA(id: id)
            return Response(status: .noContent)
        }
        router.get("/qa") { _, _ in
            struct Pairs: Encodable { let pairs: [QAPair] }
            return try jsonResponse(Pairs(pairs: try await knowledge.qaPairs()))
        }
        router.post("/questions") { request, _ in
            var request = request
            let entry = try await request.decodeJSON(as: LoggedQuestion.self, limit: 64 << 10)
            guard entry.question.count <= 4000, entry.answer.count <= 8000 else {
                throw APIError.payloadTooLarge("a logged question holds at most 4000 characters and its answer 8000")
            }
            try await knowledge.record(entry)
            return Response(status: .noContent)
        }
        router.get("/questions") { request, _ in
            struct Questions: Encodable { let questions: [LoggedQuestion] }
            let limit = try Self.integer(request, "limit", default: 100, range: 1...1000)
            let search = request.uri.queryParameters.get("search")
            return try jsonResponse(Questions(questions: try await knowledge.loggedQuestions(search: search, limit: limit)))
        }
        router.post("/first-audio") { request, _ in
            var request = request
            try await knowledge.recordFirstAudio(milliseconds: try await request.decodeJSON(as: FirstAudioReport.self, limit: 1 << 10).milliseconds())
            return Response(status: .noContent)
        }
        router.get("/first-audio") { request, _ in
            struct Figures: Encodable { let minutes: Int; let first_audio_ms: [Double] }
            let minutes = try Self.integer(request, "minutes", default: 60, range: 1...10_080)
            return try jsonResponse(Figures(minutes: minutes, first_audio_ms: try await knowledge.firstAudio(minutes: minutes)))
        }
        router.get("/keys") { _, _ in
            struct Keys: Encodable { let keys: [WidgetKey] }
            return try jsonResponse(Keys(keys: try await knowledge.widgetKeys()))
        }
        router.post("/keys") { request, _ in
            var request = request
            struct Ask: Decodable { let name: String; let origins: [String] }
            struct Made: Encodable { let key: String; let record: WidgetKey }
            let ask = try await request.decodeJSON(as: Ask.self, limit: 16 << 10)
            let name = ask.name.trimmingCharacters(in: .whitespacesAndNewlines)
            let origins = ask.origins.compactMap(PageOrigin.normalized)
            guard !name.isEmpty, name.count <= 100, !origins.isEmpty, origins.count == ask.origins.count, origins.count <= 20 else {
                throw APIError.badRequest("invalid_key", "a key needs a name (at most 100 characters) and 1–20 origins such as https://www.example.com")
            }
            let made = try await knowledge.makeWidgetKey(name: name, origins: origins)
            return try jsonResponse(Made(key: made.key, record: made.record), status: .created)
        }
        router.delete("/keys/:id") { _, context in
            try await knowledge.revokeWidgetKey(id: try context.parameters.require("id"))
            return Response(status: .noContent)
        }
        router.get("/gaps") { request, _ in
            struct Gaps: Encodable { let gaps: [KnowledgeGap] }
            let days = try Self.integer(request, "days", default: 30, range: 1...3650)
            return try jsonResponse(Gaps(gaps: try await knowledge.gaps(days: days)))
        }
        router.get("/vocabulary") { _, _ in
            try jsonResponse(VocabularyResponse(terms: try await knowledge.vocabulary()))
        }
        router.get("/health") { _, _ in
            try jsonResponse(try await knowledge.health())
        }
    }

    static func integer(_ request: Request, _ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("invalid_\(name)", "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
