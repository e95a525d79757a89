import Foundation
import Generation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Testing
import VoiceCore

/// The LLM service over HTTP: `/respond` (JSON and SSE), the OpenAI-compatible routes, health, bad input.
@Suite(.serialized) struct RespondEndpointTests {
    func app() async throws -> some ApplicationProtocol {
        let router = makeServiceRouter()
        GenerationController(responder: try await SharedLLM.responder.value).addRoutes(to: router)
        return Application(router: router)
    }

    func json(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(data: try JSONSerialization.data(withJSONObject: object))
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable { let code: String }
        let error: Detail
    }

    static let zorblat: [String: any Sendable] = ["query": "When did the Zorblat Bridge open?",
                                         "context": [["text": "The Zorblat Bridge opened in 1847.", "source": "guide.md"]]]

    /// The `data:` payloads of an event stream, with the event name of each.
    func events(_ buffer: ByteBuffer) -> [(name: String?, data: String)] {
        String(buffer: buffer).components(separatedBy: "\n\n").compactMap { block in
            var name: String?
            var data: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            return data.map { (name, $0) }
        }
    }

    @Test func respondReturnsTheAnswerWithTokensAndTimings() async throws {
        try await app().test(.router) { client in
            let response = try await client.execute(uri: "/respond", method: .post, body: try json(Self.zorblat))
            #expect(response.status == .ok)
            let body = try JSONDecoder().decode(RespondResponse.self, from: Data(buffer: response.body))
            #expect(body.response.contains("1847"), "got: \(body.response)")
            #expect(body.model.contains("SmolLM2"))
            #expect(body.timings.tokens_per_s >= 0 && body.timings.generate_ms >= 0)
        }
    }

    @Test func streamingSendsDeltasThenTheTotalsAndMatchesTheJSONAnswer() async throws {
        try await app().test(.router) { client in
            let plain = try await client.execute(uri: "/respond", method: .post, body: try json(Self.zorblat))
            let whole = try JSONDecoder().decode(RespondResponse.self, from: Data(buffer: plain.body))
            var streamed = Self.zorblat
            streamed["stream"] = true
            let response = try await client.execute(uri: "/respond", method: .post, body: try json(streamed))
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = events(response.body)
            struct Delta: Decodable { let delta: String }
            let deltas = try events.filter { $0.name == nil }.map { try JSONDecoder().decode(Delta.self, from: Data($0.data.utf8)).delta }
            // Released a checked sentence at a time.
            #expect(!deltas.isEmpty)
            #expect(deltas.allSatisfy { ".!?".contains($0.last ?? " ") }, "\(deltas)")
            #expect(deltas.joined() == whole.response)
            let done = try #require(events.last)
            #expect(done.name == "done")
            let totals = try JSONDecoder().decode(RespondResponse.self, from: Data(done.data.utf8))
            #expect(totals.response == whole.response)
            #expect(totals.completion_tokens == whole.completion_tokens)
        }
    }

    @Test(arguments: [
        (["query": "  "], "empty_query"),
        (["query": "Hi", "max_tokens": 0], "invalid_max_tokens"),
        (["query": "Hi", "max_tokens": 1025], "invalid_max_tokens"),
        (["query": "Hi", "temperature": 2.5], "invalid_temperature"),
        (["query": "Hi", "temperature": -0.1], "invalid_temperature"),
        (["context": ["x"]], "invalid_json"),
        (["query": "Hi", "context": [["source": "no text"]]], "invalid_json"),
    ] as [([String: any Sendable], String)])
    func badInputIsA400WithACode(body: [String: any Sendable], code: String) async throws {
        try await app().test(.router) { client in
            let response = try await client.execute(uri: "/respond", method: .post, body: try json(body))
            #expect(response.status == .badRequest)
            let error = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
            #expect(error.error.code == code)
        }
    }

    @Test func malformedJSONIsA400() async throws {
        try await app().test(.router) { client in
            let response = try await client.execute(uri: "/respond", method: .post, body: ByteBuffer(string: "{\"query\": "))
            #expect(response.status == .badRequest)
        }
    }

    @Test func aQueryLongerThanTheWindowIsA413() async throws {
        let query = String(repeating: "Why is the old harbour bridge painted green every spring? ", count: 300)
        try await app().test(.router) { client in
            let response = try await client.execute(uri: "/respond", method: .post, body: try json(["query": query]))
            #expect(response.status == .contentTooLarge)
        }
    }

    @Test func openAIChatCompletionsAnswersAndStreamsTheSameText() async throws {
        let chat: [String: any Sendable] = ["model": "any", "messages": [["role": "user", "content": "What is the capital of France?"]],
                                   "max_tokens": 24, "temperature": 0]
        try await app().test(.router) { client in
            let response = try await client.execute(uri: "/v1/chat/completions", method: .post, body: try json(chat))
            #expect(response.status == .ok)
            struct Completion: Decodable {
                struct Choice: Decodable { let message: ChatTurn; let finish_reason: String }
                struct Usage: Decodable { let prompt_tokens: Int; let completion_tokens: Int; let total_tokens: Int }
                let object: String
                let choices: [Choice]
                let usage: Usage
            }
            let completion = try JSONDecoder().decode(Completion.self, from: Data(buffer: response.body))
            #expect(completion.object == "chat.completion")
            let answer = try #require(completion.choices.first)
            #expect(answer.message.role == "assistant")
            #expect(answer.message.content.contains("Paris"), "got: \(answer.message.content)")
            #expect(completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens)

            var streaming = chat
            streaming["stream"] = true
            let streamed = try await client.execute(uri: "/v1/chat/completions", method: .post, body: try json(streaming))
            let events = events(streamed.body)
            #expect(events.last?.data == "[DONE]")
            struct Chunk: Decodable {
                struct Choice: Decodable { struct Delta: Decodable { let content: String? }; let delta: Delta }
                let object: String
                let choices: [Choice]
            }
            let chunks = try events.dropLast().map { try JSONDecoder().decode(Chunk.self, from: Data($0.data.utf8)) }
            #expect(chunks.allSatisfy { $0.object == "chat.completion.chunk" })
            let text = chunks.compactMap { $0.choices.first?.delta.content }.joined()
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == answer.message.content)
        }
    }

    @Test func modelsAndHealthDescribeTheLoadedModel() async throws {
        try await app().test(.router) { client in
            let models = try await client.execute(uri: "/v1/models", method: .get)
            struct List: Decodable { struct Model: Decodable { let id: String; let object: String }; let data: [Model] }
            let list = try JSONDecoder().decode(List.self, from: Data(buffer: models.body))
            #expect(list.data.first?.id.contains("SmolLM2") == true)

            let health = try await client.execute(uri: "/health", method: .get)
            let report = try JSONDecoder().decode(HealthReport.self, from: Data(buffer: health.body))
            #expect(report.status == "ok")
            #expect(report.details["model_loaded"] == "true")
            #expect(report.details["queue_depth"] == "0")
            #expect(report.details["sequences"] == "4")
        }
    }
}
