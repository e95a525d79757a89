public import Foundation
import VoiceCore

/// Real speech for tests: sentences spoken by espeak-ng, re-encoded by ffmpeg the way browsers and phones
/// send them.
public enum TestAudio {
    public enum Format: String, CaseIterable, Sendable {
        case webm, ogg, mp3, flac, m4a

        var ffmpegArguments: [String] {
            switch self {
            case .webm: ["-c:a", "libopus", "-b:a", "32k", "-f", "webm"]
            case .ogg: ["-c:a", "libopus", "-b:a", "32k", "-f", "ogg"]
            case .mp3: ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"]
            case .flac: ["-c:a", "flac", "-f", "flac"]
            // MediaRecorder's MP4 is fragmented; a pipe cannot be seeked to write a normal moov atom anyway.
            case .m4a: ["-c:a", "aac", "-b:a", "64k", "-movflags", "frag_keyframe+empty_moov", "-f", "mp4"]
            }
        }
    }

    public struct ToolError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A WAV of `text` spoken by espeak-ng (22.05 kHz mono, 16-bit), at the rate our TTS uses.
    public static func wav(_ text: String, voice: String = "en", wordsPerMinute: Int = 150) throws -> Data {
        let result = try Subprocess.run(["espeak-ng", "-v", voice, "-s", "\(wordsPerMinute)", "--stdout", text])
        guard result.status == 0, result.output.count > 44 else { throw ToolError(description: "espeak-ng: \(result.errorText)") }
        // espeak-ng writes a streaming header with unknown sizes to a pipe; fix them up so it is a valid file.
        var data = result.output
        let riffSize = UInt32(data.count - 8), dataSize = UInt32(data.count - 44)
        data.replaceSubrange(4..<8, with: withUnsafeBytes(of: riffSize.littleEndian) { Data($0) })
        data.replaceSubrange(40..<44, with: withUnsafeBytes(of: dataSize.littleEndian) { Data($0) })
        return data
    }

    /// Re-encodes audio (any format ffmpeg reads) into `format`.
    public static func transcode(_ audio: Data, to format: Format, sampleRate: Int = 48_000) throws -> Data {
        let result = try Subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", "pipe:0",
                                         "-ar", "\(sampleRate)", "-ac", "1"] + format.ffmpegArguments + ["pipe:1"],
                                        input: audio)
        guard result.status == 0, !result.output.isEmpty else { throw ToolError(description: "ffmpeg: \(result.errorText)") }
        return result.output
    }

    /// Re-encodes audio into a WAV with the given sample rate, channels and sample format
    /// (`s16le`, `s24le`, `s32le`, `f32le`).
    public static func wav(from audio: Data, sampleRate: Int, channels: Int = 1, codec: String = "pcm_s16le") throws -> Data {
        let result = try Subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", "pipe:0",
                                         "-ar", "\(sampleRate)", "-ac", "\(channels)", "-c:a", codec, "-f", "wav",
                                         "-bitexact", "pipe:1"], input: audio)
        guard result.status == 0, !result.output.isEmpty else { throw ToolError(description: "ffmpeg: \(result.errorText)") }
        return result.output
    }
}
