import Foundation
import VoiceCore

/// Timing statistics over repeated runs.
struct Samples {
    var milliseconds: [Double] = []

    mutating func append(_ duration: Duration) { milliseconds.append(duration.fractionalMilliseconds) }

    var median: Double { percentile(50) }

    func percentile(_ p: Double) -> Double {
        guard !milliseconds.isEmpty else { return .nan }
        let sorted = milliseconds.sorted()
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}

/// Times `runs` calls of `body` after one warm-up call.
func measure(runs: Int, _ body: () async throws -> Void) async throws -> Samples {
    try await body()
    var samples = Samples()
    let clock = ContinuousClock()
    for _ in 0..<runs {
        let start = clock.now
        try await body()
        samples.append(clock.now - start)
    }
    return samples
}

/// The Python peers live in a cached venv made by scripts/peers.sh; each peer script prints one JSON object.
enum Peer {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static var repository: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

    /// The peers venv's python, made on first use.
    static func python() throws -> String {
        let venv = try Subprocess.run(["bash", repository.appendingPathComponent("scripts/peers.sh").path])
        guard venv.status == 0 else { throw Failure(description: "scripts/peers.sh failed: \(venv.errorText)") }
        return String(decoding: venv.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func script(_ name: String) -> String { repository.appendingPathComponent("scripts/peers/\(name)").path }

    static func run(_ name: String, _ arguments: [String]) throws -> Data {
        let result = try Subprocess.run([try python(), script(name)] + arguments)
        guard result.status == 0 else { throw Failure(description: "\(name) failed: \(result.errorText.suffix(500))") }
        return result.output
    }
}

/// A peer that loads its models once and answers requests line by line on stdin/stdout, so that the bench can
/// alternate blocks with it without paying its load time each block. Its stderr goes to ours.
final class PeerSession {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()

    /// Starts the peer and waits for its first line (it prints one when loaded).
    init(_ name: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: try Peer.python())
        process.arguments = [Peer.script(name)] + arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends `line` (nil: nothing) and returns the peer's next line of JSON output. Other lines (a C library of the
    /// peer printing to stdout, which Python cannot redirect) are passed on to stderr.
    func exchange(_ line: String? = nil) throws -> Data {
        if let line { try input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8)) }
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let reply = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                if let first = reply.first(where: { !" \t\r".utf8.contains($0) }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                    return reply
                }
                FileHandle.standardError.write(Data("peer: ".utf8) + reply + Data("\n".utf8))
                continue
            }
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw Peer.Failure(description: "the peer \(process.arguments?.first ?? "") exited") }
            buffer.append(chunk)
        }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

/// The folder under `root` (a wheel extracted by `voice models`) holding `file`, and `sibling` beside it if given.
func wheelFolder(under root: URL, holding file: String, beside sibling: String? = nil) -> URL? {
    let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
    while let url = enumerator?.nextObject() as? URL {
        let folder = url.deletingLastPathComponent()
        if url.lastPathComponent == file,
           sibling.map({ FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }) ?? true {
            return folder
        }
    }
    return nil
}

/// Fixed-width columns for bench tables.
func row(_ cells: [String], widths: [Int]) -> String {
    zip(cells, widths).map { cell, width in
        cell.count >= width ? cell + " " : cell.padding(toLength: width, withPad: " ", startingAt: 0)
    }.joined()
}

func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }
func ratio(_ value: Double) -> String { String(format: "%.2f×", value) }
