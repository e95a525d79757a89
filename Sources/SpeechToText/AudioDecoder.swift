public import Foundation
import VoiceCore

/// Turns any upload a browser or a user is likely to send into 16 kHz mono float samples.
/// WAV is decoded here; compressed containers (WebM/Opus, Ogg, MP4/AAC, MP3, FLAC) go through ffmpeg.
public enum AudioDecoder {
    public enum Container: String, Sendable {
        case wav, webm, ogg, mp4, mp3, flac
    }

    /// Identifies the container from its first bytes; the Content-Type is only a hint and is often wrong.
    public static func sniff(_ data: Data) -> Container? {
        let bytes = [UInt8](data.prefix(12))
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        if starts(Array("RIFF".utf8)) && starts(Array("WAVE".utf8), at: 8) { return .wav }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return .webm }
        if starts(Array("OggS".utf8)) { return .ogg }
        if starts(Array("ftyp".utf8), at: 4) { return .mp4 }
        if starts(Array("fLaC".utf8)) { return .flac }
        if starts(Array("ID3".utf8)) || (bytes.count >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) { return .mp3 }
        return nil
    }

    public static func decode(_ data: Data, maxDuration: Double) throws(AudioError) -> WAVDecoder.Audio {
        guard !data.isEmpty else { throw .empty }
        guard let container = sniff(data) else { throw .notAudio }
        let audio: WAVDecoder.Audio
        if container == .wav {
            let wav = try WAVDecoder.decode(data)
            guard Double(wav.samples.count) / Double(wav.sampleRate) <= maxDuration else { throw .tooLong(maxDuration) }
            audio = WAVDecoder.Audio(samples: Resampler.resample(wav.samples, from: wav.sampleRate), sampleRate: Resampler.whisperRate)
        } else {
            audio = try decodeWithFFmpeg(data, container: container, maxDuration: maxDuration)
        }
        guard audio.duration <= maxDuration else { throw .tooLong(maxDuration) }
        return audio
    }

    /// ffmpeg reads the upload on stdin and writes raw 16 kHz mono float32 on stdout; `-t` stops it just past
    /// the limit so a huge file cannot keep a decoder busy.
    static func decodeWithFFmpeg(_ data: Data, container: Container, maxDuration: Double) throws(AudioError) -> WAVDecoder.Audio {
        let arguments = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", "pipe:0",
                         "-t", String(format: "%.2f", maxDuration + 0.5), "-vn", "-ac", "1", "-ar", "16000",
                         "-f", "f32le", "pipe:1"]
        let result: Subprocess
        do { result = try Subprocess.run(arguments, input: data) } catch { throw .decoderUnavailable }
        let raw = result.output
        guard result.status == 0, !raw.isEmpty else {
            let message = String(result.errorText.suffix(300))
            throw .malformed("could not decode \(container.rawValue): \(message.isEmpty ? "no audio stream" : message)")
        }
        let samples = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let audio = WAVDecoder.Audio(samples: samples, sampleRate: Resampler.whisperRate)
        guard audio.duration <= maxDuration else { throw .tooLong(maxDuration) }
        return audio
    }
}
