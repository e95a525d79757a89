public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `voice` subcommand running as its own process (the deployed layout), stopped when the test is done.
public final class ServiceProcess: @unchecked Sendable {
    public let port: Int
    public let process: Process
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The executable `swift build` made next to the tests.
    public static var executable: URL {
        Fixtures.repositoryRoot.appendingPathComponent(".build/debug/voice")
    }

    /// Starts `voice <arguments> --port <port>` and waits until `GET /health` answers (any status).
    public init(_ arguments: [String], port: Int, environment: [String: String] = [:],
                readyTimeout: Duration = .seconds(60)) async throws {
        self.port = port
        process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + ["--port", "\(port)"]
        process.currentDirectoryURL = Fixtures.repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("voice-\(arguments.joined(separator: "-"))-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + readyTimeout
        while clock.now < deadline {
            guard process.isRunning else {
                throw ServiceProcessError(description: "voice \(arguments.joined(separator: " ")) exited: "
                    + ((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(1500))
            }
            if await Self.answers(url: "\(url)/health") { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw ServiceProcessError(description: "voice \(arguments.joined(separator: " ")) did not answer on port \(port)")
    }

    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    static func answers(url: String) async -> Bool {
        guard let url = URL(string: url) else { return false }
        var request = URLRequest(url: url)
        request.timeoutInterval = 1
        return (try? await URLSession.shared.data(for: request)) != nil
    }
}

public struct ServiceProcessError: Error, CustomStringConvertible {
    public let description: String
}
