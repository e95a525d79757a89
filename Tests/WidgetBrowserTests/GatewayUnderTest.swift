import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VoiceCore
import VoiceTesting

/// The running stack the full-flow tests talk to, from one place: `VOICE_TEST_GATEWAY_URL` when a stack is already
/// up, otherwise `voice up` from this package's debug build, started once per test run and stopped with it.
enum GatewayUnderTest {
    static let defaultURL = URL(string: "http://127.0.0.1:9000")!
    static let binary = Fixtures.repositoryRoot.appendingPathComponent(".build/debug/voice")

    static var configuredURL: URL? {
        ProcessInfo.processInfo.environment["VOICE_TEST_GATEWAY_URL"].flatMap { URL(string: $0) }
    }

    /// Whether there is a stack to test against: a configured one, or a built `voice` that has `up`.
    static var isAvailable: Bool {
        if configuredURL != nil { return true }
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { return false }
        // ArgumentParser answers `--help` with success even for an unknown subcommand: look for up's own usage.
        let process = Process()
        let output = Pipe()
        process.executableURL = binary
        process.arguments = ["up", "--help"]
        process.standardOutput = output
        process.standardError = output
        guard (try? process.run()) != nil else { return false }
        let help = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return help.contains("USAGE: voice up")
    }

    private static let started = Task<URL, any Error> {
        if let url = configuredURL { return url }
        let process = Process()
        // The shell stops `voice up` when this test process is gone, even if it dies: Swift Testing has no hook
        // after the last test.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", #""$0" up & stack=$!; while kill -0 "$1" 2>/dev/null && kill -0 $stack 2>/dev/null; do sleep 1; done; kill $stack"#,
            binary.path, String(ProcessInfo.processInfo.processIdentifier),
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["VOICE_MODELS_DIR": Fixtures.settings.modelsDirectory.path]) { current, _ in current }
        process.currentDirectoryURL = Fixtures.repositoryRoot // VOICE_WEB_DIR and the data folders are relative
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await waitForHealth(defaultURL, process: process)
        return defaultURL
    }

    /// The gateway's base URL once `/health` answers.
    static func url() async throws -> URL { try await started.value }

    private static func waitForHealth(_ base: URL, process: Process) async throws {
        let deadline = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw GatewayStartError(message: "voice up exited with \(process.terminationStatus)") }
            let request = HTTPClientRequest(url: base.appendingPathComponent("health").absoluteString)
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw GatewayStartError(message: "voice up: no /health at \(base) within 240 s")
    }
}

struct GatewayStartError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
