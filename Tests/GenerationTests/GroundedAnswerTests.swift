import Foundation
import Generation
import LlamaEngine
import Testing
import VoiceCore

/// Grounded spoken answers from the real SmolLM2, through the responder the service runs.
@Suite(.serialized) struct GroundedAnswerTests {
    @Test func answersFromTheContext() async throws {
        let responder = try await SharedLLM.responder.value
        let answer = try await responder.respond(RespondRequest(
            query: "When did the Zorblat Bridge open?", context: [ContextItem(text: "The Zorblat Bridge opened in 1847.")]))
        #expect(answer.response.contains("1847"), "got: \(answer.response)")
        #expect(answer.completion_tokens > 0)
        #expect(answer.prompt_tokens > 0)
        #expect(answer.timings.prompt_ms > 0)
    }

    @Test func saysItDoesNotKnowWhenTheContextIsAboutSomethingElse() async throws {
        let responder = try await SharedLLM.responder.value
        let answer = try await responder.respond(RespondRequest(
            query: "When did the Zorblat Bridge open?",
            context: [ContextItem(text: "The ferry to the island leaves every hour from the north pier."),
                      ContextItem(text: "Ferry tickets can be bought on board or at the harbour kiosk.")]))
        #expect(saysItDoesNotKnow(answer.response), "got: \(answer.response)")
        #expect(!containsYear(answer.response), "got: \(answer.response)")
    }

    @Test func answersAreShortPlainSpokenText() async throws {
        let responder = try await SharedLLM.responder.value
        let answer = try await responder.respond(RespondRequest(
            query: "What can visitors do at the harbour?",
            context: [ContextItem(text: "Visitors can take the ferry, walk over the bridge, visit the museum and eat at the fish market.")],
            max_tokens: 200))
        #expect(!answer.response.isEmpty)
        #expect(!answer.response.contains("*") && !answer.response.contains("\n") && !answer.response.contains("#"))
        let sentences = answer.response.split(whereSeparator: { ".!?".contains($0) }).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(sentences.count <= 3, "got: \(answer.response)")
    }

    @Test func greedyAnswersRepeatExactlyWithThePrefixCache() async throws {
        let responder = try await SharedLLM.responder.value
        let request = RespondRequest(query: "How long is the central span?",
                                     context: [ContextItem(text: "The central span of the Zorblat Bridge is 84 metres long.")])
        let first = try await responder.respond(request)
        let second = try await responder.respond(request)
        #expect(first.response == second.response)
        let backend = try await SharedLLM.backend
        #expect(backend.scheduler.cachedPrefixTokens > 20)
    }

    @Test func streamedDeltasJoinToTheNonStreamedAnswer() async throws {
        let responder = try await SharedLLM.responder.value
        let request = RespondRequest(query: "When did the Zorblat Bridge open?",
                                     context: [ContextItem(text: "The Zorblat Bridge opened in 1847.")], temperature: 0)
        let whole = try await responder.respond(request)
        let streamed = try await Collected(try await responder.stream(request))
        #expect(streamed.text == whole.response)
        #expect(streamed.stats?.completionTokens == whole.completion_tokens)
    }

    @Test func fourConcurrentRequestsAllSucceedAndRunTogether() async throws {
        let responder = try await SharedLLM.responder.value
        let questions = ["When did the Zorblat Bridge open?", "How long is the central span?",
                         "Where does the ferry leave from?", "Who may cross at any hour?"]
        let context = ["The Zorblat Bridge opened in 1847.", "The central span is 84 metres long.",
                       "The ferry leaves every hour from the north pier.", "Pedestrians may cross at any hour."]
            .map { ContextItem(text: $0) }
        let backend = try await SharedLLM.backend
        // The backend's own token stream: the responder releases whole sentences, which hides when tokens came.
        let results = try await withThrowingTaskGroup(of: Collected.self) { group in
            for question in questions {
                group.addTask {
                    let (messages, parameters) = try responder.plan(RespondRequest(query: question, context: context))
                    return try await Collected(try await backend.generate(messages, parameters: parameters, stop: nil))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 4)
        #expect(results.allSatisfy { !$0.text.isEmpty && $0.stats != nil })
        // Serialised requests would each start only after the previous one ended; batched, every one has
        // produced text before the first one finishes.
        let lastStart = try #require(results.compactMap(\.firstText).max())
        let firstEnd = try #require(results.compactMap(\.end).min())
        #expect(lastStart < firstEnd)
    }

    @Test func dropsTheLeastRelevantContextWhenItDoesNotFit() async throws {
        // A small window keeps the prompt short on a busy machine; the fitting is the same at any size.
        let backend = try LlamaChatBackend(model: try SharedLLM.model(), options: .init(sequences: 1, contextPerSequence: 512))
        let responder = Responder(backend: backend)
        let filler = String(repeating: "The harbour has many old warehouses along the quay. ", count: 8)
        let context = [ContextItem(text: "The Zorblat Bridge opened in 1847.")] + (0..<12).map { _ in ContextItem(text: filler) }
        let answer = try await responder.respond(RespondRequest(query: "When did the Zorblat Bridge open?", context: context))
        #expect(answer.prompt_tokens + Responder.defaultMaxTokens <= 512)
        #expect(answer.prompt_tokens > 300, "the passages that fit are kept")
    }

    @Test func keepsTheFirstPassagesInOrderWhenFitting() throws {
        let prompt = GroundedPrompt()
        let context = (1...5).map { ContextItem(text: "passage \($0)") }
        let fitted = try #require(prompt.fitted(query: "q", context: context, history: []) { messages in
            messages.last!.content.components(separatedBy: "passage").count - 1 <= 3
        })
        let user = try #require(fitted.last?.content)
        #expect(user.contains("passage 1") && user.contains("passage 3") && !user.contains("passage 4"))
        #expect(fitted.first?.content == prompt.instructions)
    }
}
