public import Hummingbird
import Foundation
import NIOCore
public import VoiceCore

/// HTTP routes of the TTS service (port 8004).
public struct SpeechController: Sendable {
    public var speaker: Speaker
    /// The URL prefix under which the gateway serves stored files.
    public var audioURLPrefix: String

    public init(speaker: Speaker, audioURLPrefix: String = "/audio/") {
        self.speaker = speaker
        self.audioURLPrefix = audioURLPrefix
    }

    struct OpenAISpeechRequest: Decodable {
        let model: String?
        let input: String
        let voice: String?
        let response_format: String?
        let speed: Double?
    }

    /// OpenAI's voice names map to our default voice, so stock OpenAI clients work unchanged.
    static let openAIVoices: Set<String> = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"]

    public func addRoutes(to router: Router<VoiceRequestContext>) {
        router.post("/speak") { request, _ in
            var request = request
            let body = try await request.decodeJSON(as: SpeakRequest.self, limit: 64 << 10)
            if body.stream == true { return streamedWAV(try speaker.stream(body)) }
            if request.headers[.accept]?.contains("text/event-stream") == true { return try streamedEvents(body) }
            let wantsBytes = request.headers[.accept].map { $0.contains("audio/wav") || $0.contains("audio/x-wav") } ?? false
            let audio = try await speaker.speak(body, persist: !wantsBytes)
            if wantsBytes { return wavResponse(audio.wav) }
            return try jsonResponse(audio.result(audioURLPrefix: audioURLPrefix))
        }
        router.post("/v1/audio/speech") { request, _ in
            var request = request
            let body = try await request.decodeJSON(as: OpenAISpeechRequest.self, limit: 64 << 10)
            guard (body.response_format ?? "wav") == "wav" else {
                throw APIError.badRequest("unsupported_format", "only response_format \"wav\" is supported")
            }
            let voice = body.voice.flatMap { Self.openAIVoices.contains($0) ? nil : $0 }
            let rate = body.speed.map { Int((Double(Speaker.defaultRate) * $0).rounded()) }
            let audio = try await speaker.speak(SpeakRequest(text: body.input, voice: voice, rate: rate), persist: false)
            return wavResponse(audio.wav)
        }
        router.get("/voices") { _, _ in
            struct Voices: Encodable { let default_voice: String; let voices: [VoiceListing] }
            return try jsonResponse(Voices(default_voice: speaker.defaultVoice, voices: speaker.voices))
        }
        router.get("/health") { _, _ in
            let fallbacks = speaker.fallbacks.current
            var details = [
                "engine": speaker.neuralVoices.isEmpty ? "espeak-ng" : "piper, espeak-ng fallback",
                "default_voice": speaker.defaultVoice, "voices": "\(speaker.voices.count)",
                "neural_fallbacks": "\(fallbacks.count)",
            ]
            details["neural_voice_problem"] = speaker.neuralVoiceProblem
            details["last_fallback_error"] = fallbacks.lastError
            // Speech still works through espeak-ng, so this is a degraded service, not a failed one.
            let degraded = fallbacks.degraded || speaker.neuralVoiceProblem != nil
            return try jsonResponse(HealthReport(service: "tts", status: degraded ? "degraded" : "ok", details: details))
        }
    }

    /// The header first, then each chunk's samples as soon as it exists: a player starts on the first sentence.
    func streamedWAV(_ stream: SpeechStream) -> Response {
        Response(status: .ok, headers: [.contentType: "audio/wav"],
                 body: ResponseBody { writer in
                     try await writer.write(ByteBuffer(bytes: WAVFile.streamHeader(sampleRate: stream.sampleRate)))
                     for try await chunk in stream.chunks {
                         try await writer.write(chunk.withUnsafeBytes { ByteBuffer(bytes: $0) })
                     }
                     try await writer.finish(nil)
                 })
    }

    /// `audio` events of PCM as each chunk is made, then `done` with the stored file's JSON: the gateway relays
    /// the samples to a listener and keeps the file for the whole answer.
    func streamedEvents(_ body: SpeakRequest) throws -> Response {
        _ = try speaker.validated(body)  // a bad request is a 4xx before the stream starts, not an error event
        let (speaker, prefix) = (speaker, audioURLPrefix)
        return eventStream(sending: { send in
            let audio = try await speaker.speak(body) { pcm, rate in
                send(try sseEvent("audio", PCMAudioEvent(pcm: pcm, sampleRate: rate)))
            }
            send(try sseEvent("done", audio.result(audioURLPrefix: prefix)))
        })
    }

    func wavResponse(_ wav: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "audio/wav", .contentLength: "\(wav.count)"],
                 body: .init(byteBuffer: ByteBuffer(bytes: wav)))
    }
}
