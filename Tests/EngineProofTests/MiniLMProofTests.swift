import Foundation
import Models
import Retrieval
import Testing
import VoiceTesting

/// The converted MiniLM is real: it ranks by meaning and matches an independent numpy forward pass.
@Suite(.serialized) struct MiniLMProofTests {
    static let embedder = Result { try Embedder(modelPath: try Fixtures.model(ModelCatalog.miniLM), threads: 2) }

    func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test func questionAboutDescalingIsNearerDescalingThanFerries() throws {
        let embedder = try Self.embedder.get()
        let vectors = try embedder.embed([
            "How do I descale my kettle?",
            "To descale a kettle, boil a mixture of water and white vinegar, then rinse it.",
            "The ferry timetable changes in winter.",
        ])
        #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.2)
    }

    @Test func vectorsHaveUnitLengthAnd384Dimensions() throws {
        let vector = try Self.embedder.get().embed("Unit length, please.")
        #expect(vector.count == 384)
        #expect(abs(cosine(vector, vector) - 1) < 1e-4)
    }

    struct Reference: Decodable {
        let sentences: [String: [Float]]
    }

    /// The fixture comes from scripts/minilm_reference.py, a numpy forward pass over the same safetensors.
    @Test func vectorsMatchTheIndependentNumpyReference() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Resources/minilm-reference.json")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        #expect(reference.sentences.count >= 3)
        let embedder = try Self.embedder.get()
        for (sentence, expected) in reference.sentences {
            let similarity = cosine(try embedder.embed(sentence), expected)
            #expect(similarity >= 0.999, "\(sentence): cosine \(similarity)")
        }
    }
}
