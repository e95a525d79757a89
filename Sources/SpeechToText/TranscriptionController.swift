public import Hummingbird
import Foundation
public import Logging
import Models
import NIOCore
import NIOFoundationCompat
public import VoiceCore

extension SpeechRecognizer {
    /// The STT service as configured: tiny.en by default, base too when it has been fetched.
    public static func live(settings: Settings, logger: Logger) throws -> SpeechRecognizer {
        let store = ModelStore(directory: settings.modelsDirectory)
        let defaultURL = try store.require(ModelCatalog.whisperTinyEn)
        let recognizer = try SpeechRecognizer(
            models: ["tiny.en": defaultURL, "base": store.url(for: ModelCatalog.whisperBase)], defaultModel: "tiny.en",
            workersPerModel: settings.sttWorkers, threads: settings.threads, beamSize: settings.sttBeamSize,
            limits: .init(maxDuration: settings.sttMaxSeconds, timeout: settings.sttTimeout, queue: settings.sttQueue))
        logger.info("speech-to-text ready", metadata: ["models": "\(recognizer.availableModels.joined(separator: ","))"])
        return recognizer
    }
}

/// HTTP routes of the STT service (port 8001).
public struct TranscriptionController: Sendable {
    public var recognizer: SpeechRecognizer
    public var maxBytes: Int

    public init(recognizer: SpeechRecognizer, maxBytes: Int) {
        self.recognizer = recognizer
        self.maxBytes = maxBytes
    }

    /// What one request asked for, whichever form it came in.
    struct Upload {
        var audio: Data
        var contentType: String?
        var options: TranscribeOptions
        var responseFormat: String?
    }

    public func addRoutes(to router: Router<VoiceRequestContext>) {
        router.post("/transcribe") { request, _ in
            let upload = try await upload(request, fileFields: ["audio", "file"])
            return try jsonResponse(try await recognizer.transcribe(audio: upload.audio, contentType: upload.contentType,
                                                                  options: upload.options))
        }
        router.post("/v1/audio/transcriptions") { request, _ in
            let upload = try await upload(request, fileFields: ["file"])
            let format = upload.responseFormat ?? "json"
            guard ["json", "text", "verbose_json"].contains(format) else {
                throw APIError.badRequest("unsupported_format", "response_format must be json, text or verbose_json")
            }
            let result = try await recognizer.transcribe(audio: upload.audio, contentType: upload.contentType,
                                                         options: upload.options)
            return try Self.openAIResponse(result, format: format)
        }
        router.get("/health") { _, _ in
            try jsonResponse(HealthReport(service: "stt", details: [
                "engine": "whisper.cpp", "models": recognizer.availableModels.joined(separator: ","),
                "default_model": recognizer.defaultModel, "queue_depth": "\(await recognizer.queueDepth())",
            ]))
        }
    }

    /// Multipart with a file field, or a raw `audio/*` body with options in the query string.
    func upload(_ request: Request, fileFields: [String]) async throws -> Upload {
        var request = request
        let contentType = request.headers[.contentType] ?? ""
        let body = Data(buffer: try await request.collectBody(limit: maxBytes))
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if mediaType == "multipart/form-data" {
            let form = try MultipartForm(body: body, contentType: contentType)
            guard let file = fileFields.lazy.compactMap({ form.part(named: $0) }).first else {
                throw APIError.badRequest("missing_audio", "the form has no '\(fileFields.joined(separator: "' or '"))' file field")
            }
            return Upload(audio: file.body, contentType: file.contentType,
                          options: TranscribeOptions(model: form.field("model"), language: form.field("language"),
                                                     prompt: form.field("prompt"), beam_size: try Self.beamSize(form.field("beam_size"))),
                          responseFormat: form.field("response_format"))
        }
        guard mediaType.hasPrefix("audio/") || mediaType == "application/octet-stream" else {
            throw APIError.unsupportedMediaType("send multipart/form-data with an 'audio' file, or a raw audio/* body")
        }
        let query = request.uri.queryParameters
        return Upload(audio: body, contentType: mediaType,
                      options: TranscribeOptions(model: query["model"].map(String.init), language: query["language"].map(String.init),
                                                 prompt: query["prompt"].map(String.init),
                                                 beam_size: try Self.beamSize(query["beam_size"].map(String.init))),
                      responseFormat: query["response_format"].map(String.init))
    }

    /// `beam_size` as sent: absent, or a whole number (its range is the recognizer's to check).
    static func beamSize(_ field: String?) throws(APIError) -> Int? {
        guard let field else { return nil }
        guard let value = Int(field.trimmingCharacters(in: .whitespaces)) else {
            throw .badRequest("invalid_beam_size", "beam_size must be a whole number")
        }
        return value
    }

    static func openAIResponse(_ result: TranscribeResult, format: String) throws -> Response {
        switch format {
        case "text":
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: result.text + "\n")))
        case "verbose_json":
            struct Segment: Encodable { let id: Int; let start: Double; let end: Double; let text: String }
            struct Verbose: Encodable {
                let task = "transcribe"
                let language: String
                let duration: Double
                let text: String
                let segments: [Segment]
            }
            return try jsonResponse(Verbose(
                language: result.language, duration: result.duration_s, text: result.text,
                segments: result.segments.enumerated().map { Segment(id: $0, start: $1.start, end: $1.end, text: $1.text) }))
        default:
            struct Plain: Encodable { let text: String }
            return try jsonResponse(Plain(text: result.text))
        }
    }
}
