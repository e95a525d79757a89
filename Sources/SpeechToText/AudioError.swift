public import VoiceCore

/// Why an upload cannot be turned into speech samples.
public struct AudioError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case empty, notAudio, truncated
        case malformed(String)
        case unsupported(String)
        case tooLong(Double)
        case decoderUnavailable
    }

    private let code: Code

    public static let empty = Self(code: .empty)
    public static let notAudio = Self(code: .notAudio)
    public static let truncated = Self(code: .truncated)
    public static func malformed(_ detail: String) -> Self { .init(code: .malformed(detail)) }
    public static func unsupported(_ detail: String) -> Self { .init(code: .unsupported(detail)) }
    public static func tooLong(_ limit: Double) -> Self { .init(code: .tooLong(limit)) }
    public static let decoderUnavailable = Self(code: .decoderUnavailable)

    public var description: String {
        switch code {
        case .empty: "the audio is empty"
        case .notAudio: "the upload is not audio in a supported format"
        case .truncated: "the audio file is truncated"
        case .malformed(let detail): "the audio file is malformed: \(detail)"
        case .unsupported(let detail): "unsupported audio: \(detail)"
        case .tooLong(let limit): "the audio is longer than the limit of \(Int(limit)) s"
        case .decoderUnavailable: "ffmpeg is not installed, so only WAV can be decoded"
        }
    }
}

extension AudioError: APIErrorConvertible {
    public var apiError: APIError {
        switch code {
        case .empty: .badRequest("empty_audio", description)
        case .notAudio, .unsupported: .unsupportedMediaType(description)
        case .truncated: .badRequest("truncated_audio", description)
        case .malformed: .badRequest("invalid_audio", description)
        case .tooLong: .payloadTooLarge(description)
        case .decoderUnavailable: .serviceUnavailable("decoder_unavailable", description)
        }
    }
}
