public import Foundation
import GRDB
public import VoiceCore

/// The site owner's log of asked questions in `knowledge.db`, beside the knowledge it is about, so that every
/// gateway replica writes to the one place the knowledge service keeps (docs/decisions.md, 43).
extension KnowledgeStore {
    static let questionColumns = "id, asked_at, session_id, question, answer, answer_kind, decline_reason, sources, timings"

    /// Stores `entry`, and deletes entries asked before `cutoff` (ISO 8601 sorts as text).
    func recordQuestion(_ entry: LoggedQuestion, vector: [Float], deletingBefore cutoff: String) async throws {
        let sources = String(decoding: try JSONEncoder().encode(entry.sources), as: UTF8.self)
        let timings = String(decoding: try JSONEncoder().encode(entry.timings), as: UTF8.self)
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO questions (asked_at, session_id, question, answer, answer_kind, decline_reason, sources, timings, embedding)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry.asked_at, entry.session_id, entry.question, entry.answer, entry.answer_kind,
                                 entry.decline_reason, sources, timings, VectorMath.blob(vector)])
            try db.execute(sql: "DELETE FROM questions WHERE asked_at < ?", arguments: [cutoff])
        }
    }

    /// The most recent entries first; `search` matches the question or the answer, case-insensitively, or is a session id.
    func questions(search: String?, limit: Int) async throws -> [LoggedQuestion] {
        try await pool.read { db in
            var sql = "SELECT \(Self.questionColumns) FROM questions"
            var arguments: StatementArguments = []
            if let search, !search.isEmpty {
                sql += " WHERE question LIKE ? ESCAPE '\\' OR answer LIKE ? ESCAPE '\\' OR session_id = ?"
                let pattern = "%" + search.replacing("\\", with: "\\\\").replacing("%", with: "\\%").replacing("_", with: "\\_") + "%"
                arguments += [pattern, pattern, search]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.loggedQuestion)
        }
    }

    /// Stores a browser's first-audio figure, and deletes figures reported before `cutoff`.
    func recordFirstAudio(milliseconds: Double, at time: String, deletingBefore cutoff: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO first_audio (reported_at, milliseconds) VALUES (?, ?)", arguments: [time, milliseconds])
            try db.execute(sql: "DELETE FROM first_audio WHERE reported_at < ?", arguments: [cutoff])
        }
    }

    /// The figures reported since `since`, newest first.
    func firstAudio(since: String, limit: Int) async throws -> [Double] {
        try await pool.read { db in
            try Double.fetchAll(db, sql: "SELECT milliseconds FROM first_audio WHERE reported_at >= ? ORDER BY id DESC LIMIT ?",
                                arguments: [since, limit])
        }
    }

    /// Unanswered questions asked since `since`, newest first, with their vectors.
    func unansweredQuestions(since: String, limit: Int) async throws -> [(entry: LoggedQuestion, vector: [Float])] {
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
                              sources: (try? JSONDecoder().decode([String].self, from: Data(sources.utf8))) ?? [],
                              timings: (try? JSONDecoder().decode([String: Double].self, from: Data(timings.utf8))) ?? [:])
    }
}

extension KnowledgeBase {
    /// How close an unanswered question's MiniLM vector must be to one of a group's to join it (single link).
    /// Chosen on hand-written questions, not on an evaluation set: rewordings ("Do you sell gift cards?", "Can I
    /// buy a gift card?", "Is there a gift voucher I can buy?"; "Is there parking?", "Do you have a car park?")
    /// score 0.6–0.8 with their nearest, different wishes ("gift cards" and "parking", "dogs") below 0.4. Holidays
    /// ("Boxing Day", "Christmas Eve") score about 0.7 and make one gap: the owner's missing holiday hours.
    static let gapSimilarity: Float = 0.6

    /// Logs a question and its answer, with its MiniLM vector when it went unanswered, deleting entries older
    /// than the retention period.
    public func record(_ question: LoggedQuestion) async throws {
        guard !question.question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
        // Only unanswered questions are grouped into gaps: embedding the rest would take the one embedding
        // worker from visitors' retrievals for nothing.
        let vector = question.answer_kind == "not_covered" ? try await embed([question.question])[0] : []
        try await store.recordQuestion(question, vector: vector, deletingBefore: retentionCutoff)
    }

    public func recordFirstAudio(milliseconds: Double) async throws {
        try await store.recordFirstAudio(milliseconds: milliseconds, at: LoggedQuestion.timestamp(), deletingBefore: retentionCutoff)
    }

    /// The log's oldest time kept: entries and figures before it are deleted as new ones come.
    var retentionCutoff: String {
        LoggedQuestion.timestamp(Date().addingTimeInterval(-Double(questionRetentionDays) * 86_400))
    }

    /// The browsers' first-audio figures of the last `minutes`, newest first (at most 10,000).
    public func firstAudio(minutes: Int) async throws -> [Double] {
        try await store.firstAudio(since: LoggedQuestion.timestamp(Date().addingTimeInterval(-Double(minutes) * 60)), limit: 10_000)
    }

    public func loggedQuestions(search: String?, limit: Int) async throws -> [LoggedQuestion] {
        try await store.questions(search: search, limit: limit)
    }

    /// The questions nobody could answer in the last `days`, grouped by meaning, the most asked first.
    public func gaps(days: Int = 30) async throws -> [KnowledgeGap] {
        let since = LoggedQuestion.timestamp(Date().addingTimeInterval(-Double(days) * 86_400))
        var groups: [(vectors: [[Float]], entries: [LoggedQuestion])] = []
        // Single link compares each question with every grouped one: 2000 keep that under a second.
        for (entry, vector) in try await store.unansweredQuestions(since: since, limit: 2000) {
            if let index = groups.firstIndex(where: { $0.vectors.contains { VectorMath.dot($0, vector) >= Self.gapSimilarity } }) {
                groups[index].entries.append(entry)
                groups[index].vectors.append(vector)
            } else {
                groups.append(([vector], [entry]))
            }
        }
        return groups.map { group in
            var wordings: [String] = []
            for entry in group.entries where !wordings.contains(where: { $0.caseInsensitiveCompare(entry.question) == .orderedSame }) {
                wordings.append(entry.question)
            }
            return KnowledgeGap(question: wordings[0], count: group.entries.count, examples: Array(wordings.dropFirst().prefix(5)),
                                last_asked: group.entries[0].asked_at)
        }.sorted { ($0.count, $0.last_asked) > ($1.count, $1.last_asked) }
    }
}
