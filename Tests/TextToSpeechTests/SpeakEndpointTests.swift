import EspeakEngine
import Foundation
import Hummingbird
import HummingbirdTesting
import Models
import NIOFoundationCompat
import SpeechToText
import Testing
import TextToSpeech
import VoiceCore
import VoiceTesting
import WhisperEngine

/// The TTS service over HTTP, with the real libespeak-ng.
@Suite struct SpeakEndpointTests {
    let store: AudioStore

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tts-\(UUID().uuidString)")
        store = AudioStore(directory: directory)
    }

    func app() throws -> some ApplicationProtocol {
        let router = makeServiceRouter()
        let speaker = Speaker(synthesizer: try EspeakSynthesizer.shared.get(), store: store, maxCharacters: 2000)
        SpeechController(speaker: speaker).addRoutes(to: router)
        return Application(router: router)
    }

    struct SpeakBody: Decodable {
        let filename: String
        let audio_url: String
        let duration_s: Double
        let sample_rate: Int
        let bytes: Int
    }

    func json(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(data: try JSONSerialization.data(withJSONObject: object))
    }

    @Test func speakWritesAValidWAVWithAPlausibleDuration() async throws {
        let sentence = "The ferry to the island leaves every hour from the north pier."
        try await app().test(.router) { client in
            try await client.execute(uri: "/speak", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["text": sentence])) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode(SpeakBody.self, from: Data(buffer: response.body))
                #expect(body.audio_url == "/audio/\(body.filename)")
                #expect(AudioStore.isOurName(body.filename))
                let data = try Data(contentsOf: store.directory.appendingPathComponent(body.filename))
                #expect(data.count == body.bytes)
                let audio = try WAVDecoder.decode(data)
                #expect(audio.sampleRate == body.sample_rate)
                // Twelve words at 150 words per minute: roughly 4–6 s.
                #expect((2.5...7).contains(audio.duration), "duration \(audio.duration)")
                #expect(abs(audio.duration - body.duration_s) < 0.01)
            }
        }
    }

    @Test func acceptAudioWavReturnsTheBytesAndStoresNothing() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/speak", method: .post,
                                     headers: [.contentType: "application/json", .accept: "audio/wav"],
                                     body: try json(["text": "Hello there."])) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "audio/wav")
                let audio = try WAVDecoder.decode(Data(buffer: response.body))
                #expect(audio.duration > 0.3)
                #expect((try? FileManager.default.contentsOfDirectory(atPath: store.directory.path))?.isEmpty ?? true)
            }
        }
    }

    @Test func openAISpeechEndpointReturnsWAV() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/audio/speech", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["model": "tts-1", "input": "Good morning.", "voice": "alloy",
                                                     "response_format": "wav"])) { response in
                #expect(response.status == .ok)
                #expect(WAVDecoder.isWAV(Data(buffer: response.body)))
            }
            try await client.execute(uri: "/v1/audio/speech", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["input": "Hi", "response_format": "mp3"])) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func badInputGetsClearJSONErrors() async throws {
        try await app().test(.router) { client in
            let cases: [(ByteBuffer, HTTPResponse.Status, String)] = [
                (try json(["text": "   "]), .badRequest, "empty_text"),
                (try json(["text": String(repeating: "word ", count: 500)]), .contentTooLarge, "payload_too_large"),
                (try json(["text": "hi", "voice": "klingon-xx"]), .badRequest, "unknown_voice"),
                (try json(["text": "hi", "rate": 5]), .badRequest, "invalid_rate"),
                (try json(["words": "hi"]), .badRequest, "invalid_json"),
                (ByteBuffer(string: "{not json"), .badRequest, "invalid_json"),
            ]
            for (body, status, code) in cases {
                try await client.execute(uri: "/speak", method: .post, headers: [.contentType: "application/json"],
                                         body: body) { response in
                    #expect(response.status == status, "\(code)")
                    #expect(String(buffer: response.body).contains("\"\(code)\""), "\(String(buffer: response.body))")
                }
            }
            try await client.execute(uri: "/speak", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["text": "hi", "voice": "nope"])) { response in
                #expect(String(buffer: response.body).contains("en-us"), "the error lists valid voices")
            }
        }
    }

    @Test func eightConcurrentRequestsGiveEightDistinctValidFiles() async throws {
        let sentences = (1...8).map { "This is concurrent sentence number \($0), spoken on its own." }
        try await app().test(.router) { client in
            let names = try await withThrowingTaskGroup(of: String.self) { group in
                for sentence in sentences {
                    group.addTask {
                        try await client.execute(uri: "/speak", method: .post, headers: [.contentType: "application/json"],
                                                 body: try json(["text": sentence])) { response in
                            #expect(response.status == .ok)
                            return try JSONDecoder().decode(SpeakBody.self, from: Data(buffer: response.body)).filename
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(names).count == 8)
            let durations = try names.map { try WAVDecoder.decode(Data(contentsOf: store.directory.appendingPathComponent($0))).duration }
            // Same-length sentences: interleaved audio would show up as wildly different lengths.
            #expect(durations.allSatisfy { abs($0 - durations[0]) < 1.0 }, "\(durations)")
        }
    }

    @Test func voicesListsInstalledVoices() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/voices", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"en-us\""))
                #expect(String(buffer: response.body).contains("\"default_voice\":\"en\""))
            }
        }
    }

    /// Our own Whisper hears what espeak said.
    @Test func whisperTranscribesSynthesizedSpeechBack() async throws {
        let sentence = "Please book a table for four people at seven o'clock tonight."
        let speaker = Speaker(synthesizer: try EspeakSynthesizer.shared.get(), store: store)
        let audio = try await speaker.speak(SpeakRequest(text: sentence), persist: false)
        let decoded = try WAVDecoder.decode(audio.wav)
        let samples = Resampler.resample(decoded.samples, from: decoded.sampleRate)
        // Whisper base: tiny.en flips a word or two on the few samples espeak varies by between runs.
        let transcriber = try Transcriber(modelPath: try Fixtures.model(ModelCatalog.whisperBase), threads: 2)
        let text = try transcriber.transcribe(samples).text
        let error = WordErrorRate.rate(reference: sentence, hypothesis: text)
        #expect(error <= 0.20, "heard: \(text) (WER \(error))")
    }
}
