public import Foundation
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import VoiceCore
#if canImport(Glibc)
import Glibc
#endif

/// A real Chroma server in a child process, for the integration tests and `voice bench rag`: installed by
/// `scripts/chroma.sh` into a cached venv, started on a free port over a scratch folder, killed by ``stop()``.
/// Unchecked: the process handle is only read after `run()`, and `terminate()` is safe from any thread.
public final class ChromaServer: @unchecked Sendable {
    public let url: URL
    public let directory: URL
    private let process: Process

    /// Runs `scripts/chroma.sh` (idempotent; the first run installs chromadb) and returns the `chroma` executable.
    public static func install(repositoryRoot: URL) throws -> URL {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/chroma.sh").path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: path) else {
            throw ChromaServerError(description: "scripts/chroma.sh failed (status \(process.terminationStatus))")
        }
        return URL(fileURLWithPath: path)
    }

    /// Starts `chroma run` on a free port and waits until its heartbeat answers.
    public static func start(executable: URL, timeout: Duration = .seconds(60)) async throws -> ChromaServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chroma-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try LoopbackPort.free()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["run", "--path", directory.path, "--port", "\(port)", "--host", "127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = ChromaServer(url: URL(string: "http://127.0.0.1:\(port)")!, directory: directory, process: process)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { break }
            var request = HTTPClientRequest(url: "\(server.url.absoluteString)/api/v2/heartbeat")
            request.method = .GET
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok {
                return server
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        server.stop()
        throw ChromaServerError(description: "chroma did not answer on port \(port) within \(timeout)")
    }

    private init(url: URL, directory: URL, process: Process) {
        self.url = url
        self.directory = directory
        self.process = process
    }

    /// Kills the server and removes its folder. SIGKILL: `chroma run` ignores SIGTERM, and its scratch data is
    /// thrown away anyway.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

public struct ChromaServerError: Error, CustomStringConvertible {
    public let description: String
}
