import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import NIOCore
import NIOFoundationCompat
import SpeechToText
import Synchronization
import Testing
import VoiceCore
import VoiceTesting

/// One recognizer for the suites: loading Whisper once keeps the tests quick.
enum SharedRecognizer {
    // Generous deadlines: these tests check words, not speed, and CI machines are shared.
    static let result = Result { try makeRecognizer(queue: 16, timeout: .seconds(600)) }

    static func makeRecognizer(queue: Int, timeout: Duration, maxSeconds: Double = 60) throws -> SpeechRecognizer {
        let store = Fixtures.modelStore
        return try SpeechRecognizer(
            models: ["tiny.en": try store.require(ModelCatalog.whisperTinyEn), "base": store.url(for: ModelCatalog.whisperBase)],
            defaultModel: "tiny.en", workersPerModel: 1, threads: 2,
            limits: .init(maxDuration: maxSeconds, timeout: timeout, queue: queue))
    }

    static func app(_ recognizer: SpeechRecognizer? = nil, maxBytes: Int = 25 << 20) throws -> some ApplicationProtocol {
        let router = makeServiceRouter()
        TranscriptionController(recognizer: try recognizer ?? result.get(), maxBytes: maxBytes).addRoutes(to: router)
        return Application(router: router)
    }
}

struct TranscribeBody: Decodable {
    let text: String
    let language: String
    let duration_s: Double
    let segments: [TranscriptSegment]
    let model: String
    let processing_ms: Double
}

struct ErrorBody: Decodable {
    struct Detail: Decodable { let code: String; let message: String }
    let error: Detail
}

extension TestClientProtocol {
    /// Posts `audio` as the `audio` field of a form, with optional extra fields.
    func transcribe(_ audio: Data, uri: String = "/transcribe", field: String = "audio", filename: String = "question.wav",
                    contentType: String = "audio/wav", fields: [String: String] = [:]) async throws -> TestResponse {
        var form = MultipartBody()
        form.addFile(field, filename: filename, contentType: contentType, audio)
        for (name, value) in fields { form.addField(name, value) }
        return try await execute(uri: uri, method: .post, headers: [.contentType: form.contentType],
                                 body: ByteBuffer(data: form.finished))
    }
}

func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(buffer: response.body))
}

/// The STT service over HTTP, with the real whisper.cpp and real recordings.
@Suite(.serialized) struct TranscribeEndpointTests {
    let question = "What time does the library open on Saturday morning?"

    @Test func jfkRecordingGivesTheKnownSentence() async throws {
        let audio = try Data(contentsOf: Fixtures.jfkWAV)
        try await SharedRecognizer.app().test(.router) { client in
            let response = try await client.transcribe(audio)
            #expect(response.status == .ok)
            let body = try decode(TranscribeBody.self, response)
            #expect(WordErrorRate.rate(reference: Fixtures.jfkText, hypothesis: body.text) <= 0.10, "got: \(body.text)")
            #expect(body.model == "tiny.en")
            #expect(body.language == "en")
            #expect(abs(body.duration_s - 11.0) < 0.1)
            #expect(!body.segments.isEmpty)
            #expect(body.segments.allSatisfy { 0 <= $0.start && $0.start <= $0.end && $0.end <= body.duration_s })
        }
    }

    @Test func alsaFrontCenterRecordingAt48kHzSentAsRawBodyGivesFrontCenter() async throws {
        let audio = try Data(contentsOf: URL(fileURLWithPath: "/usr/share/sounds/alsa/Front_Center.wav"))
        try await SharedRecognizer.app().test(.router) { client in
            let response = try await client.execute(uri: "/transcribe", method: .post, headers: [.contentType: "audio/wav"],
                                                    body: ByteBuffer(data: audio))
            #expect(response.status == .ok)
            let body = try decode(TranscribeBody.self, response)
            #expect(WordErrorRate.rate(reference: "front center", hypothesis: body.text) == 0, "got: \(body.text)")
        }
    }

