import Foundation
public import VoiceCore

/// The site owner's log of asked questions, kept in the knowledge store beside the knowledge it is about, so that
/// every gateway replica writes to the one place the knowledge service keeps (docs/decisions.md, 43).
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
