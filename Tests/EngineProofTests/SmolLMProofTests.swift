import Foundation
import Generation
import LlamaEngine
import Models
import Testing
import VoiceTesting

/// SmolLM2 is real: the chat template comes from the GGUF and the reply is on topic.
@Suite(.serialized) struct SmolLMProofTests {
    @Test func chatTemplateComesFromTheModelMetadata() throws {
        let model = try LlamaModel(path: try Fixtures.model(ModelCatalog.smolLM2).path)
        let template = try #require(model.chatTemplate)
        let prompt = try model.applyChatTemplate([ChatMessage(role: "user", content: "Hi")], addAssistantPrefix: true)
        // SmolLM2 uses ChatML markers; they must come from its own template, not from our code.
        #expect(template.contains("<|im_start|>"))
        #expect(prompt.contains("<|im_start|>user\nHi<|im_end|>"))
        #expect(prompt.hasSuffix("<|im_start|>assistant\n"))
    }

    @Test func repliesOnTopicToAChatPrompt() async throws {
        let model = try LlamaModel(path: try Fixtures.model(ModelCatalog.smolLM2).path)
        let backend = try LlamaChatBackend(model: model, options: .init(sequences: 1, contextPerSequence: 1024))
        var text = ""
        var completionTokens = 0
        for try await event in try await backend.generate([
            ChatMessage(role: "system", content: "You are a helpful assistant."),
            ChatMessage(role: "user", content: "What is the capital of France?"),
        ], parameters: .init(maxTokens: 48, temperature: 0), stop: nil) {
            switch event {
            case .text(let piece): text += piece
            case .finished(let stats): completionTokens = stats.completionTokens
            }
        }
        #expect(text.localizedCaseInsensitiveContains("Paris"), "got: \(text)")
        #expect(completionTokens > 0)
    }
}
