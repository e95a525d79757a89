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

    @Test func repliesOnTopicToAChatPrompt() throws {
        let generator = try ChatGenerator(modelPath: try Fixtures.model(ModelCatalog.smolLM2), threads: 2)
        let result = try generator.generate([
            ChatMessage(role: "system", content: "You are a helpful assistant."),
            ChatMessage(role: "user", content: "What is the capital of France?"),
        ], maxTokens: 48)
        #expect(!result.text.isEmpty)
        #expect(result.text.localizedCaseInsensitiveContains("Paris"), "got: \(result.text)")
        #expect(result.completionTokens > 0)
    }
}
