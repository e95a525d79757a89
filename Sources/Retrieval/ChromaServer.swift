public import Foundation
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
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
        let port = try freePort()
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

    /// A port the kernel just handed out, released again for the child to bind.
    static func freePort() throws -> Int {
        #if canImport(Glibc)
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let socket = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else { throw ChromaServerError(description: "no socket for a free port") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw ChromaServerError(description: "could not bind a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct ChromaServerError: Error, CustomStringConvertible {
    public let description: String
}
