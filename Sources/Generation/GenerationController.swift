import Foundation
public import Hummingbird
import LlamaEngine
import NIOCore
public import VoiceCore

/// HTTP routes of the LLM service (port 8003): `/respond` for grounded spoken answers, OpenAI's chat
/// completions and model list, `/health`.
public struct GenerationController: Sendable {
    public var responder: Responder

    public init(responder: Responder) {
        self.responder = responder
    }

    public func addRoutes(to router: Router<VoiceRequestContext>) {
        router.post("/respond") { request, _ in
            var request = request
            let body = try await request.decodeJSON(as: RespondRequest.self, limit: 1 << 20)
            guard body.stream == true else { return try jsonResponse(try await responder.respond(body)) }
            let events = try await responder.respondStreaming(body)
            return eventStream { writer in
                for try await event in events {
                    switch event {
                    case .text(let piece): try await writer.write(sseEvent(nil, ["delta": piece]))
                    case .done(let response): try await writer.write(sseEvent("done", response))
                    }
                }
            }
        }
        router.post("/v1/chat/completions") { request, _ in
            var request = request
            let body = try await request.decodeJSON(as: OpenAIChatRequest.self, limit: 1 << 20)
            return try await chatCompletion(body)
        }
        router.get("/v1/models") { _, _ in
            try jsonResponse(OpenAIModelList(data: [.init(id: responder.backend.modelName, created: Self.started,
                                                          owned_by: "voice")]))
        }
        router.get("/health") { _, _ in
            try jsonResponse(await responder.backend.health())
        }
    }

    static let started = Int(Date().timeIntervalSince1970)

    /// A chat passed to the model as given (no grounding, no spoken shaping), within the same limits.
    func chatCompletion(_ body: OpenAIChatRequest) async throws -> Response {
        guard !body.messages.isEmpty else { throw APIError.badRequest("empty_messages", "messages must not be empty") }
        for message in body.messages where !["system", "user", "assistant"].contains(message.role) {
            throw APIError.badRequest("invalid_role", "message roles must be system, user or assistant, not '\(message.role)'")
        }
        var parameters = try Responder.parameters(maxTokens: body.max_completion_tokens ?? body.max_tokens,
                                                  temperature: body.temperature, seed: body.seed)
        let backend = responder.backend
        let messages = body.messages.map { ChatMessage(role: $0.role, content: $0.content) }
        let room = backend.contextWindow - (try backend.promptTokenCount(messages))
        guard room >= 16 else {
            throw APIError.payloadTooLarge("the messages are too long for the model's context of \(backend.contextWindow) tokens")
        }
        parameters.maxTokens = min(parameters.maxTokens, room)
        let events = try await backend.generate(messages, parameters: parameters, stop: nil)
        let id = "chatcmpl-\(UUID().uuidString.lowercased())"
        let created = Int(Date().timeIntervalSince1970)
        let model = backend.modelName

        guard body.stream == true else {
            var text = ""
            var stats: GenerationStats?
            for try await event in events {
                switch event {
                case .text(let piece): text += piece
                case .finished(let totals): stats = totals
                }
            }
            guard let stats else { throw CancellationError() }
            return try jsonResponse(OpenAIChatResponse(
                id: id, created: created, model: model,
                choices: [.init(index: 0, message: ChatTurn(role: "assistant", content: text.trimmingWhitespace()),
                                finish_reason: stats.finishReason.rawValue)],
                usage: OpenAIUsage(stats)))
        }
        let includeUsage = body.stream_options?.include_usage ?? false
        return eventStream { writer in
            func chunk(_ delta: OpenAIChatChunk.Delta, finish: FinishReason? = nil) -> OpenAIChatChunk {
                OpenAIChatChunk(id: id, created: created, model: model,
                                choices: [.init(index: 0, delta: delta, finish_reason: finish?.rawValue)])
            }
            try await writer.write(sseEvent(nil, chunk(.init(role: "assistant", content: ""))))
            for try await event in events {
                switch event {
                case .text(let piece):
                    try await writer.write(sseEvent(nil, chunk(.init(content: piece))))
                case .finished(let stats):
                    try await writer.write(sseEvent(nil, chunk(.init(), finish: stats.finishReason)))
                    if includeUsage {
                        try await writer.write(sseEvent(nil, OpenAIChatChunk(id: id, created: created, model: model,
                                                                             choices: [], usage: OpenAIUsage(stats))))
                    }
                }
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
        }
    }
}

extension OpenAIUsage {
    init(_ stats: GenerationStats) {
        self.init(prompt_tokens: stats.promptTokens, completion_tokens: stats.completionTokens,
                  total_tokens: stats.promptTokens + stats.completionTokens)
    }
}
