internal import CEspeakNG
import Dispatch
import Foundation

/// One installed espeak-ng voice.
public struct EspeakVoice: Sendable, Equatable, Codable {
    public var name: String
    /// espeak's identifier, such as `gmw/en-US`; voices are selected by it or by language.
    public var identifier: String
    public var languages: [String]
}

/// Prosody settings for one synthesis.
public struct EspeakProsody: Sendable, Equatable {
    /// Words per minute (80–450).
    public var rate: Int
    /// 0–100, 50 is normal.
    public var pitch: Int

    public init(rate: Int = 175, pitch: Int = 50) {
        self.rate = rate
        self.pitch = pitch
    }
}

/// 16-bit mono samples at espeak's native rate.
public struct EspeakAudio: Sendable {
    public var samples: [Int16]
    public var sampleRate: Int
}

public struct EspeakError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public static let initializationFailed = Self(description: "espeak-ng could not initialise (is espeak-ng-data installed?)")
    public static func unknownVoice(_ name: String) -> Self { .init(description: "unknown voice '\(name)'") }
    public static func synthesisFailed(_ code: Int32) -> Self { .init(description: "espeak-ng synthesis failed (\(code))") }
}

/// libespeak-ng keeps process-global state, so every call goes through this one owner and its serial
/// queue, a dedicated thread outside Swift's cooperative pool. Concurrent requests queue up and never
/// interleave their audio.
public final class EspeakSynthesizer: Sendable {
    public static let shared: Result<EspeakSynthesizer, EspeakError> = {
        do throws(EspeakError) { return .success(try EspeakSynthesizer()) } catch { return .failure(error) }
    }()

    public let sampleRate: Int
    public let voices: [EspeakVoice]
    private let queue = DispatchQueue(label: "espeak-ng")

    private init() throws(EspeakError) {
        let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, nil, Int32(espeakINITIALIZE_DONT_EXIT))
        guard rate > 0 else { throw .initializationFailed }
        sampleRate = Int(rate)
        espeak_SetSynthCallback { samples, count, _ in
            if let samples, count > 0 { SynthesisSink.append(samples, count: Int(count)) }
            return 0
        }
        voices = Self.listVoices()
    }

    /// Synthesises `text` with `voice` (an identifier, name or language such as `en-us`).
    public func synthesize(_ text: String, voice: String, prosody: EspeakProsody) async throws -> EspeakAudio {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do throws(EspeakError) {
                    continuation.resume(returning: try self.synthesizeOnQueue(text, voice: voice, prosody: prosody))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func synthesizeOnQueue(_ text: String, voice: String, prosody: EspeakProsody) throws(EspeakError) -> EspeakAudio {
        guard espeak_SetVoiceByName(voice) == EE_OK else { throw .unknownVoice(voice) }
        espeak_SetParameter(espeakRATE, Int32(prosody.rate), 0)
        espeak_SetParameter(espeakPITCH, Int32(prosody.pitch), 0)
        SynthesisSink.begin()
        let status = text.withCString { pointer in
            espeak_Synth(pointer, strlen(pointer) + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil, nil)
        }
        let samples = SynthesisSink.finish()
        guard status == EE_OK else { throw .synthesisFailed(status.rawValue) }
        return EspeakAudio(samples: samples, sampleRate: sampleRate)
    }

    /// IPA phonemes of each text, as espeak-ng reads it with `voice` (Piper's voices are trained on these).
    /// espeak returns one clause per call and drops the clause's punctuation, so callers pass one clause each.
    public func phonemes(_ texts: [String], voice: String) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                guard espeak_SetVoiceByName(voice) == EE_OK else {
                    return continuation.resume(throwing: EspeakError.unknownVoice(voice))
                }
                continuation.resume(returning: texts.map(Self.phonemesOnQueue))
            }
        }
    }

    private static func phonemesOnQueue(_ text: String) -> String {
        text.withCString { base in
            var clauses: [String] = []
            var cursor: UnsafeRawPointer? = UnsafeRawPointer(base)
            while let current = cursor, current.load(as: CChar.self) != 0 {
                guard let phonemes = espeak_TextToPhonemes(&cursor, espeakCHARS_UTF8, espeakPHONEMES_IPA) else { break }
                clauses.append(String(cString: phonemes))
            }
            return clauses.filter { !$0.isEmpty }.joined(separator: " ")
        }
    }

    private static func listVoices() -> [EspeakVoice] {
        guard let list = espeak_ListVoices(nil) else { return [] }
        var voices: [EspeakVoice] = []
        var index = 0
        while let entry = list[index] {
            let voice = entry.pointee
            voices.append(EspeakVoice(name: String(cString: voice.name), identifier: String(cString: voice.identifier),
                                      languages: languages(voice.languages)))
            index += 1
        }
        return voices
    }

    /// espeak packs languages as (priority byte, NUL-terminated name) pairs ending with an empty name.
    private static func languages(_ packed: UnsafePointer<CChar>?) -> [String] {
        guard var cursor = packed else { return [] }
        var result: [String] = []
        while cursor.pointee != 0 {
            cursor += 1  // priority byte
            let name = String(cString: cursor)
            result.append(name)
            cursor += name.utf8.count + 1
        }
        return result
    }
}

/// Where espeak's C callback delivers samples. Touched only on the synthesizer's serial queue,
/// which is what makes the unchecked global safe.
private enum SynthesisSink {
    nonisolated(unsafe) static var samples: [Int16] = []

    static func begin() {
        samples = []
        samples.reserveCapacity(22_050 * 4)
    }

    static func append(_ pointer: UnsafeMutablePointer<Int16>, count: Int) {
        samples.append(contentsOf: UnsafeBufferPointer(start: pointer, count: count))
    }

    static func finish() -> [Int16] {
        defer { samples = [] }
        return samples
    }
}
