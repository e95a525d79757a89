import AsyncHTTPClient
import Foundation
import Generation
import HTTPTypes
import Logging
import Models
import NIOCore
import NIOHTTP1
import Testing
import VoiceCore
import VoiceTesting


/// The external OpenAI-compatible backend, against a real OpenAI-compatible server: our own `voice serve llm`,
/// started here as a separate process on a free port, so the whole wire format (JSON and SSE) is exercised.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ExternalBackendTests {
    @Test func groundedAnswersComeFromAnOpenAICompatibleServer() async throws {
        let server = try await ServiceProcess(["serve", "llm"], port: try LoopbackPort.free())
        defer { server.stop() }
        let backend = OpenAIChatBackend(url: server.url, model: "smollm2", apiKey: "unused-locally", contextWindow: 2048,
                                        timeout: .seconds(60), logger: Logger(label: "llm-tests"))
        let responder = Responder(backend: backend)

        let answer = try await responder.respond(RespondRequest(
            query: "When did the Zorblat Bridge open?", context: [ContextItem(text: "The Zorblat Bridge opened in 1847.")]))
        #expect(answer.response.contains("1847"), "got: \(answer.response)")
        #expect(answer.model == "smollm2")
        #expect(answer.completion_tokens > 0 && answer.prompt_tokens > 0)

        let streamed = try await Collected(try await responder.stream(RespondRequest(
            query: "When did the Zorblat Bridge open?", context: [ContextItem(text: "The Zorblat Bridge opened in 1847.")])))
        #expect(streamed.text == answer.response)

        let health = await backend.health()
        #expect(health.status == "ok")
    }

    @Test func anUnreachableBackendIsA503NamingTheStage() async throws {
        let backend = OpenAIChatBackend(url: "http://127.0.0.1:\(try LoopbackPort.free())", model: "m", apiKey: nil,
                                        contextWindow: 2048, timeout: .seconds(5), logger: Logger(label: "llm-tests"))
        do {
            _ = try await Responder(backend: backend).respond(RespondRequest(query: "Hello?"))
            Issue.record("an unreachable backend answered")
        } catch let error as APIError {
            #expect(error.status == .serviceUnavailable)
            #expect(error.stage == "llm")
        }
        #expect(await backend.health().status == "down")
    }
}
