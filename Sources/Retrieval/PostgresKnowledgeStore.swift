public import Foundation
public import Logging
import HTTPTypes
import NIOCore
import NIOSSL
import PostgresNIO
import Synchronization
import _ConnectionPoolModule
public import VoiceCore

/// The knowledge service's state in PostgreSQL, shared by every replica of the deployed layout: the same tables as
/// ``SQLiteKnowledgeStore``, vectors as float32 `bytea`, and the server's full-text search (`tsvector`, GIN) for
/// the lexical half. Each replica keeps its own vector index in step through the content version
/// (``KnowledgeBase/follow()``; docs/decisions.md, 46).
public final class PostgresKnowledgeStore: KnowledgeStore {
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>

    public var engine: String { "postgres" }

    /// Connects to `url` (`postgres://user:password@host:port/database`, `?sslmode=require` for TLS) and creates
    /// the schema when the database has none. A database that is still starting (Compose, Kubernetes) or restarting
    /// is waited for, up to `timeout` (as long as Kubernetes' startup probe waits).
    public static func connect(url: URL, logger: Logger, timeout: Duration = .seconds(300)) async throws -> PostgresKnowledgeStore {
        let store = PostgresKnowledgeStore(client: PostgresClient(configuration: try configuration(url), backgroundLogger: logger),
                                           logger: logger)
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                try await store.migrate()
                return store
            } catch where ContinuousClock.now < deadline {
                logger.warning("PostgreSQL not ready; retrying", metadata: ["error": "\(String(reflecting: error))"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    static func configuration(_ url: URL) throws -> PostgresClient.Configuration {
        guard let host = url.host, let user = url.user, !user.isEmpty else {
            throw SettingsError.invalid(key: "VOICE_DATABASE_URL", value: "(hidden)", expected: "a URL with a user and a host")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let tls = try tls(sslmode: URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?
            .first { $0.name == "sslmode" }?.value ?? "disable")
        var configuration = PostgresClient.Configuration(host: host, port: url.port ?? 5432, username: user,
                                                         password: url.password?.removingPercentEncoding,
                                                         database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 8
        // The server ends what runs too long, so a request is answered (503) instead of held: a statement after 5 s,
        // a wait for a lock after 2 s, a transaction its client left open after 10 s.
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "5s"), ("lock_timeout", "2s"), ("idle_in_transaction_session_timeout", "10s"),
        ]
        return configuration
    }

    /// libpq's `sslmode` values: `require` encrypts without checking the certificate (managed databases with a
    /// private CA), `verify-ca` checks the chain, `verify-full` the host name too.
    static func tls(sslmode: String) throws -> PostgresClient.Configuration.TLS {
        var client = TLSConfiguration.makeClientConfiguration()
        switch sslmode {
        case "disable": return .disable
        case "allow", "prefer":
            client.certificateVerification = .none
            return .prefer(client)
        case "require":
            client.certificateVerification = .none
            return .require(client)
        case "verify-ca":
            client.certificateVerification = .noHostnameVerification
            return .require(client)
        case "verify-full":
            return .require(client)
        default:
            throw SettingsError.invalid(key: "VOICE_DATABASE_URL", value: "sslmode=\(sslmode)",
                                        expected: "sslmode disable, allow, prefer, require, verify-ca or verify-full")
        }
    }

    /// How long a request waits for a connection before the database counts as unavailable.
    let leaseTimeout = Duration.seconds(5)

    private init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Runs `body` on a pooled connection, answering a database that is down, restarting or overloaded as 503
    /// `store_unavailable` (the caller may retry); other database errors are bugs and stay 500. Waiting for a
    /// connection is bounded here, by ``leaseTimeout`` (the pool would wait for a dead server indefinitely); a statement
    /// is bounded by the server (``configuration(_:)``), because once sent it cannot be called back, and a deadline
    /// that answered 503 while it went on to commit would misreport a write.
    private func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let race = LeaseRace()
        do {
            return try await withThrowingTaskGroup(of: T?.self) { [client, leaseTimeout] group in
                group.addTask {
                    try await client.withConnection { connection in
                        guard race.settle(.leased) else { throw CancellationError() }
                        return try await ClosedConnectionWatch.run(on: connection) { try await body(connection) }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: leaseTimeout)
                    // Only a wait for a connection is given up; a body already running is waited for.
                    if race.settle(.timedOut) { throw LeaseRace.TimedOut() }
                    return nil
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let value = result { return value }
                }
                throw CancellationError()
            }
        } catch let error where error is LeaseRace.TimedOut || error is ClosedConnectionWatch.Lost || Self.isUnavailable(error) {
            logger.error("PostgreSQL unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError(.serviceUnavailable, code: "store_unavailable", message: "the knowledge database is unavailable")
        }
    }

    static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case let error as PostgresTransactionError:
            return [error.beginError, error.closureError, error.commitError].compactMap { $0 }.contains(where: isUnavailable)
        case let error as PSQLError:
            // Anything but the server's own answer is the connection failing.
            guard error.code == .server else { return true }
            let state = error.serverInfo?[.sqlState] ?? ""
            // Connection (08), resources (53), shutdown or statement timeout (57), deadlock or serialisation (40),
            // lock timeout (55P03).
            return ["08", "53", "57", "40"].contains(String(state.prefix(2))) || state == "55P03"
        case is ConnectionPoolError:
            return true
        default:
            return false
        }
    }

    private func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await run { [logger] connection in try await connection.withTransaction(logger: logger) { try await body($0) } }
    }

