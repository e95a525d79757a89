public import LlamaEngine
public import VoiceCore

/// How a grounded spoken answer is asked for: a fixed system prompt and worked examples (together the cached
/// prefix), then the context passages and the question in the user turn. Prompt construction lives only here,
/// so a later answer-quality stage (evidence selection, a groundedness guard) can change what goes in without
/// touching generation.
public struct GroundedPrompt: Sendable, Equatable {
    /// One worked question, shown to the model as an earlier user turn and its answer.
    public struct Example: Sendable, Equatable {
        public var query: String
        public var context: [String]
        public var answer: String

        public init(query: String, context: [String], answer: String) {
            self.query = query
            self.context = context
            self.answer = answer
        }
    }

    /// Measured on SmolLM2-135M (docs/decisions.md): short imperative rules, the refusal sentence spelled out,
    /// and the context before the question work best for a small model.
    public static let defaultInstructions = """
        You are a voice assistant. Answer the question with facts from the context only. \
        Reply in one or two short spoken sentences, plain text, no lists. \
        If the context does not say, reply: I don't know.
        """

    /// A small model follows shown answers far better than described ones: two answers taken from the context
    /// (a "who" among them, which it otherwise refuses), one refusal when the context is about something
    /// else (docs/decisions.md has what was tried). Being part of the cached prefix, they cost
    /// nothing per request.
    public static let defaultExamples = [
        Example(query: "When does the library open?",
                context: ["The city library opens at nine in the morning and closes at six."],
                answer: "The library opens at nine in the morning."),
        Example(query: "Who designed the old town hall?",
                context: ["The old town hall has a clock tower.", "The old town hall was designed by the architect Ines Marlow in 1902."],
                answer: "The architect Ines Marlow designed it."),
        Example(query: "Who built the lighthouse?",
                context: ["The lighthouse is painted red and white.", "Boats can be rented at the marina."],
                answer: "I don't know."),
    ]

    /// The second try after an answer failed the guard: copy, don't compose. The same system prompt and examples
    /// (so the cached prefix still applies and the retry costs only the question's turn), with a reminder after the
    /// question.
    public static let strict = GroundedPrompt(
        reminder: "Answer in one short sentence copied from the context, with only its numbers and names.")

    public var instructions: String
    public var examples: [Example]
    /// Said after the question in the user turn, outside the cached prefix.
    public var reminder: String?

    public init(instructions: String = Self.defaultInstructions, examples: [Example] = Self.defaultExamples,
                reminder: String? = nil) {
        self.instructions = instructions
        self.examples = examples
        self.reminder = reminder
    }

    /// The part every prompt starts with; its KV cache is computed once.
    public var prefix: [ChatMessage] {
        [ChatMessage(role: "system", content: instructions)] + examples.flatMap { example in
            [ChatMessage(role: "user", content: userTurn(query: example.query,
                                                         context: example.context.map { ContextItem(text: $0) })),
             ChatMessage(role: "assistant", content: example.answer)]
        }
    }

    /// The chat for one question: the system prompt, earlier turns, then the passages and the question.
    /// `context` is ordered most relevant first.
    public func messages(query: String, context: [ContextItem], history: [ChatTurn]) -> [ChatMessage] {
        var messages = prefix
        messages += history.map { ChatMessage(role: $0.role, content: $0.content) }
        let turn = userTurn(query: query, context: context)
        messages.append(ChatMessage(role: "user", content: reminder.map { "\(turn)\n\n\($0)" } ?? turn))
        return messages
    }

    /// The passages, then the question. The most relevant passage is listed last, nearest the question, where a
    /// small model attends most.
    func userTurn(query: String, context: [ContextItem]) -> String {
        let question = "Question: \(query)"
        guard !context.isEmpty else { return "Context: (none)\n\n\(question)" }
        let passages = context.reversed().map { "- \($0.text.trimmingWhitespace())" }.joined(separator: "\n")
        return "Context:\n\(passages)\n\n\(question)"
    }

    /// The largest prompt that fits `fits`: older history turns go first, then the least relevant passages
    /// (the last ones). Nil when even the question alone does not fit.
    public func fitted(query: String, context: [ContextItem], history: [ChatTurn],
                       fits: ([ChatMessage]) throws -> Bool) rethrows -> [ChatMessage]? {
        var history = history
        var context = context
        while true {
            let candidate = messages(query: query, context: context, history: history)
            if try fits(candidate) { return candidate }
            if !history.isEmpty {
                history.removeFirst()
            } else if !context.isEmpty {
                context.removeLast()
            } else {
                return nil
            }
        }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
