public import Foundation
public import OnnxEngine

/// The parts of a Piper voice's `.onnx.json` that synthesis needs.
public struct PiperVoiceConfig: Sendable, Decodable {
    public struct Audio: Sendable, Decodable { public var sample_rate: Int }
    public struct Espeak: Sendable, Decodable { public var voice: String }
    public struct Inference: Sendable, Decodable {
        public var noise_scale: Float
        public var length_scale: Float
        public var noise_w: Float
    }

    public var audio: Audio
    public var espeak: Espeak
    public var inference: Inference
    public var phoneme_type: String?
    public var num_speakers: Int
    public var phoneme_id_map: [String: [Int64]]
    public var dataset: String?
}

/// One Piper (VITS) voice in ONNX Runtime: espeak-ng IPA phonemes in, 16-bit samples out, one sentence per run.
public final class PiperVoice: Sendable {
    public let config: PiperVoiceConfig
    public var sampleRate: Int { config.audio.sample_rate }
    private let session: OnnxSession

    /// Loads `model` (and `model` + `.json`) into a session of `threads` intra-op threads.
    public init(model: URL, runtime: OnnxRuntime, threads: Int) throws(OnnxError) {
        let configURL = model.appendingPathExtension("json")
        do {
            config = try JSONDecoder().decode(PiperVoiceConfig.self, from: Data(contentsOf: configURL))
        } catch {
            throw .invalidModel("\(configURL.lastPathComponent): \(error)")
        }
        guard (config.phoneme_type ?? "espeak") == "espeak", config.num_speakers <= 1 else {
            throw .invalidModel("only single-speaker espeak-phoneme voices are supported")
        }
        session = try runtime.session(model: model, threads: threads)
    }

    /// Piper's id sequence: BOS, then each phoneme (a Unicode scalar after NFD) followed by the pad, then EOS.
    /// Phonemes the voice does not know are skipped, as Piper does.
    public func phonemeIDs(_ phonemes: String) -> [Int64] {
        let map = config.phoneme_id_map
        var ids = (map["^"] ?? []) + (map["_"] ?? [])
        for scalar in phonemes.decomposedStringWithCanonicalMapping.unicodeScalars {
            guard let id = map[String(scalar)] else { continue }
            ids += id + (map["_"] ?? [])
        }
        return ids + (map["$"] ?? [])
    }

    /// Speaks one sentence's phonemes; a larger `lengthScale` speaks slower. Like Piper, each sentence is
    /// peak-normalised.
    public func synthesize(phonemes: String, lengthScale: Float) throws(OnnxError) -> [Int16] {
        let ids = phonemeIDs(phonemes)
        let scales = [config.inference.noise_scale, lengthScale, config.inference.noise_w]
        let audio = try session.run(inputs: [
            .init(name: "input", int64: ids, shape: [1, Int64(ids.count)]),
            .init(name: "input_lengths", int64: [Int64(ids.count)], shape: [1]),
            .init(name: "scales", float: scales, shape: [3]),
        ], output: "output")
        let peak = audio.reduce(Float(0)) { max($0, abs($1)) }
        guard peak > 1e-8 else { return [Int16](repeating: 0, count: audio.count) }
        let gain = 32767 / peak
        return audio.map { Int16(max(-32767, min(32767, $0 * gain))) }
    }
}
