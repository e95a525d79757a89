import Foundation
import Testing
import VoiceCore

@Suite struct SettingsTests {
    @Test func defaultsToDevelopmentWithRelativeFolders() throws {
        let settings = try Settings(environment: ["HOME": "/home/u"], workingDirectory: URL(fileURLWithPath: "/srv/app"))
        #expect(settings.deployment == .development)
        #expect(settings.modelsDirectory.path == "/srv/app/models")
        #expect(settings.cacheDirectory.path == "/home/u/.cache/voice")
    }

    @Test func environmentOverridesFolders() throws {
        let settings = try Settings(environment: ["VOICE_MODELS_DIR": "/m", "VOICE_ENV": "production"],
                                    workingDirectory: URL(fileURLWithPath: "/srv"))
        #expect(settings.modelsDirectory.path == "/m")
        #expect(settings.deployment == .production)
    }

    @Test func rejectsAnUnknownDeploymentAndBadThreadCounts() {
        #expect(throws: SettingsError.self) { try Settings(environment: ["VOICE_ENV": "staging"]) }
        #expect(throws: SettingsError.self) { try Settings(environment: ["VOICE_THREADS": "zero"]) }
        #expect(throws: SettingsError.self) { try Settings(environment: ["VOICE_THREADS": "0"]) }
    }

    @Test func answerModeDefaultsToAutoAndRejectsUnknownModes() throws {
        #expect(try Settings(environment: [:]).answerMode == .auto)
        #expect(try Settings(environment: ["VOICE_ANSWER_MODE": "generate"]).answerMode == .generate)
        #expect(throws: SettingsError.self) { try Settings(environment: ["VOICE_ANSWER_MODE": "always"]) }
    }
}
