import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import VoiceCore
import VoiceTesting

/// The running stack the full-flow tests talk to, from one place: `VOICE_TEST_GATEWAY_URL` when a stack is already
/// up, otherwise `voice up` from the build the tests run from, started once per test run and stopped with it.
enum GatewayUnderTest {
    static let binary = ServiceProcess.executable

    static var configuredURL: URL? {
        ProcessInfo.processInfo.environment["VOICE_TEST_GATEWAY_URL"].flatMap { URL(string: $0) }
    }

    /// The gateway, and the four services behind it (stt, rag, llm, tts) for a second gateway to use.
    struct Stack {
        let url: URL
        let services: [String: String]
        /// Where the stack keeps its audio, which a second gateway serves too (nil: the default data folder).
        let dataDirectory: String?
    }

    private static let started = Task<Stack, any Error> {
        if let url = configuredURL {
            // A stack started by hand: its services on the default ports of the same host.
            let host = url.host ?? "127.0.0.1"
            return Stack(url: url, services: ["stt": "http://\(host):8001", "rag": "http://\(host):8002",
                                              "llm": "http://\(host):8003", "tts": "http://\(host):8004"],
                         dataDirectory: nil)
        }
        // Free ports and a fresh data folder, so a developer's own `voice up` and its knowledge base are untouched.
        let ports = try (0..<5).map { _ in try LoopbackPort.free() }
        let url = URL(string: "http://127.0.0.1:\(ports[0])")!
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("voice-widget-\(UUID().uuidString)").path
        let process = Process()
        // The shell stops `voice up` when this test process is gone, even if it dies: Swift Testing has no hook
        // after the last test.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", #""$0" up --port $2 --stt-port $3 --rag-port $4 --llm-port $5 --tts-port $6 & stack=$!; "#
                + #"while kill -0 "$1" 2>/dev/null && kill -0 $stack 2>/dev/null; do sleep 1; done; kill $stack"#,
            binary.path, String(ProcessInfo.processInfo.processIdentifier),
        ] + ports.map(String.init)
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["VOICE_MODELS_DIR": Fixtures.settings.modelsDirectory.path,
             "VOICE_DATA_DIR": data]
        ) { current, _ in current }
        process.currentDirectoryURL = Fixtures.repositoryRoot // VOICE_WEB_DIR and the data folders are relative
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await waitForHealth(url, process: process)
        return Stack(url: url, services: Dictionary(uniqueKeysWithValues: zip(["stt", "rag", "llm", "tts"],
                                                                                 ports.dropFirst().map { "http://127.0.0.1:\($0)" })),
                     dataDirectory: data)
    }

    /// The gateway's base URL once `/health` answers.
    static func url() async throws -> URL { try await started.value.url }

    /// Another gateway process in front of the same four services (the deployed layout's second replica), with
    /// settings of its own, such as `VOICE_ANSWER_MODE`.
    static func replica(environment: [String: String]) async throws -> ServiceProcess {
        let stack = try await started.value
        var settings = environment
        for (stage, url) in stack.services { settings["VOICE_\(stage.uppercased())_URL"] = url }
        if let data = stack.dataDirectory { settings["VOICE_DATA_DIR"] = data }
        return try await ServiceProcess(["serve", "gateway"], port: try LoopbackPort.free(), environment: settings,
                                        readyMeansOK: true)
    }

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
