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

    static func run(_ script: String, _ arguments: [String]) throws -> Data {
        let venv = try Subprocess.run(["bash", repository.appendingPathComponent("scripts/peers.sh").path])
        guard venv.status == 0 else { throw Failure(description: "scripts/peers.sh failed: \(venv.errorText)") }
        let python = String(decoding: venv.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try Subprocess.run([python, repository.appendingPathComponent("scripts/peers/\(script)").path] + arguments)
        guard result.status == 0 else { throw Failure(description: "\(script) failed: \(result.errorText.suffix(500))") }
        return result.output
    }
}

/// Fixed-width columns for bench tables.
func row(_ cells: [String], widths: [Int]) -> String {
    zip(cells, widths).map { cell, width in
        cell.count >= width ? cell + " " : cell.padding(toLength: width, withPad: " ", startingAt: 0)
    }.joined()
}

func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }
func ratio(_ value: Double) -> String { String(format: "%.2f×", value) }
