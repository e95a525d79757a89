import Foundation
public import VoiceCore

/// A document as listed by `GET /documents`.
public struct DocumentInfo: Codable, Sendable, Equatable {
    public var id: String
    public var source: String
    public var title: String?
    public var format: String
    public var chunks: Int
    public var bytes: Int
    public var content_hash: String
    public var ingested_at: String

    public init(id: String, source: String, title: String?, format: String, chunks: Int, bytes: Int, content_hash: String,
                ingested_at: String) {
        self.id = id
        self.source = source
        self.title = title
        self.format = format
        self.chunks = chunks
        self.bytes = bytes
        self.content_hash = content_hash
        self.ingested_at = ingested_at
    }
}

/// A chunk as stored: its text, where it came from, and its vector.
public struct StoredChunk: Sendable, Equatable {
    public var id: String
    public var documentID: String
    public var source: String
    public var title: String?
    public var heading: String?
    public var text: String
    public var vector: [Float]
    /// Every section heading of the chunk's document: a chunk that spans sections holds the later headings as
    /// sentences, and evidence selection tells them from the text by these.
    public var sectionHeadings: Set<String> = []

    /// A chunk's id: its document's id and its position, so re-ingesting a document reuses the same ids.
    public static func id(_ documentID: String, _ ordinal: Int) -> String { "\(documentID)#\(ordinal)" }
}

public struct QAPair: Sendable, Equatable, Codable {
    /// The stored row's id (`DELETE /qa/{id}`); nil for a pair not yet stored. Storing a question again gives it a new id.
    public var id: Int64?
    public var question: String
    public var answer: String
    public var tags: [String]

    public init(id: Int64? = nil, question: String, answer: String, tags: [String] = []) {
        self.id = id
        self.question = question
        self.answer = answer
        self.tags = tags
    }
}

/// Where the knowledge service keeps its state: documents, chunks with their vectors, keyword search over them,
/// Q&A pairs, the site owner's question log, first-audio figures and widget keys. SQLite (`knowledge.db`) in one
/// process; PostgreSQL when replicas share it (docs/decisions.md, 46). Every document is written in one
/// transaction, so a crash leaves it fully there or not at all, and every knowledge write bumps the content version.
public protocol KnowledgeStore: Sendable {
    /// `sqlite` or `postgres`, as `/health` reports it.
    var engine: String { get }

    /// Replaces everything stored for `document.id` with `chunks` and returns the ids of the chunks that were there
    /// before (for the vector index).
    func replaceDocument(_ document: DocumentInfo, headings: [String], chunks: [(chunk: Chunk, vector: [Float])]) async throws -> [String]
    /// Deletes a document and its chunks; returns the deleted chunk ids, nil when there was no such document.
    func deleteDocument(id: String) async throws -> [String]?
    func documents() async throws -> [DocumentInfo]
    func document(id: String) async throws -> DocumentInfo?
    func chunkCount() async throws -> Int
    /// Every chunk's id with a token that changes whenever the chunk is written again, for bringing a process's own
    /// vector index in step with what other processes wrote.
    func chunkVersions() async throws -> [String: String]
    /// True exactly once in the store's life: whoever gets it may seed the sample knowledge, so that knowledge an owner
    /// deleted is not put back by the next replica to start.
    func claimSeeding() async throws -> Bool
    /// Changes whenever chunks or Q&A pairs are written, by this process or another.
    func contentVersion() async throws -> Int
    /// How many chunks hold each of `words` (stemmed, so "opens" counts chunks with "open").
    func chunkFrequencies(_ words: [String]) async throws -> [String: Int]
    /// The text of every chunk and every stored question, for the domain vocabulary.
    func allTexts() async throws -> [String]
    /// Every chunk's vector in pages, or only those of `ids`.
    func forEachVectorPage(pageSize: Int, ids: Set<String>?, _ body: ([VectorRecord]) async throws -> Void) async throws
    func chunks(ids: [String]) async throws -> [String: StoredChunk]
    /// Ids of the chunks holding any of `terms`, best first (title and heading words weigh more than body words).
    func keywordSearch(terms: [String], limit: Int) async throws -> [String]

    /// Normalised stored questions best first by their words.
    func keywordSearchQuestions(_ query: String, limit: Int) async throws -> [String]
    /// Inserts pairs, replacing the answer of a question that is already there (after normalisation).
    func upsertQA(_ pairs: [(pair: QAPair, vector: [Float])]) async throws
    /// Deletes one pair; false when there was none with that id.
    func deleteQA(id: Int64) async throws -> Bool
    func qaPairs() async throws -> [(pair: QAPair, vector: [Float])]

    /// Stores `entry`, and deletes entries asked before `cutoff` (ISO 8601 sorts as text).
    func recordQuestion(_ entry: LoggedQuestion, vector: [Float], deletingBefore cutoff: String) async throws
    /// The most recent entries first; `search` matches the question or the answer, case-insensitively, or is a session id.
    func questions(search: String?, limit: Int) async throws -> [LoggedQuestion]
    /// Unanswered questions asked since `since`, newest first, with their vectors.
    func unansweredQuestions(since: String, limit: Int) async throws -> [(entry: LoggedQuestion, vector: [Float])]
    /// Stores a browser's first-audio figure, and deletes figures reported before `cutoff`.
    func recordFirstAudio(milliseconds: Double, at time: String, deletingBefore cutoff: String) async throws
    /// The figures reported since `since`, newest first.
    func firstAudio(since: String, limit: Int) async throws -> [Double]

    func widgetKeys() async throws -> [WidgetKey]
    func insertWidgetKey(_ key: WidgetKey) async throws
    /// Whether a key was there to delete.
    func deleteWidgetKey(id: String) async throws -> Bool
}

extension KnowledgeStore {
    public func forEachVectorPage(_ body: ([VectorRecord]) async throws -> Void) async throws {
        try await forEachVectorPage(pageSize: 5000, ids: nil, body)
    }

    /// The pattern a case-insensitive LIKE/ILIKE with `ESCAPE '\\'` matches `search` anywhere with.
    static func likePattern(_ search: String) -> String {
        "%" + search.replacing("\\", with: "\\\\").replacing("%", with: "\\%").replacing("_", with: "\\_") + "%"
    }
}

/// The column values the log stores as JSON text.
extension LoggedQuestion {
    var sourcesJSON: String { String(decoding: (try? JSONEncoder().encode(sources)) ?? Data("[]".utf8), as: UTF8.self) }
    var timingsJSON: String { String(decoding: (try? JSONEncoder().encode(timings)) ?? Data("{}".utf8), as: UTF8.self) }

    static func decodeSources(_ text: String) -> [String] { (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? [] }
    static func decodeTimings(_ text: String) -> [String: Double] {
        (try? JSONDecoder().decode([String: Double].self, from: Data(text.utf8))) ?? [:]
    }
}
