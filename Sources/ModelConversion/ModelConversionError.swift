/// Errors raised while reading a source model or writing a converted one.
///
/// A struct around a private code, rather than a public enum, so that new cases can be added
/// without breaking callers that switch over them.
public struct ModelConversionError: Error, CustomStringConvertible, Equatable, Sendable {
    private enum Code: Equatable, Sendable {
        case malformed(String)
        case missingTensor(String)
        case unsupported(String)
        case incompatible(String)
        case io(String)
    }

    private let code: Code

    /// The file is truncated or its structure contradicts itself.
    public static func malformed(_ detail: String) -> Self { .init(code: .malformed(detail)) }
    /// A tensor the target format needs is not in the source model.
    public static func missingTensor(_ name: String) -> Self { .init(code: .missingTensor(name)) }
    /// The file is well formed but uses a version, architecture or data type this code does not handle.
    public static func unsupported(_ detail: String) -> Self { .init(code: .unsupported(detail)) }
    /// Two inputs, or a tensor and the hyperparameters, disagree (for example a template for another model size).
    public static func incompatible(_ detail: String) -> Self { .init(code: .incompatible(detail)) }
    /// Reading or writing a file failed.
    public static func io(_ detail: String) -> Self { .init(code: .io(detail)) }

    public var description: String {
        switch code {
        case .malformed(let detail): "malformed model file: \(detail)"
        case .missingTensor(let name): "tensor '\(name)' is missing from the source model"
        case .unsupported(let detail): "unsupported model: \(detail)"
        case .incompatible(let detail): "incompatible model inputs: \(detail)"
        case .io(let detail): "model file I/O failed: \(detail)"
        }
    }
}
