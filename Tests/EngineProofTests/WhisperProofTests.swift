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

@Suite struct WordErrorRateTests {
    @Test func ignoresCasePunctuationAndDigitSpelling() {
        #expect(WordErrorRate.rate(reference: "Meet me at seven o'clock!", hypothesis: "meet me at 7 oclock") == 0)
        #expect(WordErrorRate.rate(reference: "opened in 1847", hypothesis: "opened in one thousand eight hundred forty seven") == 0)
    }

    @Test func countsSubstitutionsInsertionsAndDeletions() {
        #expect(WordErrorRate.rate(reference: "a b c d", hypothesis: "a x c") == 0.5)
        #expect(WordErrorRate.rate(reference: "a b", hypothesis: "a b c d") == 1.0)
    }
}
