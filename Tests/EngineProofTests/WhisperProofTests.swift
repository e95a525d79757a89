import Foundation
import Models
import SpeechToText
import Testing
import VoiceTesting
import WhisperEngine

/// The converted Whisper models are real: they transcribe a human recording word for word.
@Suite(.serialized) struct WhisperProofTests {
    func transcribeJFK(with spec: ModelSpec) throws -> String {
        let audio = try WAVDecoder.decode(try Data(contentsOf: Fixtures.jfkWAV))
        #expect(audio.sampleRate == 16_000)
        let transcriber = try Transcriber(modelPath: try Fixtures.model(spec), threads: 2)
        return try transcriber.transcribe(audio.samples).text
    }

    @Test func convertedTinyEnTranscribesJFK() throws {
        let text = try transcribeJFK(with: ModelCatalog.whisperTinyEn)
        #expect(WordErrorRate.rate(reference: Fixtures.jfkText, hypothesis: text) <= 0.10, "got: \(text)")
    }

    @Test func convertedBaseTranscribesJFK() throws {
        let text = try transcribeJFK(with: ModelCatalog.whisperBase)
        #expect(WordErrorRate.rate(reference: Fixtures.jfkText, hypothesis: text) <= 0.10, "got: \(text)")
    }
}
