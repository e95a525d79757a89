import Foundation
import LlamaEngine
public import Logging
import Models
public import VoiceCore

extension Responder {
    /// The responder `voice serve llm` and `voice up` run: the external backend when `VOICE_LLM_BACKEND_URL` is
    /// set, otherwise the configured GGUF (SmolLM2 by default) in this process, with its system prompt cached.
    public static func live(settings: Settings, logger: Logger) async throws -> Responder {
        let prompt = GroundedPrompt()
        if let url = settings.llmBackendURL {
            logger.info("LLM answers come from an external backend", metadata: ["url": "\(url)"])
            return Responder(backend: OpenAIChatBackend(
                url: url, model: settings.llmBackendModel, apiKey: settings.llmBackendKey,
                contextWindow: settings.llmContextTokens, timeout: settings.llmTimeout, logger: logger), prompt: prompt)
        }
        let path = try settings.llmModelPath ?? ModelStore(directory: settings.modelsDirectory).require(ModelCatalog.smolLM2)
        let backend = try LlamaChatBackend(model: try LlamaModel(path: path.path), options: .init(
            sequences: settings.llmSequences, contextPerSequence: settings.llmContextTokens, threads: settings.threads,
            maxQueue: settings.llmMaxQueue, timeout: settings.llmTimeout))
        try await backend.cachePrefix(prompt.prefix)
        logger.info("LLM loaded", metadata: ["model": "\(backend.model.summary)", "prefix_tokens": "\(backend.scheduler.cachedPrefixTokens)"])
        return Responder(backend: backend, prompt: prompt)
    }
}
