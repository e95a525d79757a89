import Foundation

/// A labelled question set over one knowledge base (docs/evaluation.md). `knowledge/eval.json` over the sample
/// knowledge base is the set "sample"; every `eval/<name>/set.json` over `eval/<name>/docs/` is another, written by
/// hand and marked `dev` (look and tune) or `test` (only report).
struct EvalSet: Decodable {
    struct Question: Codable {
        let question: String
        let answerable: Bool
        let expected_source: String?
        let expected_facts: [String]
        let asr_variant: String?
        /// Unanswerable, though the documents cover the topic: the asked item or fact is what they lack.
        let near_miss: Bool?
        /// The question this one follows up ("Is it open on Sundays?" after one about the pool).
        let follows: String?
        /// What makes the question hard ("table-cell", "pronoun", "wrong-item", …), for breakdowns.
        let shape: String?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            question = try container.decode(String.self, forKey: .question)
            answerable = try container.decode(Bool.self, forKey: .answerable)
            expected_source = try container.decodeIfPresent(String.self, forKey: .expected_source)
            expected_facts = try container.decodeIfPresent([String].self, forKey: .expected_facts) ?? []
            asr_variant = try container.decodeIfPresent(String.self, forKey: .asr_variant)
            near_miss = try container.decodeIfPresent(Bool.self, forKey: .near_miss)
            follows = try container.decodeIfPresent(String.self, forKey: .follows)
            shape = try container.decodeIfPresent(String.self, forKey: .shape)
        }

        enum CodingKeys: String, CodingKey {
            case question, answerable, expected_source, expected_facts, asr_variant, near_miss, follows, shape
        }
    }

    let split: String?
    let questions: [Question]

    /// The questions `question` follows, oldest first: a chain ("And a return?" then "What about for a child?") is
    /// asked whole, the last three questions kept, as the widget keeps three turns.
    func conversation(before question: Question) -> [String] {
        var chain: [String] = []
        var current = question.follows
        while let earlier = current, chain.count < 3, !chain.contains(earlier) {
            chain.insert(earlier, at: 0)
            current = questions.first { $0.question == earlier }?.follows
        }
        return chain
    }

    static func load(_ url: URL) throws -> EvalSet {
        try JSONDecoder().decode(EvalSet.self, from: Data(contentsOf: url))
    }
}

/// One set with where its documents are.
struct NamedEvalSet {
    let name: String
    let split: String
    let documents: URL
    let set: EvalSet

    /// The sample set and every set under `eval/`, sorted by name.
    static func all(repositoryRoot root: URL, knowledge: URL) throws -> [NamedEvalSet] {
        var sets = [NamedEvalSet(name: "sample", split: "sample", documents: knowledge,
                                 set: try EvalSet.load(knowledge.appendingPathComponent("eval.json")))]
        let folder = root.appendingPathComponent("eval")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names.sorted() {
            let file = folder.appendingPathComponent(name).appendingPathComponent("set.json")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let set = try EvalSet.load(file)
            sets.append(NamedEvalSet(name: name, split: set.split ?? "dev",
                                     documents: folder.appendingPathComponent(name).appendingPathComponent("docs"), set: set))
        }
        return sets
    }
}
