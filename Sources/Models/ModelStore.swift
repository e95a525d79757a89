public import Foundation

/// The folder holding converted models (VOICE_MODELS_DIR, `models/` by default).
public struct ModelStore: Sendable {
    public var directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func url(for spec: ModelSpec) -> URL {
        directory.appendingPathComponent(spec.fileName)
    }

    public func isPresent(_ spec: ModelSpec) -> Bool {
        FileManager.default.fileExists(atPath: url(for: spec).path)
    }

    /// The path of a model that must exist, or an error that names the command fetching it.
    public func require(_ spec: ModelSpec) throws(ModelStoreError) -> URL {
        let url = url(for: spec)
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missing(spec, at: url.path) }
        return url
    }

    /// Size in bytes of a present model.
    public func size(of spec: ModelSpec) -> Int64? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url(for: spec).path)
        return (attributes?[.size] as? NSNumber)?.int64Value
    }
}

public struct ModelStoreError: Error, CustomStringConvertible {
    private enum Code {
        case missing(id: String, path: String, fetch: String)
        case checksumMismatch(path: String, expected: String, actual: String)
        case commandFailed(command: String, status: Int32, output: String)
        case sourceMissing(String)
    }

    private let code: Code

    public static func missing(_ spec: ModelSpec, at path: String) -> Self {
        let fetch = spec.isDefault ? "voice models" : "voice models --only \(spec.id)"
        return .init(code: .missing(id: spec.id, path: path, fetch: fetch))
    }
    public static func checksumMismatch(path: String, expected: String, actual: String) -> Self {
        .init(code: .checksumMismatch(path: path, expected: expected, actual: actual))
    }
    public static func commandFailed(_ command: String, status: Int32, output: String) -> Self {
        .init(code: .commandFailed(command: command, status: status, output: output))
    }
    public static func sourceMissing(_ path: String) -> Self { .init(code: .sourceMissing(path)) }

    public var description: String {
        switch code {
        case .missing(let id, let path, let fetch):
            "model '\(id)' is missing at \(path); run `\(fetch)` to fetch it"
        case .checksumMismatch(let path, let expected, let actual):
            "SHA-256 mismatch for \(path): expected \(expected), got \(actual)"
        case .commandFailed(let command, let status, let output):
            "`\(command)` exited with \(status): \(output.suffix(600))"
        case .sourceMissing(let path):
            "\(path) not found; run scripts/engines.sh first (or pass --engine-source)"
        }
    }
}
