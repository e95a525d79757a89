import Foundation
import Generation
import LlamaEngine
import Logging
import Models
import VoiceCore
import VoiceTesting

/// One real SmolLM2 responder shared by the suites, loaded once with its system prompt cached, as
/// `voice serve llm` runs it.
enum SharedLLM {
    static let responder = Task { () throws -> Responder in
        var settings = Fixtures.settings
        settings.threads = 2
        return try await Responder.live(settings: settings, logger: Logger(label: "llm-tests"))
    }

    static var backend: LlamaChatBackend {
        get async throws { try await responder.value.backend as! LlamaChatBackend }
    }

    static func model() throws -> LlamaModel {
        try LlamaModel(path: try Fixtures.model(ModelCatalog.smolLM2).path)
    }
}

/// A year anywhere in a text: what an invented answer to "when" usually contains.
func containsYear(_ text: String) -> Bool {
    text.contains(/\b(1[0-9]{3}|20[0-9]{2})\b/)
}

func saysItDoesNotKnow(_ text: String) -> Bool {
    let lower = text.lowercased().replacingOccurrences(of: "’", with: "'")
    return ["don't know", "do not know", "not sure", "no information", "does not say", "doesn't say",
            "not mentioned", "does not mention", "doesn't mention", "not provided", "cannot answer", "can't answer"]
        .contains { lower.contains($0) }
}

/// Collects a generation stream into its text and totals, noting when the first text and the end arrived.
struct Collected {
    var text = ""
    var stats: GenerationStats?
    var firstText: ContinuousClock.Instant?
    var end: ContinuousClock.Instant?

    init(_ stream: AsyncThrowingStream<GenerationEvent, any Error>) async throws {
        for try await event in stream {
            switch event {
            case .text(let piece):
                if firstText == nil { firstText = .now }
                text += piece
            case .finished(let totals):
                stats = totals
            }
        }
        end = .now
    }
}
