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
    /// The voice answers are spoken with (`VOICE_TTS_VOICE`); nil: the neural voice when present, else espeak-ng.
    public var ttsVoice: String?
    /// Speech-to-text limits: longest accepted recording, largest upload, engine states per model, waiting
    /// requests beyond them, and the deadline of one transcription.
    public var sttMaxSeconds: Double
    public var sttMaxBytes: Int
    public var sttWorkers: Int
    public var sttQueue: Int
    public var sttTimeout: Duration
    /// Beams Whisper searches at each token (`VOICE_STT_BEAM_SIZE`; 1 is greedy).
    public var sttBeamSize: Int
    /// What the gateway gives Whisper as its initial prompt (`VOICE_STT_PROMPT`).
    public var sttPrompt: SpeechPromptSource
    /// Whether a strong evidence sentence is spoken as the answer without the model (`VOICE_ANSWER_MODE`).
    public var answerMode: AnswerMode
    /// Gateway: the longest a question may be expected to take before it is refused at once (`VOICE_MAX_WAIT_S`).
    public var maxWait: Duration
    /// Gateway: API keys (required in production), CORS allowlist, per-key and per-IP token buckets,
    /// downstream service URLs (deployed layout) and per-stage deadlines.
    public var apiKeys: [String]
    /// Keys safe in public page source: each is accepted only from its pages' origins.
    public var publishableKeys: [String: [String]]
    /// Signs the session tokens of `POST /tokens`; without it there are none.
    public var tokenSecret: String?
    /// The credential of `/admin` and of the knowledge service's write routes; `nil`: open in development,
    /// refused in production.
    public var adminToken: String?
    /// Whether the gateway logs each question and its answer for the site owner (`VOICE_QUESTION_LOG`).
    public var questionLog: Bool
    /// Logged questions older than this are deleted.
    public var logRetentionDays: Int

    /// Whether the gateway logs questions: in production the knowledge service takes the log only with the admin
    /// token, so without one nothing is sent.
    public var logsQuestions: Bool { questionLog && (adminToken != nil || deployment == .development) }
    public var corsOrigins: [String]
    public var rateLimitPerSecond: Double
    public var rateLimitBurst: Int
    public var serviceURLs: [String: String]
    public var stageTimeouts: [String: Duration]
    /// The widget and demo page the gateway serves at `/`.
    public var webDirectory: URL
    /// A GGUF chat model; nil means the catalog's default (SmolLM2) in the models folder.
    public var llmModelPath: URL?
    /// Tokens one LLM request may hold, prompt and answer together.
    public var llmContextTokens: Int
    /// LLM requests decoded together in one batch.
    public var llmSequences: Int
    /// LLM requests waiting for a free sequence before new ones get 503.
    public var llmMaxQueue: Int
    public var llmTimeout: Duration
    /// An external OpenAI-compatible server to generate with instead of the local model.
    public var llmBackendURL: String?
    public var llmBackendModel: String
    public var llmBackendKey: String?
    /// Where chunk vectors are searched: the embedded SQLite-backed index or a Chroma server.
    public var vectorStore: VectorStoreBackend
    public var chromaURL: URL
    /// `VOICE_DATABASE_URL`: a `postgres://` URL puts the knowledge service's state in that PostgreSQL database,
    /// shared by every replica; nil keeps it in `knowledge.db` in the data folder (docs/decisions.md, 46).
    public var databaseURL: URL?
    /// Ingested on the first run, when the knowledge base is empty.
    public var knowledgeDirectory: URL
    /// WordNet's database (Debian's `wordnet-base`), which relates a question's words to the documents' words.
    public var wordnetDirectory: URL

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
        ttsVoice = environment["VOICE_TTS_VOICE"].flatMap { $0.isEmpty ? nil : $0 }
        sttMaxSeconds = Double(try integer("VOICE_STT_MAX_SECONDS", default: 60, range: 1...3600))
        sttMaxBytes = try integer("VOICE_STT_MAX_MB", default: 25, range: 1...512) << 20
        sttWorkers = try integer("VOICE_STT_WORKERS", default: 1, range: 1...16)
        sttQueue = try integer("VOICE_STT_QUEUE", default: 16, range: 0...1000)
        sttTimeout = .seconds(try integer("VOICE_STT_TIMEOUT_S", default: 30, range: 1...3600))
        sttBeamSize = try integer("VOICE_STT_BEAM_SIZE", default: 1, range: TranscribeOptions.beamSizes)
        sttPrompt = switch environment["VOICE_STT_PROMPT"] {
        case nil, "", "knowledge": .knowledgeVocabulary
        case "none": .none
        case let text?: .fixed(text)
        }
        maxWait = .seconds(try integer("VOICE_MAX_WAIT_S", default: 5, range: 1...3600))
        let modeText = environment["VOICE_ANSWER_MODE"] ?? ""
        guard let answerMode = modeText.isEmpty ? .auto : AnswerMode(rawValue: modeText) else {
            throw .invalid(key: "VOICE_ANSWER_MODE", value: modeText, expected: "auto or generate")
        }
        self.answerMode = answerMode
        func list(_ key: String) -> [String] {
            (environment[key] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        apiKeys = list("VOICE_API_KEYS")
        corsOrigins = list("VOICE_CORS_ORIGINS")
        var publishable: [String: [String]] = [:]
        for entry in (environment["VOICE_PUBLISHABLE_KEYS"] ?? "").split(separator: ";") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let origins = parts.count == 2 ? parts[1].split(separator: "|").compactMap { PageOrigin.normalized(String($0)) } : []
            guard parts.count == 2, parts[0].count >= 16, !origins.isEmpty, origins.count == parts[1].split(separator: "|").count else {
                throw .invalid(key: "VOICE_PUBLISHABLE_KEYS", value: String(entry.prefix(8)) + "…",
                               expected: "key=origin|origin;key=origin, each key at least 16 characters")
            }
            publishable[parts[0]] = origins
        }
        publishableKeys = publishable
        tokenSecret = environment["VOICE_TOKEN_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        if let secret = tokenSecret, secret.count < 32 {
            throw .invalid(key: "VOICE_TOKEN_SECRET", value: String(repeating: "*", count: secret.count), expected: "at least 32 characters")
        }
        adminToken = environment["VOICE_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let token = adminToken, token.count < 16 {
            throw .invalid(key: "VOICE_ADMIN_TOKEN", value: String(repeating: "*", count: token.count), expected: "at least 16 characters")
        }
        switch environment["VOICE_QUESTION_LOG"] ?? "" {
        case "", "on": questionLog = true
        case "off": questionLog = false
        case let other: throw .invalid(key: "VOICE_QUESTION_LOG", value: other, expected: "on or off")
        }
        logRetentionDays = try integer("VOICE_LOG_RETENTION_DAYS", default: 30, range: 1...3650)
        let rateText = environment["VOICE_RATE_LIMIT_RPS"].flatMap { $0.isEmpty ? nil : $0 } ?? "5"
        guard let rate = Double(rateText), rate > 0, rate <= 100_000 else {
            throw .invalid(key: "VOICE_RATE_LIMIT_RPS", value: rateText, expected: "requests per second, above 0")
        }
        rateLimitPerSecond = rate
        rateLimitBurst = try integer("VOICE_RATE_LIMIT_BURST", default: 20, range: 1...100_000)
        var urls: [String: String] = [:]
        var timeouts: [String: Duration] = [:]
        for (stage, port, timeout) in [("stt", 8001, 30), ("rag", 8002, 10), ("llm", 8003, 60), ("tts", 8004, 15)] {
            // The docker-compose service names are the defaults of the deployed layout.
            urls[stage] = environment["VOICE_\(stage.uppercased())_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://\(stage):\(port)"
            timeouts[stage] = .seconds(try integer("VOICE_\(stage.uppercased())_STAGE_TIMEOUT_S", default: timeout, range: 1...3600))
        }
        serviceURLs = urls
        stageTimeouts = timeouts
        webDirectory = path("VOICE_WEB_DIR", default: "web")
        llmModelPath = environment["VOICE_LLM_MODEL"].flatMap { $0.isEmpty ? nil : path("VOICE_LLM_MODEL", default: $0) }
        llmContextTokens = try integer("VOICE_LLM_CONTEXT", default: 2048, range: 256...32_768)
        llmSequences = try integer("VOICE_LLM_SEQUENCES", default: 4, range: 1...16)
        llmMaxQueue = try integer("VOICE_LLM_QUEUE", default: 16, range: 0...1024)
        llmTimeout = .seconds(try integer("VOICE_LLM_TIMEOUT_S", default: 60, range: 1...3600))
        llmBackendURL = environment["VOICE_LLM_BACKEND_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let url = llmBackendURL, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw .invalid(key: "VOICE_LLM_BACKEND_URL", value: url, expected: "an http:// or https:// URL")
        }
        llmBackendModel = environment["VOICE_LLM_BACKEND_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        llmBackendKey = environment["VOICE_LLM_BACKEND_KEY"].flatMap { $0.isEmpty ? nil : $0 }
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
        if let text = environment["VOICE_DATABASE_URL"], !text.isEmpty {
            guard let url = URL(string: text), ["postgres", "postgresql"].contains(url.scheme), url.host != nil else {
                throw .invalid(key: "VOICE_DATABASE_URL", value: "(hidden)", expected: "a postgres://user:password@host:port/database URL")
            }
            databaseURL = url
        }
        knowledgeDirectory = path("VOICE_KNOWLEDGE_DIR", default: "knowledge")
        wordnetDirectory = path("VOICE_WORDNET_DIR", default: "/usr/share/wordnet")
    }
}

/// Whisper's initial prompt: the knowledge base's names and terms (default), a fixed text, or nothing.
public enum SpeechPromptSource: Sendable, Equatable {
    case knowledgeVocabulary
    case fixed(String)
    case none
}

/// How the gateway answers a question the knowledge base covers (docs/decisions.md, 33).
public enum AnswerMode: String, Sendable, CaseIterable {
    /// A sentence that plainly answers is spoken as it stands; the model phrases the rest.
    case auto
    /// The model phrases every answer, as the seed's pipeline does.
    case generate
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
