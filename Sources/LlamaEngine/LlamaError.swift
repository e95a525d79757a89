/// Errors raised at the llama.cpp boundary.
public struct LlamaError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case modelMissing(String)
        case modelLoadFailed(String)
        case contextCreationFailed
        case tokenizationFailed
        case noChatTemplate
        case templateFailed
        case decodeFailed(Int32)
        case contextFull(needed: Int, available: Int)
        case aborted
    }

    private let code: Code

    public static func modelMissing(_ path: String) -> Self { .init(code: .modelMissing(path)) }
    public static func modelLoadFailed(_ path: String) -> Self { .init(code: .modelLoadFailed(path)) }
    public static let contextCreationFailed = Self(code: .contextCreationFailed)
    public static let tokenizationFailed = Self(code: .tokenizationFailed)
    public static let noChatTemplate = Self(code: .noChatTemplate)
    public static let templateFailed = Self(code: .templateFailed)
    public static func decodeFailed(_ status: Int32) -> Self { .init(code: .decodeFailed(status)) }
    public static func contextFull(needed: Int, available: Int) -> Self {
        .init(code: .contextFull(needed: needed, available: available))
    }
    public static let aborted = Self(code: .aborted)

    public var description: String {
        switch code {
        case .modelMissing(let path): "GGUF model not found at \(path)"
        case .modelLoadFailed(let path): "llama.cpp could not load \(path)"
        case .contextCreationFailed: "llama.cpp could not create a context"
        case .tokenizationFailed: "llama.cpp could not tokenize the text"
        case .noChatTemplate: "the model carries no chat template in its metadata"
        case .templateFailed: "llama.cpp does not support the model's chat template"
        case .decodeFailed(let status): "llama.cpp decode failed with status \(status)"
        case .contextFull(let needed, let available): "\(needed) tokens do not fit the context of \(available)"
        case .aborted: "generation was aborted"
        }
    }
}
