import Foundation
import HTTPTypes
public import VoiceCore

/// Everything one knowledge store keeps, copied into another without re-embedding: how a deployment that kept its
/// knowledge in `knowledge.db` moves to PostgreSQL (`voice knowledge copy`). Documents keep their ids, chunks and
/// vectors; Q&A pairs, widget keys and the question log come along. Idempotent: a document is replaced whole, a
/// pair by its question, and a key or logged question already there is not added twice.
public struct KnowledgeCopy: Sendable {
    public var documents = 0
    public var pairs = 0
    public var keys = 0
    public var questions = 0

    public static func copy(from source: any KnowledgeStore, to target: any KnowledgeStore) async throws -> KnowledgeCopy {
        var copied = KnowledgeCopy()
        let chunkIDs = Array(try await source.chunkVersions().keys)
        let byDocument = Dictionary(grouping: chunkIDs) { id in String(id[..<(id.lastIndex(of: "#") ?? id.endIndex)]) }
        for document in try await source.documents() {
            let stored = try await source.chunks(ids: byDocument[document.id] ?? [])
            let ordered = (0..<document.chunks).compactMap { stored[StoredChunk.id(document.id, $0)] }
            guard ordered.count == document.chunks else {
                throw APIError(.conflict, code: "incomplete_document", message: "\(document.source) has missing chunks in the source store")
            }
            _ = try await target.replaceDocument(document, headings: Array(ordered.first?.sectionHeadings ?? []).sorted(),
                                                 chunks: ordered.map { (Chunk(heading: $0.heading, text: $0.text), $0.vector) })
            copied.documents += 1
        }
        let pairs = try await source.qaPairs()
        if !pairs.isEmpty { try await target.upsertQA(pairs) }
        copied.pairs = pairs.count
        let existingKeys = Set(try await target.widgetKeys().map(\.digest))
        for key in try await source.widgetKeys() where !existingKeys.contains(key.digest) {
            try await target.insertWidgetKey(key)
            copied.keys += 1
        }
        // The log, oldest first, with the vectors unanswered questions are grouped by.
        let logged = Set(try await target.questions(search: nil, limit: 1_000_000).map { "\($0.asked_at)|\($0.question)" })
        let vectors = Dictionary(try await source.unansweredQuestions(since: "", limit: 1_000_000).map { ($0.entry.id, $0.vector) },
                                 uniquingKeysWith: { first, _ in first })
        for entry in try await source.questions(search: nil, limit: 1_000_000).reversed()
        where !logged.contains("\(entry.asked_at)|\(entry.question)") {
            try await target.recordQuestion(entry, vector: vectors[entry.id] ?? [], deletingBefore: "")
            copied.questions += 1
        }
        return copied
    }
}
