import VoiceCore

/// Why an upload cannot be turned into speech samples.
public struct AudioError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case empty, notAudio, truncated
        case malformed(String)
        case unsupported(String)
    }

    private let code: Code

    public static let empty = Self(code: .empty)
    public static let notAudio = Self(code: .notAudio)
    public static let truncated = Self(code: .truncated)
    public static func malformed(_ detail: String) -> Self { .init(code: .malformed(detail)) }
    public static func unsupported(_ detail: String) -> Self { .init(code: .unsupported(detail)) }

    public var description: String {
        switch code {
        case .empty: "the audio is empty"
        case .notAudio: "the upload is not audio in a supported format"
        case .truncated: "the audio file is truncated"
        case .malformed(let detail): "the audio file is malformed: \(detail)"
        case .unsupported(let detail): "unsupported audio: \(detail)"
        }
    }
}
