public import Foundation
import GRDB
public import VoiceCore

/// The one-process default, `knowledge.db`: chunks with vectors as float32 BLOBs, FTS5 over the chunks and over
/// the Q&A pairs. SQLite in WAL mode through GRDB; each document is written in one transaction.
public final class SQLiteKnowledgeStore: KnowledgeStore {
    public let url: URL
    let pool: DatabasePool

    public var engine: String { "sqlite" }

    public init(url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // A second process (`voice ingest` beside a running service) waits for the write lock instead of failing.
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: url.path, configuration: configuration)
        self.url = url
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE documents (
                    id TEXT PRIMARY KEY,
                    source TEXT NOT NULL UNIQUE,
                    title TEXT,
                    format TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    bytes INTEGER NOT NULL,
                    chunk_count INTEGER NOT NULL,
                    ingested_at TEXT NOT NULL
                );
                CREATE TABLE chunks (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    heading TEXT,
                    text TEXT NOT NULL,
                    embedding BLOB NOT NULL
                );
                CREATE INDEX chunks_by_document ON chunks(document_id);
                CREATE VIRTUAL TABLE chunks_fts USING fts5(title, heading, text, tokenize = 'porter unicode61');
                CREATE TABLE qa (
                    id INTEGER PRIMARY KEY,
                    question TEXT NOT NULL,
                    normalized TEXT NOT NULL UNIQUE,
                    answer TEXT NOT NULL,
                    tags TEXT NOT NULL,
                    embedding BLOB NOT NULL
                );
                CREATE VIRTUAL TABLE qa_fts USING fts5(question, answer, tags, tokenize = 'porter unicode61');
                """)
        }
        migrator.registerMigration("v2") { db in
            // Every write bumps this counter, so caches of derived data (term statistics, the vocabulary) learn in
            // one row read, even from another process, whether they are stale.
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT INTO meta (key, value) VALUES ('content_version', 0);
                """)
        }
        migrator.registerMigration("v3") { db in
            // Section headings of each document, one per line. Documents ingested before have none: forgetting
            // their fingerprints makes the next `voice ingest` of the same files re-chunk them instead of skipping.
            try db.execute(sql: "ALTER TABLE documents ADD COLUMN headings TEXT; UPDATE documents SET content_hash = ''")
        }
        migrator.registerMigration("v4") { db in
            // The site owner's log of asked questions, with each question's MiniLM vector so that unanswered ones
            // can be grouped by meaning. Not knowledge: writing it does not bump the content version.
            try db.execute(sql: """
                CREATE TABLE questions (
                    id INTEGER PRIMARY KEY,
                    asked_at TEXT NOT NULL,
                    session_id TEXT,
                    question TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    answer_kind TEXT NOT NULL,
                    decline_reason TEXT,
                    sources TEXT NOT NULL,
                    timings TEXT NOT NULL,
                    embedding BLOB NOT NULL
                );
                CREATE INDEX questions_asked_at ON questions (asked_at);
                """)
        }
        migrator.registerMigration("v5") { db in
            // Publishable widget keys made in the console: only their SHA-256 digests are kept.
            try db.execute(sql: """
                CREATE TABLE widget_keys (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    digest TEXT NOT NULL UNIQUE,
                    origins TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v6") { db in
            // When visitors' browsers first heard each answer, for the console: the one figure the gateway cannot measure.
            try db.execute(sql: """
                CREATE TABLE first_audio (
                    id INTEGER PRIMARY KEY,
                    reported_at TEXT NOT NULL,
                    milliseconds REAL NOT NULL
                );
                CREATE INDEX first_audio_reported_at ON first_audio (reported_at);
                """)
        }
        migrator.registerMigration("v7") { db in
            // A knowledge base that holds anything was seeded (or filled by its owner) already.
            try db.execute(sql: """
                INSERT INTO meta (key, value) SELECT 'seeded', 1
                WHERE EXISTS (SELECT 1 FROM documents) OR EXISTS (SELECT 1 FROM qa)
                """)
        }
        return migrator
    }

    static func bumpContentVersion(_ db: Database) throws {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE key = 'content_version'")
    }

    // MARK: Documents

    public func replaceDocument(_ document: DocumentInfo, headings: [String] = [],
                                chunks: [(chunk: Chunk, vector: [Float])]) async throws -> [String] {
        try await pool.write { db in
            let previous = try Self.deleteDocument(id: document.id, in: db)
            try db.execute(sql: """
                INSERT INTO documents (id, source, title, format, content_hash, bytes, chunk_count, ingested_at, headings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [document.id, document.source, document.title, document.format, document.content_hash,
                                 document.bytes, chunks.count, document.ingested_at, headings.joined(separator: "\n")])
            let insertChunk = try db.makeStatement(sql: """
                INSERT INTO chunks (id, document_id, ordinal, heading, text, embedding) VALUES (?, ?, ?, ?, ?, ?)
                """)
            let insertFTS = try db.makeStatement(sql: "INSERT INTO chunks_fts (rowid, title, heading, text) VALUES (?, ?, ?, ?)")
            for (ordinal, entry) in chunks.enumerated() {
                try insertChunk.execute(arguments: [StoredChunk.id(document.id, ordinal), document.id, ordinal, entry.chunk.heading,
                                                    entry.chunk.text, VectorMath.blob(entry.vector)])
                try insertFTS.execute(arguments: [db.lastInsertedRowID, document.title, entry.chunk.heading, entry.chunk.text])
            }
            try Self.bumpContentVersion(db)
            return previous
        }
    }

    public func deleteDocument(id: String) async throws -> [String]? {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM documents WHERE id = ?", arguments: [id]) == true else { return nil }
            return try Self.deleteDocument(id: id, in: db)
        }
    }

    static func deleteDocument(id: String, in db: Database) throws -> [String] {
        let ids = try String.fetchAll(db, sql: "SELECT id FROM chunks WHERE document_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM chunks_fts WHERE rowid IN (SELECT seq FROM chunks WHERE document_id = ?)", arguments: [id])
        try db.execute(sql: "DELETE FROM chunks WHERE document_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [id])
        try bumpContentVersion(db)
        return ids
    }

    public func documents() async throws -> [DocumentInfo] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM documents ORDER BY source").map(Self.documentInfo)
        }
    }

    public func document(id: String) async throws -> DocumentInfo? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM documents WHERE id = ?", arguments: [id]).map(Self.documentInfo)
        }
    }

    static func documentInfo(_ row: Row) -> DocumentInfo {
        DocumentInfo(id: row["id"], source: row["source"], title: row["title"], format: row["format"], chunks: row["chunk_count"],
                     bytes: row["bytes"], content_hash: row["content_hash"], ingested_at: row["ingested_at"])
    }

    public func chunkCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks") ?? 0 }
    }

    public func chunkVersions() async throws -> [String: String] {
        try await pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: """
                SELECT c.id, c.seq || ':' || d.ingested_at || ':' || d.content_hash AS version
                FROM chunks c JOIN documents d ON d.id = c.document_id
                """).map { ($0["id"], $0["version"]) })
        }
    }

    public func claimSeeding() async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO meta (key, value) VALUES ('seeded', 1)")
            return db.changesCount > 0
        }
    }

    public func contentVersion() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'content_version'") ?? 0 }
    }

    public func chunkFrequencies(_ words: [String]) async throws -> [String: Int] {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            for word in Set(words) {
                counts[word] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                                                arguments: ["\"\(word)\""]) ?? 0
            }
            return counts
        }
    }

    public func allTexts() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT text FROM chunks UNION ALL SELECT question FROM qa")
        }
    }

    public func forEachVectorPage(pageSize: Int, ids: Set<String>?, _ body: ([VectorRecord]) async throws -> Void) async throws {
        if let ids {
            // A few new chunks of another writer: fetched by id, in pages that keep the statement's parameters few.
            for page in Array(ids).pages(of: min(pageSize, 500)) {
                let records = try await pool.read { db in
                    try Row.fetchAll(db, sql: "SELECT id, document_id, embedding FROM chunks WHERE id IN (\(Self.marks(page.count)))",
                                     arguments: StatementArguments(Array(page))).map(Self.vectorRecord)
                }
                try await body(records)
            }
            return
        }
        var after: Int64 = 0
        while true {
            let cursor = after
            let (records, last) = try await pool.read { db in
                let rows = try Row.fetchAll(db, sql: "SELECT seq, id, document_id, embedding FROM chunks WHERE seq > ? ORDER BY seq LIMIT ?",
                                            arguments: [cursor, pageSize])
                return (rows.map(Self.vectorRecord), rows.last.map { $0["seq"] as Int64 })
            }
            guard let last else { return }
            after = last
            try await body(records)
        }
    }

    static func vectorRecord(_ row: Row) -> VectorRecord {
        VectorRecord(id: row["id"], documentID: row["document_id"], vector: VectorMath.vector(row["embedding"]))
    }

    static func marks(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ",") }

    public func chunks(ids: [String]) async throws -> [String: StoredChunk] {
        guard !ids.isEmpty else { return [:] }
        return try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.id, c.document_id, d.source, d.title, d.headings, c.heading, c.text, c.embedding
                FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (\(Self.marks(ids.count)))
                """, arguments: StatementArguments(ids))
            return Dictionary(uniqueKeysWithValues: rows.map { row in
                let headings: String? = row["headings"]
                return (row["id"], StoredChunk(id: row["id"], documentID: row["document_id"], source: row["source"], title: row["title"],
                                               heading: row["heading"], text: row["text"], vector: VectorMath.vector(row["embedding"]),
                                               sectionHeadings: Set(headings?.split(separator: "\n").map(String.init) ?? [])))
            })
        }
    }

    /// BM25 over FTS5.
    public func keywordSearch(terms: [String], limit: Int) async throws -> [String] {
        guard let match = SearchText.ftsQuery(terms) else { return [] }
        return try await pool.read { db in
            // Ranked inside the subquery, so only the best `limit` rows are joined to their (large) chunk rows.
            try String.fetchAll(db, sql: """
                SELECT c.id FROM (
                    SELECT rowid AS seq, bm25(chunks_fts, 2.0, 2.0, 1.0) AS score FROM chunks_fts
                    WHERE chunks_fts MATCH ? ORDER BY score LIMIT ?
                ) best JOIN chunks c ON c.seq = best.seq ORDER BY best.score
                """, arguments: [match, limit])
        }
    }

    // MARK: Q&A

    public func keywordSearchQuestions(_ query: String, limit: Int) async throws -> [String] {
        guard let match = SearchText.ftsQuery(SearchText.searchTerms(query)) else { return [] }
        return try await pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT q.normalized FROM qa_fts f JOIN qa q ON q.id = f.rowid
                WHERE qa_fts MATCH ? ORDER BY bm25(qa_fts, 1.0, 0.3, 0.5) LIMIT ?
                """, arguments: [match, limit])
        }
    }

    public func upsertQA(_ pairs: [(pair: QAPair, vector: [Float])]) async throws {
        try await pool.write { db in
            for (pair, vector) in pairs {
                let normalized = SearchText.normalize(pair.question)
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM qa WHERE normalized = ?", arguments: [normalized]) {
                    try db.execute(sql: "DELETE FROM qa_fts WHERE rowid = ?", arguments: [id])
                    try db.execute(sql: "DELETE FROM qa WHERE id = ?", arguments: [id])
                }
                let tags = pair.tags.joined(separator: ";")
                try db.execute(sql: "INSERT INTO qa (question, normalized, answer, tags, embedding) VALUES (?, ?, ?, ?, ?)",
                               arguments: [pair.question, normalized, pair.answer, tags, VectorMath.blob(vector)])
                try db.execute(sql: "INSERT INTO qa_fts (rowid, question, answer, tags) VALUES (?, ?, ?, ?)",
                               arguments: [db.lastInsertedRowID, pair.question, pair.answer, tags])
            }
            try Self.bumpContentVersion(db)
        }
    }

    public func deleteQA(id: Int64) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM qa_fts WHERE rowid = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM qa WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            try Self.bumpContentVersion(db)
            return true
        }
    }

    public func qaPairs() async throws -> [(pair: QAPair, vector: [Float])] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, question, answer, tags, embedding FROM qa ORDER BY id").map { row in
                let tags: String = row["tags"]
                return (QAPair(id: row["id"], question: row["question"], answer: row["answer"], tags: tags.split(separator: ";").map(String.init)),
                        VectorMath.vector(row["embedding"]))
            }
        }
    }
}