    /// Rows of `query`, each decoded by `decode`.
    private func rows<T: Sendable>(_ query: PostgresQuery, _ decode: @escaping @Sendable (PostgresRow) throws -> T) async throws -> [T] {
        try await run { [logger] connection in
            var values: [T] = []
            for try await row in try await connection.query(query, logger: logger) { values.append(try decode(row)) }
            return values
        }
    }

    private func execute(_ query: PostgresQuery) async throws {
        _ = try await rows(query) { _ in () }
    }

    // MARK: Schema

    /// Version 1. Migrations run under an advisory lock, so replicas starting together create the schema once.
    /// Search uses a copy of the `english` configuration without stop words, so that a question's every word
    /// counts as FTS5's porter tokenizer counts it in the SQLite store.
    static let schema: [PostgresQuery] = [
        "CREATE TEXT SEARCH DICTIONARY voice_english_stem (TEMPLATE = snowball, LANGUAGE = english)",
        "CREATE TEXT SEARCH CONFIGURATION voice_english (COPY = english)",
        """
        ALTER TEXT SEARCH CONFIGURATION voice_english ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword,
            hword_part WITH voice_english_stem
        """,
        """
        CREATE TABLE documents (id TEXT PRIMARY KEY, source TEXT NOT NULL UNIQUE, title TEXT, format TEXT NOT NULL,
            content_hash TEXT NOT NULL, bytes BIGINT NOT NULL, chunk_count BIGINT NOT NULL, ingested_at TEXT NOT NULL,
            headings TEXT NOT NULL DEFAULT '')
        """,
        """
        CREATE TABLE chunks (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE,
            document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE, ordinal BIGINT NOT NULL, heading TEXT,
            text TEXT NOT NULL, embedding BYTEA NOT NULL, search TSVECTOR NOT NULL)
        """,
        "CREATE INDEX chunks_by_document ON chunks (document_id)",
        "CREATE INDEX chunks_search ON chunks USING GIN (search)",
        """
        CREATE TABLE qa (id BIGSERIAL PRIMARY KEY, question TEXT NOT NULL, normalized TEXT NOT NULL UNIQUE, answer TEXT NOT NULL,
            tags TEXT NOT NULL, embedding BYTEA NOT NULL, search TSVECTOR NOT NULL)
        """,
        "CREATE INDEX qa_search ON qa USING GIN (search)",
        """
        CREATE TABLE questions (id BIGSERIAL PRIMARY KEY, asked_at TEXT NOT NULL, session_id TEXT, question TEXT NOT NULL,
            answer TEXT NOT NULL, answer_kind TEXT NOT NULL, decline_reason TEXT, sources TEXT NOT NULL, timings TEXT NOT NULL,
            embedding BYTEA NOT NULL)
        """,
        "CREATE INDEX questions_asked_at ON questions (asked_at)",
        """
        CREATE TABLE widget_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL, digest TEXT NOT NULL UNIQUE, origins TEXT NOT NULL,
            created_at TEXT NOT NULL)
        """,
        "CREATE TABLE first_audio (id BIGSERIAL PRIMARY KEY, reported_at TEXT NOT NULL, milliseconds DOUBLE PRECISION NOT NULL)",
        "CREATE INDEX first_audio_reported_at ON first_audio (reported_at)",
        "INSERT INTO meta (key, value) VALUES ('content_version', 0), ('schema_version', 1)",
    ]

