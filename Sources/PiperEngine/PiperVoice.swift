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

/// One Piper (VITS) voice in ONNX Runtime: espeak-ng IPA phonemes in, 16-bit samples out. The model is cut
/// before its vocoder (``OnnxModelCut``), so a sentence's latent frames are made at once and turned into sound a
/// window at a time: the first window plays while the rest of the sentence is decoded.
public final class PiperVoice: Sendable {
    /// The latent frames of one sentence: `channels` rows of `frames` values.
    public struct Latent: Sendable {
        public var values: [Float]
        public var channels: Int
        public var frames: Int
    }

    public let config: PiperVoiceConfig
    public var sampleRate: Int { config.audio.sample_rate }
    private let encoder: OnnxSession
    private let decoder: OnnxSession
    private let latentName: String

    /// The frames on each side of a window that its samples depend on. Piper's HiFi-GAN vocoder sees 12 latent
    /// frames each way: decoded with this margin, the joined windows equal the whole decode to rounding
    /// (measured on joe: 128 dB signal to difference at 12 frames, 68 dB at 8, 35 dB at 4).
    public static let margin = 12

    /// Piper scales each sentence to full scale, which needs the whole sentence before its first sample. A fixed
    /// gain keeps one loudness across sentences and lets the first window go out at once. Joe's raw peaks were
    /// 0.38–0.69 (median 0.50) on 17 sentences spoken twice; 1.4 puts the loudest at 97% of full scale.
    public static let gain: Float = 1.4

    /// Loads `model` (and `model` + `.json`) into sessions of `threads` intra-op threads.
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
        let bytes: [UInt8]
        do { bytes = try [UInt8](Data(contentsOf: model)) } catch { throw .invalidModel("\(model.lastPathComponent): \(error)") }
        let cut = try OnnxModelCut(model: bytes, stage: "/dec/")
        encoder = try runtime.session(bytes: cut.head, threads: threads)
        decoder = try runtime.session(bytes: cut.tail, threads: threads)
        latentName = cut.tensor
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

    /// One sentence's latent frames; a larger `lengthScale` speaks slower. Piper samples its prosody, so each call
    /// differs a little.
    public func latent(phonemes: String, lengthScale: Float) throws(OnnxError) -> Latent {
        let ids = phonemeIDs(phonemes)
        let scales = [config.inference.noise_scale, lengthScale, config.inference.noise_w]
        let (values, shape) = try encoder.runShaped(inputs: [
            .init(name: "input", int64: ids, shape: [1, Int64(ids.count)]),
            .init(name: "input_lengths", int64: [Int64(ids.count)], shape: [1]),
            .init(name: "scales", float: scales, shape: [3]),
        ], output: latentName)
        guard shape.count == 3, shape[0] == 1 else { throw .runtime("latent frames of shape \(shape)") }
        return Latent(values: values, channels: shape[1], frames: shape[2])
    }

    /// The samples of `frames` of `latent`, decoded with ``margin`` frames of context on each side.
    public func decode(_ latent: Latent, frames: Range<Int>) throws(OnnxError) -> [Int16] {
        let lower = max(0, frames.lowerBound - Self.margin), upper = min(latent.frames, frames.upperBound + Self.margin)
        guard upper > lower else { return [] }
        var window = [Float]()
        window.reserveCapacity(latent.channels * (upper - lower))
        for channel in 0..<latent.channels {
            window += latent.values[(channel * latent.frames + lower)..<(channel * latent.frames + upper)]
        }
        let audio = try decoder.run(inputs: [
            .init(name: latentName, float: window, shape: [1, Int64(latent.channels), Int64(upper - lower)]),
        ], output: "output")
        let hop = audio.count / (upper - lower)
        return audio[((frames.lowerBound - lower) * hop)..<((frames.upperBound - lower) * hop)].map {
            Int16(max(-32767, min(32767, $0 * Self.gain * 32767)))
        }
    }

    /// The windows a sentence of `frames` frames is decoded in: a short first one (24 frames, 0.28 s), so that sound
    /// starts soon, then each twice the last up to `longest`: longer windows cost less margin per frame, and each is
    /// decoded while the one before it plays.
    public static func windows(frames: Int, first: Int = 24, longest: Int = 96) -> [Range<Int>] {
        var windows: [Range<Int>] = []
        var start = 0
        var size = first
        while start < frames {
            let end = min(frames, start + size)
            windows.append(start..<end)
            start = end
            size = min(longest, size * 2)
        }
        return windows
    }
}