// MARK: The question log, first-audio figures, widget keys

extension SQLiteKnowledgeStore {
    static let questionColumns = "id, asked_at, session_id, question, answer, answer_kind, decline_reason, sources, timings"

    public func recordQuestion(_ entry: LoggedQuestion, vector: [Float], deletingBefore cutoff: String) async throws {
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO questions (asked_at, session_id, question, answer, answer_kind, decline_reason, sources, timings, embedding)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry.asked_at, entry.session_id, entry.question, entry.answer, entry.answer_kind,
                                 entry.decline_reason, entry.sourcesJSON, entry.timingsJSON, VectorMath.blob(vector)])
            try db.execute(sql: "DELETE FROM questions WHERE asked_at < ?", arguments: [cutoff])
        }
    }

    public func questions(search: String?, limit: Int) async throws -> [LoggedQuestion] {
        try await pool.read { db in
            var sql = "SELECT \(Self.questionColumns) FROM questions"
            var arguments: StatementArguments = []
            if let search, !search.isEmpty {
                sql += " WHERE question LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\' OR session_id = ?"
                let pattern = Self.likePattern(search)
                arguments += [pattern, pattern, search]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.loggedQuestion)
        }
    }

    public func recordFirstAudio(milliseconds: Double, at time: String, deletingBefore cutoff: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO first_audio (reported_at, milliseconds) VALUES (?, ?)", arguments: [time, milliseconds])
            try db.execute(sql: "DELETE FROM first_audio WHERE reported_at < ?", arguments: [cutoff])
        }
    }

    public func firstAudio(since: String, limit: Int) async throws -> [Double] {
        try await pool.read { db in
            try Double.fetchAll(db, sql: "SELECT milliseconds FROM first_audio WHERE reported_at >= ? ORDER BY id DESC LIMIT ?",
                                arguments: [since, limit])
        }
    }

    public func unansweredQuestions(since: String, limit: Int) async throws -> [(entry: LoggedQuestion, vector: [Float])] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.questionColumns), embedding FROM questions
                WHERE answer_kind = 'not_covered' AND asked_at >= ? ORDER BY id DESC LIMIT ?
                """, arguments: [since, limit]).map { (Self.loggedQuestion($0), VectorMath.vector($0["embedding"])) }
        }
    }

    static func loggedQuestion(_ row: Row) -> LoggedQuestion {
        let sources: String = row["sources"]
        let timings: String = row["timings"]
        return LoggedQuestion(id: row["id"], asked_at: row["asked_at"], session_id: row["session_id"], question: row["question"],
                              answer: row["answer"], answer_kind: row["answer_kind"], decline_reason: row["decline_reason"],
                              sources: LoggedQuestion.decodeSources(sources), timings: LoggedQuestion.decodeTimings(timings))
    }

    public func widgetKeys() async throws -> [WidgetKey] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, digest, origins, created_at FROM widget_keys ORDER BY created_at").map { row in
                let origins: String = row["origins"]
                return WidgetKey(id: row["id"], name: row["name"], origins: origins.split(separator: " ").map(String.init),
                                 digest: row["digest"], created_at: row["created_at"])
            }
        }
    }

    public func insertWidgetKey(_ key: WidgetKey) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO widget_keys (id, name, digest, origins, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [key.id, key.name, key.digest, key.origins.joined(separator: " "), key.created_at])
        }
    }

    public func deleteWidgetKey(id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM widget_keys WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }
}
