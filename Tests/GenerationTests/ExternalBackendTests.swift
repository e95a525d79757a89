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

#if canImport(Glibc)
import Glibc
#endif

/// The external OpenAI-compatible backend, against a real llama-server built from the same llama.cpp source
/// (scripts/engines.sh) and started here on a free port.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ExternalBackendTests {
    @Test func groundedAnswersComeFromLlamaServer() async throws {
        let server = try await LlamaServerProcess.start()
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

/// llama.cpp's llama-server from .deps/prefix/bin serving SmolLM2, stopped by the test that started it.
struct LlamaServerProcess {
    let process: Process
    let url: String

    static func start() async throws -> LlamaServerProcess {
        let tool = Fixtures.settings.engineDirectory.appendingPathComponent("prefix/bin/llama-server")
        let model = try Fixtures.model(ModelCatalog.smolLM2)
        let port = try LoopbackPort.free()
        let process = Process()
        process.executableURL = tool
        process.arguments = ["-m", model.path, "--host", "127.0.0.1", "--port", "\(port)", "-t", "2", "-c", "2048",
                             "-np", "1", "--alias", "smollm2"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = LlamaServerProcess(process: process, url: "http://127.0.0.1:\(port)")
        // The server answers /health with 503 while it loads the model.
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < .seconds(60) {
            guard process.isRunning else { throw LlamaServerFailed(status: process.terminationStatus) }
            let request = HTTPClientRequest(url: server.url + "/health")
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(1)), response.status == .ok {
                return server
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        server.stop()
        throw LlamaServerFailed(status: -1)
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

struct LlamaServerFailed: Error {
    let status: Int32
}
