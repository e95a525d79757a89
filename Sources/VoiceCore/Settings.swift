public import Foundation

/// Development mode allows anonymous access and `*` CORS; production refuses to start without API keys.
public enum Deployment: String, Sendable, CaseIterable {
    case development
    case production
}

/// Process-wide settings read from the environment (`VOICE_*`); CLI options override single fields.
/// Every knob is documented in docs/configuration.md.
public struct Settings: Sendable {
    public var deployment: Deployment
    /// Converted models (`voice models` writes here).
    public var modelsDirectory: URL
    /// Runtime data: knowledge.db, vectors, audio.
    public var dataDirectory: URL
    /// Downloads and extracted wheels, kept across runs and clones.
    public var cacheDirectory: URL
    /// Engine sources and libraries built by scripts/engines.sh.
    public var engineDirectory: URL
    /// Threads per inference call; the machines this targets have two cores.
    public var threads: Int
    /// The interface services bind to: loopback for a laptop, `0.0.0.0` in containers.
    public var host: String
    /// Synthesised answers (shared between gateway and TTS).
    public var audioDirectory: URL
    public var audioMaxAge: Duration
    public var audioByteBudget: Int64
    public var ttsMaxCharacters: Int
    /// Where chunk vectors are searched: the embedded SQLite-backed index or a Chroma server.
    public var vectorStore: VectorStoreBackend
    public var chromaURL: URL
    /// Ingested on the first run, when the knowledge base is empty.
    public var knowledgeDirectory: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws(SettingsError) {
        func path(_ key: String, default fallback: String) -> URL {
            let value = environment[key].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
            let url = value.hasPrefix("/") ? URL(fileURLWithPath: value) : workingDirectory.appendingPathComponent(value)
            return url.standardizedFileURL
        }
        let deploymentName = environment["VOICE_ENV"] ?? Deployment.development.rawValue
        guard let deployment = Deployment(rawValue: deploymentName) else {
            throw .invalid(key: "VOICE_ENV", value: deploymentName, expected: "development or production")
        }
        self.deployment = deployment
        modelsDirectory = path("VOICE_MODELS_DIR", default: "models")
        dataDirectory = path("VOICE_DATA_DIR", default: "data")
        cacheDirectory = path("VOICE_CACHE_DIR", default: "\(environment["HOME"] ?? "/tmp")/.cache/voice")
        engineDirectory = path("VOICE_ENGINE_DIR", default: ".deps")
        let threadText = environment["VOICE_THREADS"] ?? "\(min(ProcessInfo.processInfo.activeProcessorCount, 4))"
        guard let threads = Int(threadText), (1...64).contains(threads) else {
            throw .invalid(key: "VOICE_THREADS", value: threadText, expected: "an integer from 1 to 64")
        }
        self.threads = threads
        func integer(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(SettingsError) -> Int {
            guard let text = environment[key], !text.isEmpty else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw .invalid(key: key, value: text, expected: "an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        host = environment["VOICE_HOST"] ?? "127.0.0.1"
        audioDirectory = path("VOICE_AUDIO_DIR", default: dataDirectory.appendingPathComponent("audio").path)
        audioMaxAge = .seconds(try integer("VOICE_AUDIO_MAX_AGE_S", default: 3600, range: 10...604_800))
        audioByteBudget = Int64(try integer("VOICE_AUDIO_BUDGET_MB", default: 512, range: 1...1_000_000)) << 20
        ttsMaxCharacters = try integer("VOICE_TTS_MAX_CHARS", default: 2000, range: 1...100_000)
        let backendName = environment["VOICE_VECTOR_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? VectorStoreBackend.embedded.rawValue
        guard let backend = VectorStoreBackend(rawValue: backendName) else {
            throw .invalid(key: "VOICE_VECTOR_STORE", value: backendName, expected: "embedded or chroma")
        }
        vectorStore = backend
        let chromaText = environment["VOICE_CHROMA_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8000"
        guard let chromaURL = URL(string: chromaText), ["http", "https"].contains(chromaURL.scheme), chromaURL.host != nil else {
            throw .invalid(key: "VOICE_CHROMA_URL", value: chromaText, expected: "an http(s) URL")
        }
        self.chromaURL = chromaURL
        knowledgeDirectory = path("VOICE_KNOWLEDGE_DIR", default: "knowledge")
    }
}

/// The vector index behind retrieval (docs/decisions.md).
public enum VectorStoreBackend: String, Sendable, CaseIterable {
    case embedded
    case chroma
}

public struct SettingsError: Error, CustomStringConvertible {
    public let description: String

    public static func invalid(key: String, value: String, expected: String) -> Self {
        .init(description: "\(key)=\(value) is invalid: expected \(expected)")
    }
}
