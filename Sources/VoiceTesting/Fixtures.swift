public import Foundation
public import Models
public import VoiceCore

/// Where tests find the repository, the converted models and the real recordings they use.
public enum Fixtures {
    /// The package root, found from this file's location so tests run from any working directory.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var settings: Settings {
        // Tests must not crash on a bad environment; fall back to the defaults relative to the repo.
        (try? Settings(workingDirectory: repositoryRoot)) ?? (try! Settings(environment: [:], workingDirectory: repositoryRoot))
    }

    public static var modelStore: ModelStore { ModelStore(directory: settings.modelsDirectory) }

    /// The path of a converted model; a missing one fails the test with the command that fetches it.
    public static func model(_ spec: ModelSpec) throws -> URL {
        try modelStore.require(spec)
    }

    /// whisper.cpp's own sample: JFK's inaugural line, 11 s at 16 kHz.
    public static var jfkWAV: URL {
        settings.engineDirectory.appendingPathComponent("src/whisper.cpp/samples/jfk.wav")
    }
    public static let jfkText =
        "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
}
