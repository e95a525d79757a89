/// Errors raised at the whisper.cpp boundary.
public struct WhisperError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case modelMissing(String)
        case modelLoadFailed(String)
        case stateAllocationFailed
        case inferenceFailed(Int32)
        case cancelled
    }

    private let code: Code

    public static func modelMissing(_ path: String) -> Self { .init(code: .modelMissing(path)) }
    public static func modelLoadFailed(_ path: String) -> Self { .init(code: .modelLoadFailed(path)) }
    public static let stateAllocationFailed = Self(code: .stateAllocationFailed)
    public static func inferenceFailed(_ status: Int32) -> Self { .init(code: .inferenceFailed(status)) }
    public static let cancelled = Self(code: .cancelled)

    public var description: String {
        switch code {
        case .modelMissing(let path): "whisper model not found at \(path)"
        case .modelLoadFailed(let path): "whisper.cpp could not load \(path)"
        case .stateAllocationFailed: "whisper.cpp could not allocate a decoding state"
        case .inferenceFailed(let status): "whisper.cpp failed with status \(status)"
        case .cancelled: "transcription was cancelled"
        }
    }
}