    /// Short questions, real voices and 48 kHz recordings run the encoder once: a shortened window that is too
    /// small makes the decoder loop, and the whole 30 s window then runs a second time.
    @Test func shortRecordingsAreTranscribedInOnePass() async throws {
        let recognizer = try SharedRecognizer.result.get()
        let before = SpeechRecognizer.fullWindowRetries.load(ordering: .relaxed)
        let alsa = [("Front_Left", "front left"), ("Rear_Right", "rear right"), ("Side_Left", "side left"), ("Front_Center", "front center")]
        for (file, words) in alsa {
            let audio = try Data(contentsOf: URL(fileURLWithPath: "/usr/share/sounds/alsa/\(file).wav"))
            let text = try await recognizer.transcribe(audio: audio, contentType: "audio/wav", options: .init()).text
            #expect(WordErrorRate.rate(reference: words, hypothesis: text) <= 0.5, "\(file): \(text)")
        }
        for (text, voice) in [("Opening hours?", "en-us"), ("Any parking nearby?", "en+f3"), ("Do you take cards?", "en"),
                              ("Where is the lost property desk?", "en-us"), ("Is the pool open on Sunday?", "en+f3")] {
            let audio = try TestAudio.wav(text, voice: voice)
            let result = try await recognizer.transcribe(audio: audio, contentType: "audio/wav", options: .init())
            // Segment times lie inside the recording (the cut window once gave a start of -1007 s).
            #expect(result.segments.allSatisfy { 0 <= $0.start && $0.start <= $0.end && $0.end <= result.duration_s },
                    "\(text): \(result.segments)")
        }
        #expect(SpeechRecognizer.fullWindowRetries.load(ordering: .relaxed) == before)
    }

    /// One caller's recording never changes the words of the next: the same question gives the same words before
    /// and after a longer recording on the same whisper state.
    @Test func aRecordingsWordsDoNotDependOnTheRecordingBefore() async throws {
        let recognizer = try SharedRecognizer.result.get()
        func words(_ audio: Data) async throws -> String {
            try await recognizer.transcribe(audio: audio, contentType: "audio/wav", options: .init()).text
        }
        for question in ["Any parking nearby?", "Is the pool open on Sunday?"] {
            let audio = try TestAudio.wav(question, voice: "en+f3")
            let first = try await words(audio)
            _ = try await words(try Data(contentsOf: Fixtures.jfkWAV))
            #expect(try await words(audio) == first)
        }
    }

    @Test(arguments: TestAudio.Format.allCases)
    func browserAndCompressedContainersGiveTheSameWordsAsWAV(_ format: TestAudio.Format) async throws {
        let wav = try TestAudio.wav(question)
        let compressed = try TestAudio.transcode(wav, to: format)
        try await SharedRecognizer.app().test(.router) { client in
            let reference = try decode(TranscribeBody.self, try await client.transcribe(wav)).text
            let response = try await client.transcribe(compressed, filename: "q.\(format.rawValue)",
                                                       contentType: "audio/\(format.rawValue)")
            #expect(response.status == .ok)
            let text = try decode(TranscribeBody.self, response).text
            #expect(WordErrorRate.rate(reference: question, hypothesis: text) <= 0.2, "\(format): \(text)")
            #expect(WordErrorRate.rate(reference: reference, hypothesis: text) <= 0.2, "\(format): \(text) vs wav: \(reference)")
        }
    }

    @Test(arguments: [(11_025, 2, "pcm_s16le"), (44_100, 1, "pcm_s24le"), (48_000, 2, "pcm_s32le"), (32_000, 1, "pcm_f32le")])
    func wavAtAnyRateChannelsAndSampleFormatGivesTheSameWords(rate: Int, channels: Int, codec: String) async throws {
        let wav = try TestAudio.wav(from: try TestAudio.wav(question), sampleRate: rate, channels: channels, codec: codec)
        try await SharedRecognizer.app().test(.router) { client in
            let response = try await client.transcribe(wav)
            #expect(response.status == .ok)
            let text = try decode(TranscribeBody.self, response).text
            // 11,025 Hz keeps only the telephone band: one word of nine may go.
            let allowed = rate < 16_000 ? 0.25 : 0.2
            #expect(WordErrorRate.rate(reference: question, hypothesis: text) <= allowed, "\(rate) Hz \(channels) ch \(codec): \(text)")
        }
    }

    @Test func fileFieldIsAcceptedAndPromptAndModelOptionsApply() async throws {
        let audio = try Data(contentsOf: Fixtures.jfkWAV)
        try await SharedRecognizer.app().test(.router) { client in
            let response = try await client.transcribe(audio, field: "file", fields: ["model": "base", "language": "en",
                                                                                      "prompt": "Inaugural address."])
            #expect(response.status == .ok)
            let body = try decode(TranscribeBody.self, response)
            #expect(body.model == "base")
            #expect(WordErrorRate.rate(reference: Fixtures.jfkText, hypothesis: body.text) <= 0.10, "got: \(body.text)")
        }
    }

    @Test func beamSearchGivesTheKnownSentenceAndABadBeamSizeIs400() async throws {
        let audio = try Data(contentsOf: Fixtures.jfkWAV)
        try await SharedRecognizer.app().test(.router) { client in
            let response = try await client.transcribe(audio, fields: ["beam_size": "5"])
            #expect(response.status == .ok)
            let body = try decode(TranscribeBody.self, response)
            #expect(WordErrorRate.rate(reference: Fixtures.jfkText, hypothesis: body.text) <= 0.10, "got: \(body.text)")
            for bad in ["0", "9", "five"] {
                let refused = try await client.transcribe(audio, fields: ["beam_size": bad])
                #expect(refused.status == .badRequest, "beam_size \(bad)")
                #expect(try decode(ErrorBody.self, refused).error.code == "invalid_beam_size")
            }
        }
    }

    @Test func silenceGivesAnEmptyTranscriptNotAnError() async throws {
        let silence = WAVFile.encode([Int16](repeating: 0, count: 16_000 * 3), sampleRate: 16_000)
        try await SharedRecognizer.app().test(.router) { client in
            let response = try await client.transcribe(silence)
            #expect(response.status == .ok)
            let body = try decode(TranscribeBody.self, response)
            #expect(body.text == "")
            #expect(body.segments.isEmpty)
            #expect(abs(body.duration_s - 3) < 0.01)
        }
    }

    @Test func badUploadsGetJSONErrorsNamingTheProblemAndTheServiceKeepsServing() async throws {
        let jfk = try Data(contentsOf: Fixtures.jfkWAV)
        let cases: [(name: String, body: Data, contentType: String, status: HTTPResponse.Status, code: String)] = [
            ("empty audio file", Data(), "audio/wav", .badRequest, "empty_audio"),
            ("a text file", Data("What is Docker? This is not audio at all.".utf8), "audio/wav", .unsupportedMediaType,
             "unsupported_media_type"),
            ("a truncated WAV header", jfk.prefix(30), "audio/wav", .badRequest, "truncated_audio"),
            ("a WAV cut in its header chunk list", jfk.prefix(40), "audio/wav", .badRequest, "truncated_audio"),
            ("a corrupt WebM", Data([0x1A, 0x45, 0xDF, 0xA3]) + Data(repeating: 7, count: 2000), "audio/webm", .badRequest,
             "invalid_audio"),
        ]
        try await SharedRecognizer.app().test(.router) { client in
            for item in cases {
                let response = try await client.transcribe(item.body, contentType: item.contentType)
                #expect(response.status == item.status, "\(item.name)")
                let error = try decode(ErrorBody.self, response)
                #expect(error.error.code == item.code, "\(item.name): \(error.error.message)")
            }
            let response = try await client.transcribe(jfk)
            #expect(response.status == .ok)
        }
    }

    @Test func requestsWithoutUsableAudioGetClearErrors() async throws {
        try await SharedRecognizer.app().test(.router) { client in
            let empty = try await client.execute(uri: "/transcribe", method: .post, headers: [.contentType: "audio/wav"])
            #expect(empty.status == .badRequest)
            #expect(try decode(ErrorBody.self, empty).error.code == "empty_audio")

            var form = MultipartBody()
            form.addField("model", "tiny.en")
            let noFile = try await client.execute(uri: "/transcribe", method: .post, headers: [.contentType: form.contentType],
                                                  body: ByteBuffer(data: form.finished))
            #expect(noFile.status == .badRequest)
            #expect(try decode(ErrorBody.self, noFile).error.code == "missing_audio")

            let text = try await client.execute(uri: "/transcribe", method: .post, headers: [.contentType: "text/plain"],
                                                body: ByteBuffer(string: "hello"))
            #expect(text.status == .unsupportedMediaType)

            let unknownModel = try await client.transcribe(try Data(contentsOf: Fixtures.jfkWAV), fields: ["model": "large-v9"])
            #expect(unknownModel.status == .badRequest)
            #expect(try decode(ErrorBody.self, unknownModel).error.code == "unknown_model")
        }
    }

    @Test func audioOverTheMaximumLengthIs413() async throws {
        let recognizer = try SharedRecognizer.makeRecognizer(queue: 4, timeout: .seconds(30), maxSeconds: 5)
        let jfk = try Data(contentsOf: Fixtures.jfkWAV)
        try await SharedRecognizer.app(recognizer).test(.router) { client in
            let wav = try await client.transcribe(jfk)
            #expect(wav.status == .contentTooLarge)
            #expect(try decode(ErrorBody.self, wav).error.message.contains("5 s"))
            let compressed = try await client.transcribe(try TestAudio.transcode(jfk, to: .ogg), contentType: "audio/ogg")
            #expect(compressed.status == .contentTooLarge)
        }
    }

    @Test func bodyOverTheMaximumSizeIs413() async throws {
        let jfk = try Data(contentsOf: Fixtures.jfkWAV)
        try await SharedRecognizer.app(maxBytes: 100_000).test(.router) { client in
            let response = try await client.transcribe(jfk)
            #expect(response.status == .contentTooLarge)
            #expect(try decode(ErrorBody.self, response).error.code == "payload_too_large")
        }
    }

    @Test func aFullQueueAnswers503WithRetryAfter() async throws {
        let recognizer = try SharedRecognizer.makeRecognizer(queue: 0, timeout: .seconds(600))
        let jfk = try Data(contentsOf: Fixtures.jfkWAV)
        try await SharedRecognizer.app(recognizer).test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        let response = try await client.transcribe(jfk)
                        return (response.status, response.headers[.retryAfter])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.contains { $0.0 == .ok })
            let busy = statuses.filter { $0.0 == .serviceUnavailable }
            #expect(!busy.isEmpty)
            #expect(busy.allSatisfy { $0.1 == "1" })
        }
    }

    @Test func aTranscriptionPastItsDeadlineIsAbortedWith504() async throws {
        let recognizer = try SharedRecognizer.makeRecognizer(queue: 4, timeout: .milliseconds(20))
        let jfk = try Data(contentsOf: Fixtures.jfkWAV)
        try await SharedRecognizer.app(recognizer).test(.router) { client in
            let clock = ContinuousClock()
            let start = clock.now
            let response = try await client.transcribe(jfk)
            #expect(response.status == .gatewayTimeout)
            #expect(try decode(ErrorBody.self, response).error.code == "timeout")
            // Aborted at the deadline rather than run to completion.
            #expect(clock.now - start < .seconds(5))
        }
    }

    @Test func openAITranscriptionsEndpointSpeaksAllThreeFormats() async throws {
        let audio = try Data(contentsOf: Fixtures.jfkWAV)
        try await SharedRecognizer.app().test(.router) { client in
            let json = try await client.transcribe(audio, uri: "/v1/audio/transcriptions", field: "file",
                                                   fields: ["model": "whisper-1"])
            #expect(json.status == .ok)
            struct Plain: Decodable { let text: String }
            #expect(WordErrorRate.rate(reference: Fixtures.jfkText, hypothesis: try decode(Plain.self, json).text) <= 0.1)

            let text = try await client.transcribe(audio, uri: "/v1/audio/transcriptions", field: "file",
                                                   fields: ["model": "whisper-1", "response_format": "text"])
            #expect(text.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(String(buffer: text.body).lowercased().contains("ask not what your country"))

            let verbose = try await client.transcribe(audio, uri: "/v1/audio/transcriptions", field: "file",
                                                      fields: ["response_format": "verbose_json"])
            struct Verbose: Decodable {
                struct Segment: Decodable { let id: Int; let start: Double; let end: Double; let text: String }
                let task: String; let language: String; let duration: Double; let segments: [Segment]
            }
            let body = try decode(Verbose.self, verbose)
            #expect(body.task == "transcribe" && body.language == "en" && !body.segments.isEmpty)

            let srt = try await client.transcribe(audio, uri: "/v1/audio/transcriptions", field: "file",
                                                  fields: ["response_format": "srt"])
            #expect(srt.status == .badRequest)
        }
    }

    @Test func healthReportsTheLoadedModelsAndQueueDepth() async throws {
        try await SharedRecognizer.app().test(.router) { client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            let health = try decode(HealthReport.self, response)
            #expect(health.status == "ok")
            #expect(health.details["models"] == "base,tiny.en")
            #expect(health.details["queue_depth"] == "0")
        }
    }
}