    func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7413001)", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)", logger: logger)
            var version = 0
            for try await value in try await connection.query("SELECT value FROM meta WHERE key = 'schema_version'", logger: logger)
                .decode(Int.self) { version = value }
            guard version < 1 else { return }
            for statement in Self.schema { try await connection.query(statement, logger: logger) }
        }
    }

    static func bumpContentVersion(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE meta SET value = value + 1 WHERE key = 'content_version'", logger: logger)
    }

    // MARK: Documents

    public func replaceDocument(_ document: DocumentInfo, headings: [String] = [],
                                chunks: [(chunk: Chunk, vector: [Float])]) async throws -> [String] {
        let logger = logger
        let ids = chunks.indices.map { StoredChunk.id(document.id, $0) }
        let chunkHeadings = chunks.map { $0.chunk.heading ?? "" }
        let texts = chunks.map(\.chunk.text)
        // Every vector in one value, cut back into rows by the server: the whole document is one statement.
        let vectors = Data(chunks.flatMap { VectorMath.blob($0.vector) })
        let width = chunks.first.map { $0.vector.count * MemoryLayout<Float>.size } ?? 0
        return try await transaction { connection in
            // Replicas writing one document (each seeding the sample knowledge at their first start) take turns,
            // the later replacing the earlier, instead of one failing on the unique source.
            try await Self.lock(document: document.id, connection, logger: logger)
            let previous = try await Self.deleteChunksAndDocument(id: document.id, connection, logger: logger)
            try await connection.query("""
                INSERT INTO documents (id, source, title, format, content_hash, bytes, chunk_count, ingested_at, headings)
                VALUES (\(document.id), \(document.source), \(document.title), \(document.format), \(document.content_hash),
                        \(document.bytes), \(ids.count), \(document.ingested_at), \(headings.joined(separator: "\n")))
                """, logger: logger)
            try await connection.query("""
                INSERT INTO chunks (id, document_id, ordinal, heading, text, embedding, search)
                SELECT u.id, \(document.id), u.o - 1, NULLIF(u.h, ''), u.t,
                       substring(\(vectors)::bytea from ((u.o - 1) * \(width) + 1)::int for \(width)::int),
                       setweight(to_tsvector('voice_english', coalesce(\(document.title), '')), 'A')
                       || setweight(to_tsvector('voice_english', u.h), 'A') || setweight(to_tsvector('voice_english', u.t), 'B')
                FROM unnest(\(ids)::text[], \(chunkHeadings)::text[], \(texts)::text[]) WITH ORDINALITY AS u(id, h, t, o)
                ORDER BY u.o
                """, logger: logger)
            try await Self.bumpContentVersion(connection, logger: logger)
            return previous
        }
    }

    public func deleteDocument(id: String) async throws -> [String]? {
        let logger = logger
        return try await transaction { connection in
            try await Self.lock(document: id, connection, logger: logger)
            var exists = false
            for try await _ in try await connection.query("SELECT 1 FROM documents WHERE id = \(id)", logger: logger) {
                exists = true
            }
            guard exists else { return nil }
            let removed = try await Self.deleteChunksAndDocument(id: id, connection, logger: logger)
            try await Self.bumpContentVersion(connection, logger: logger)
            return removed
        }
    }

    /// Writers of one document take turns, across replicas; the content version's row is only locked at the end of
    /// each, so writers of different documents do not queue behind one another.
    static func lock(document id: String, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(id)))", logger: logger)
    }

    static func deleteChunksAndDocument(id: String, _ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var ids: [String] = []
        for try await chunk in try await connection.query("DELETE FROM chunks WHERE document_id = \(id) RETURNING id", logger: logger)
            .decode(String.self) { ids.append(chunk) }
        try await connection.query("DELETE FROM documents WHERE id = \(id)", logger: logger)
        return ids
    }

    static let documentColumns: PostgresQuery = "id, source, title, format, chunk_count, bytes, content_hash, ingested_at"

    static func documentInfo(_ row: PostgresRow) throws -> DocumentInfo {
        let (id, source, title, format, chunks, bytes, hash, ingested) =
            try row.decode((String, String, String?, String, Int, Int, String, String).self)
        return DocumentInfo(id: id, source: source, title: title, format: format, chunks: chunks, bytes: bytes, content_hash: hash,
                            ingested_at: ingested)
    }

    public func documents() async throws -> [DocumentInfo] {
        try await rows("SELECT id, source, title, format, chunk_count, bytes, content_hash, ingested_at FROM documents ORDER BY source",
                       Self.documentInfo)
    }

    public func document(id: String) async throws -> DocumentInfo? {
        try await rows("""
            SELECT id, source, title, format, chunk_count, bytes, content_hash, ingested_at FROM documents WHERE id = \(id)
            """, Self.documentInfo).first
    }

    public func chunkCount() async throws -> Int {
        try await rows("SELECT count(*) FROM chunks") { try $0.decode(Int.self) }.first ?? 0
    }

    public func chunkVersions() async throws -> [String: String] {
        let pairs = try await rows("""
            SELECT c.id, c.seq::text || ':' || d.ingested_at || ':' || d.content_hash FROM chunks c JOIN documents d ON d.id = c.document_id
            """) { try $0.decode((String, String).self) }
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    public func claimSeeding() async throws -> Bool {
        !(try await rows("INSERT INTO meta (key, value) VALUES ('seeded', 1) ON CONFLICT DO NOTHING RETURNING key") {
            try $0.decode(String.self)
        }).isEmpty
    }

    public func contentVersion() async throws -> Int {
        try await rows("SELECT value FROM meta WHERE key = 'content_version'") { try $0.decode(Int.self) }.first ?? 0
    }

    public func chunkFrequencies(_ words: [String]) async throws -> [String: Int] {
        let unique = Array(Set(words))
        guard !unique.isEmpty else { return [:] }
        let counts = try await rows("""
            SELECT w, (SELECT count(*) FROM chunks WHERE search @@ plainto_tsquery('voice_english', w)) FROM unnest(\(unique)::text[]) AS w
            """) { try $0.decode((String, Int).self) }
        return Dictionary(counts, uniquingKeysWith: { first, _ in first })
    }

    public func allTexts() async throws -> [String] {
        try await rows("SELECT text FROM chunks UNION ALL SELECT question FROM qa") { try $0.decode(String.self) }
    }

    public func forEachVectorPage(pageSize: Int, ids: Set<String>?, _ body: ([VectorRecord]) async throws -> Void) async throws {
        let record: @Sendable (PostgresRow) throws -> (Int, VectorRecord) = { row in
            let (seq, id, document, blob) = try row.decode((Int, String, String, Data).self)
            return (seq, VectorRecord(id: id, documentID: document, vector: VectorMath.vector(blob)))
        }
        if let ids {
            for page in Array(ids).pages(of: pageSize) {
                try await body(try await rows("""
                    SELECT seq, id, document_id, embedding FROM chunks WHERE id = ANY(\(Array(page)))
                    """, record).map(\.1))
            }
            return
        }
        var after = 0
        while true {
            let page = try await rows("""
                SELECT seq, id, document_id, embedding FROM chunks WHERE seq > \(after) ORDER BY seq LIMIT \(pageSize)
                """, record)
            guard let last = page.last else { return }
            after = last.0
            try await body(page.map(\.1))
        }
    }

    public func chunks(ids: [String]) async throws -> [String: StoredChunk] {
        guard !ids.isEmpty else { return [:] }
        let chunks = try await rows("""
            SELECT c.id, c.document_id, d.source, d.title, d.headings, c.heading, c.text, c.embedding
            FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY(\(ids))
            """) { row in
            let (id, document, source, title, headings, heading, text, blob) =
                try row.decode((String, String, String, String?, String, String?, String, Data).self)
            return StoredChunk(id: id, documentID: document, source: source, title: title, heading: heading, text: text,
                               vector: VectorMath.vector(blob), sectionHeadings: Set(headings.split(separator: "\n").map(String.init)))
        }
        return Dictionary(chunks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Each term weighs by its rarity (BM25's inverse document frequency) times `ts_rank` of the chunk for it, so
    /// that, as with FTS5's BM25, one rare word outranks several common ones.
    public func keywordSearch(terms: [String], limit: Int) async throws -> [String] {
        guard !terms.isEmpty else { return [] }
        return try await rows("""
            WITH total AS (SELECT count(*) + 1.0 AS n FROM chunks),
            terms AS (
                SELECT q, ln((SELECT n FROM total) / ((SELECT count(*) FROM chunks WHERE search @@ q) + 0.5)) AS idf
                FROM (SELECT plainto_tsquery('voice_english', t) AS q FROM unnest(\(terms)::text[]) AS t) parsed
                WHERE numnode(q) > 0
            )
            SELECT c.id FROM chunks c JOIN terms ON c.search @@ terms.q
            GROUP BY c.seq, c.id ORDER BY sum(terms.idf * ts_rank(c.search, terms.q, 1)) DESC, c.seq LIMIT \(limit)
            """) { try $0.decode(String.self) }
    }

    // MARK: Q&A

    public func keywordSearchQuestions(_ query: String, limit: Int) async throws -> [String] {
        let terms = SearchText.searchTerms(query)
        guard !terms.isEmpty else { return [] }
        return try await rows("""
            WITH terms AS (
                SELECT plainto_tsquery('voice_english', t) AS q FROM unnest(\(terms)::text[]) AS t
            )
            SELECT qa.normalized FROM qa JOIN terms ON numnode(terms.q) > 0 AND qa.search @@ terms.q
            GROUP BY qa.id, qa.normalized ORDER BY sum(ts_rank(qa.search, terms.q)) DESC, qa.id LIMIT \(limit)
            """) { try $0.decode(String.self) }
    }

    public func upsertQA(_ pairs: [(pair: QAPair, vector: [Float])]) async throws {
        let logger = logger
        // One row per normalised question, the last given winning, as when the SQLite store replaces in turn.
        var latest: [String: Int] = [:]
        for (index, entry) in pairs.enumerated() { latest[SearchText.normalize(entry.pair.question)] = index }
        let kept = pairs.indices.filter { latest[SearchText.normalize(pairs[$0].pair.question)] == $0 }.map { pairs[$0] }
        guard !kept.isEmpty else { return }
        let questions = kept.map(\.pair.question), answers = kept.map(\.pair.answer)
        let normalized = questions.map(SearchText.normalize), tags = kept.map { $0.pair.tags.joined(separator: ";") }
        let vectors = Data(kept.flatMap { VectorMath.blob($0.vector) })
        let width = kept[0].vector.count * MemoryLayout<Float>.size
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7413002)", logger: logger)
            // A question stored again gets a new id, as in the SQLite store.
            try await connection.query("DELETE FROM qa WHERE normalized = ANY(\(normalized))", logger: logger)
            try await connection.query("""
                INSERT INTO qa (question, normalized, answer, tags, embedding, search)
                SELECT u.q, u.n, u.a, u.t, substring(\(vectors)::bytea from ((u.o - 1) * \(width) + 1)::int for \(width)::int),
                       setweight(to_tsvector('voice_english', u.q), 'A') || setweight(to_tsvector('voice_english', u.t), 'B')
                       || setweight(to_tsvector('voice_english', u.a), 'C')
                FROM unnest(\(questions)::text[], \(normalized)::text[], \(answers)::text[], \(tags)::text[])
                     WITH ORDINALITY AS u(q, n, a, t, o)
                ORDER BY u.o
                """, logger: logger)
            try await Self.bumpContentVersion(connection, logger: logger)
        }
    }

    public func deleteQA(id: Int64) async throws -> Bool {
        let logger = logger
        return try await transaction { connection in
            var deleted = false
            for try await _ in try await connection.query("DELETE FROM qa WHERE id = \(Int(id)) RETURNING id", logger: logger) {
                deleted = true
            }
            if deleted { try await Self.bumpContentVersion(connection, logger: logger) }
            return deleted
        }
    }

    public func qaPairs() async throws -> [(pair: QAPair, vector: [Float])] {
        try await rows("SELECT id, question, answer, tags, embedding FROM qa ORDER BY id") { row in
            let (id, question, answer, tags, blob) = try row.decode((Int, String, String, String, Data).self)
            return (QAPair(id: Int64(id), question: question, answer: answer, tags: tags.split(separator: ";").map(String.init)),
                    VectorMath.vector(blob))
        }
    }

    // MARK: The question log, first-audio figures, widget keys

    public func recordQuestion(_ entry: LoggedQuestion, vector: [Float], deletingBefore cutoff: String) async throws {
        let logger = logger
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO questions (asked_at, session_id, question, answer, answer_kind, decline_reason, sources, timings, embedding)
                VALUES (\(entry.asked_at), \(entry.session_id), \(entry.question), \(entry.answer), \(entry.answer_kind),
                        \(entry.decline_reason), \(entry.sourcesJSON), \(entry.timingsJSON), \(VectorMath.blob(vector)))
                """, logger: logger)
            try await connection.query("DELETE FROM questions WHERE asked_at < \(cutoff)", logger: logger)
        }
    }

    static func loggedQuestion(_ row: PostgresRow) throws -> LoggedQuestion {
        let columns = row.makeRandomAccess()
        return LoggedQuestion(id: Int64(try columns["id"].decode(Int.self)), asked_at: try columns["asked_at"].decode(String.self),
                              session_id: try columns["session_id"].decode(String?.self), question: try columns["question"].decode(String.self),
                              answer: try columns["answer"].decode(String.self), answer_kind: try columns["answer_kind"].decode(String.self),
                              decline_reason: try columns["decline_reason"].decode(String?.self),
                              sources: LoggedQuestion.decodeSources(try columns["sources"].decode(String.self)),
                              timings: LoggedQuestion.decodeTimings(try columns["timings"].decode(String.self)))
    }

    public func questions(search: String?, limit: Int) async throws -> [LoggedQuestion] {
        let columns = "id, asked_at, session_id, question, answer, answer_kind, decline_reason, sources, timings"
        guard let search, !search.isEmpty else {
            return try await rows("SELECT \(unescaped: columns) FROM questions ORDER BY id DESC LIMIT \(limit)", Self.loggedQuestion)
        }
        let pattern = Self.likePattern(search)
        return try await rows("""
            SELECT \(unescaped: columns) FROM questions
            WHERE question ILIKE \(pattern) ESCAPE '\\' OR answer ILIKE \(pattern) ESCAPE '\\' OR session_id = \(search)
            ORDER BY id DESC LIMIT \(limit)
            """, Self.loggedQuestion)
    }

    public func unansweredQuestions(since: String, limit: Int) async throws -> [(entry: LoggedQuestion, vector: [Float])] {
        try await rows("""
            SELECT id, asked_at, session_id, question, answer, answer_kind, decline_reason, sources, timings, embedding FROM questions
            WHERE answer_kind = 'not_covered' AND asked_at >= \(since) ORDER BY id DESC LIMIT \(limit)
            """) { row in
            (try Self.loggedQuestion(row), VectorMath.vector(try row.makeRandomAccess()["embedding"].decode(Data.self)))
        }
    }

    public func recordFirstAudio(milliseconds: Double, at time: String, deletingBefore cutoff: String) async throws {
        let logger = logger
        try await transaction { connection in
            try await connection.query("INSERT INTO first_audio (reported_at, milliseconds) VALUES (\(time), \(milliseconds))", logger: logger)
            try await connection.query("DELETE FROM first_audio WHERE reported_at < \(cutoff)", logger: logger)
        }
    }

    public func firstAudio(since: String, limit: Int) async throws -> [Double] {
        try await rows("""
            SELECT milliseconds FROM first_audio WHERE reported_at >= \(since) ORDER BY id DESC LIMIT \(limit)
            """) { try $0.decode(Double.self) }
    }

    public func widgetKeys() async throws -> [WidgetKey] {
        try await rows("SELECT id, name, digest, origins, created_at FROM widget_keys ORDER BY created_at") { row in
            let (id, name, digest, origins, created) = try row.decode((String, String, String, String, String).self)
            return WidgetKey(id: id, name: name, origins: origins.split(separator: " ").map(String.init), digest: digest, created_at: created)
        }
    }

    public func insertWidgetKey(_ key: WidgetKey) async throws {
        try await execute("""
            INSERT INTO widget_keys (id, name, digest, origins, created_at)
            VALUES (\(key.id), \(key.name), \(key.digest), \(key.origins.joined(separator: " ")), \(key.created_at))
            """)
    }

    public func deleteWidgetKey(id: String) async throws -> Bool {
        !(try await rows("DELETE FROM widget_keys WHERE id = \(id) RETURNING id") { try $0.decode(String.self) }).isEmpty
    }
}

/// Which comes first for one request: a connection, or the end of the wait for one. Exactly one side wins, so a
/// request either runs whole or is refused before anything is sent.
final class LeaseRace: Sendable {
    enum Outcome { case pending, leased, timedOut }
    struct TimedOut: Error {}
    private let state = Mutex(Outcome.pending)

    /// Whether `outcome` is the one that settled the race.
    func settle(_ outcome: Outcome) -> Bool {
        state.withLock { state in
            guard state == .pending else { return state == outcome }
            state = outcome
            return true
        }
    }
}

/// Waits for work on a pooled connection, unless the connection closes under it. PostgresNIO 1.33 writes a query
/// to its channel with no promise to fail, so a query sent the moment the server closed the connection (a
/// database restart) is dropped silently and its caller waits forever, cancellation or not. A body still running
/// a moment after its connection closed is therefore given up as lost: nothing it sends can commit any more, and
/// the task is left waiting on nothing.
enum ClosedConnectionWatch {
    struct Lost: Error {}

    /// How often the connection is looked at, and how long a body whose connection closed may still end by itself
    /// (with the connection's own error, the usual case).
    static let interval = Duration.milliseconds(250)
    static let grace = Duration.seconds(1)

    static func run<T: Sendable>(on connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let first = FirstOutcome<T>()
        let work = Task {
            do { first.settle(.success(try await body())) } catch { first.settle(.failure(error)) }
        }
        let watch = Task {
            while (try? await Task.sleep(for: interval)) != nil {
                guard connection.isClosed else { continue }
                if (try? await Task.sleep(for: grace)) != nil { first.settle(.failure(Lost())) }
                return
            }
        }
        defer { watch.cancel() }
        return try await withTaskCancellationHandler { try await first.value } onCancel: { work.cancel() }
    }
}

/// The first result settled, handed to one waiter.
final class FirstOutcome<T: Sendable>: Sendable {
    private enum State {
        case pending(CheckedContinuation<T, any Error>?)
        case settled(Result<T, any Error>)
    }

    private let state = Mutex(State.pending(nil))

    func settle(_ result: Result<T, any Error>) {
        let waiter: CheckedContinuation<T, any Error>? = state.withLock { state in
            guard case .pending(let waiter) = state else { return nil }
            state = .settled(result)
            return waiter
        }
        waiter?.resume(with: result)
    }

    var value: T {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let settled: Result<T, any Error>? = state.withLock { state in
                    switch state {
                    case .settled(let result): return result
                    case .pending: state = .pending(continuation); return nil
                    }
                }
                if let settled { continuation.resume(with: settled) }
            }
        }
    }
}
