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


/// The external OpenAI-compatible backend against real servers started here on free ports: llama.cpp's own
/// llama-server (built from the same source by `scripts/engines.sh llama-server`, which scripts/test.sh runs), and
/// our own `voice serve llm`.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ExternalBackendTests {
    @Test func groundedAnswersComeFromLlamaServer() async throws {
        let model = try Fixtures.model(ModelCatalog.smolLM2)
        let server = try await ServiceProcess(
            ["-m", model.path, "--host", "127.0.0.1", "-t", "2", "-c", "2048", "-np", "1", "--alias", "smollm2"],
            port: try LoopbackPort.free(), executable: Fixtures.settings.engineDirectory.appendingPathComponent("prefix/bin/llama-server"),
            readyMeansOK: true)
        defer { server.stop() }
        try await answersGroundedThrough(server.url)
    }

    @Test func groundedAnswersComeFromOurOwnLLMServiceAsABackend() async throws {
        let server = try await ServiceProcess(["serve", "llm"], port: try LoopbackPort.free())
        defer { server.stop() }
        try await answersGroundedThrough(server.url)
    }

    /// The responder with the server at `url` as its backend: a grounded answer, the same text streamed, health.
    func answersGroundedThrough(_ url: String) async throws {
        let backend = OpenAIChatBackend(url: url, model: "smollm2", apiKey: "unused-locally", contextWindow: 2048,
                                        timeout: .seconds(60), logger: Logger(label: "llm-tests"))
        // Health first: llama-server's few HTTP threads may still be busy with a stream the responder stopped early.
        #expect(await backend.health().status == "ok")
        let responder = Responder(backend: backend)
        let request = RespondRequest(query: "When did the Zorblat Bridge open?",
                                     context: [ContextItem(text: "The Zorblat Bridge opened in 1847.")])
        let answer = try await responder.respond(request)
        #expect(answer.response.contains("1847"), "got: \(answer.response)")
        #expect(answer.model == "smollm2")
        #expect(answer.completion_tokens > 0 && answer.prompt_tokens > 0)
        let streamed = try await Collected(try await responder.stream(request))
        #expect(streamed.text == answer.response)
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
