public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A server running as its own process, stopped when the test is done: a `voice` subcommand (the deployed layout),
/// or another program that takes `--port` (llama.cpp's llama-server).
public final class ServiceProcess: @unchecked Sendable {
    public let port: Int
    public let process: Process
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The executable built next to the tests: `swift test` runs the test bundle from the build folder (debug or
    /// release) that holds it.
    public static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("voice")
    }

    /// Starts `<executable> <arguments> --port <port>` and waits until `GET /health` answers: with any status, or
    /// with 200 when `readyMeansOK` (servers that answer 503 while they load).
    public init(_ arguments: [String], port: Int, executable: URL = ServiceProcess.executable, environment: [String: String] = [:],
                readyTimeout: Duration = .seconds(60), readyMeansOK: Bool = false) async throws {
        self.port = port
        process = Process()
        process.executableURL = executable
        process.arguments = arguments + ["--port", "\(port)"]
        process.currentDirectoryURL = Fixtures.repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(executable.lastPathComponent)-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + readyTimeout
        while clock.now < deadline {
            guard process.isRunning else {
                throw ServiceProcessError(description: "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) exited: "
                    + ((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(1500))
            }
            if await Self.answers(url: "\(url)/health", requireOK: readyMeansOK) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw ServiceProcessError(description: "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not answer on port \(port)")
    }

    /// SIGTERM, then SIGKILL after five seconds: llama-server can hang in its shutdown, and Foundation's
    /// `waitUntilExit` would spin on it forever.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { usleep(20_000) }
    }

    deinit { stop() }

    static func answers(url: String, requireOK: Bool) async -> Bool {
        guard let url = URL(string: url) else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 1
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return false }
        return !requireOK || (response as? HTTPURLResponse)?.statusCode == 200
    }
}

public struct ServiceProcessError: Error, CustomStringConvertible {
    public let description: String
}
