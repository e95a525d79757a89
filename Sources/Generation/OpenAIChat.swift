import Foundation
import VoiceCore

// OpenAI's chat-completions wire format: what `POST /v1/chat/completions` accepts and answers here, and what
// the external backend sends to vLLM, llama-server or OpenAI.

struct OpenAIChatRequest: Codable, Sendable {
    struct StreamOptions: Codable, Sendable {
        var include_usage: Bool
    }

    var model: String?
    var messages: [ChatTurn]
    var max_tokens: Int?
    /// The newer name of `max_tokens`.
    var max_completion_tokens: Int?
    var temperature: Double?
    var seed: Int?
    var stream: Bool?
    var stream_options: StreamOptions?
}

struct OpenAIUsage: Codable, Sendable, Equatable {
    var prompt_tokens: Int
    var completion_tokens: Int
    var total_tokens: Int
}

struct OpenAIChatResponse: Codable, Sendable {
    struct Choice: Codable, Sendable {
        var index: Int
        var message: ChatTurn
        var finish_reason: String?
    }

    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: OpenAIUsage?
}

struct OpenAIChatChunk: Codable, Sendable {
    struct Delta: Codable, Sendable {
        var role: String?
        var content: String?
    }

    struct Choice: Codable, Sendable {
        var index: Int
        var delta: Delta
        var finish_reason: String?
    }

    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: OpenAIUsage?
}

struct OpenAIModelList: Codable, Sendable {
    struct Model: Codable, Sendable {
        var id: String
        var object = "model"
        var created: Int
        var owned_by: String
    }

    var object = "list"
    var data: [Model]
}
