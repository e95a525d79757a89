import ArgumentParser

/// `voice bench <stage>`: each stage measures our implementation and its peer side by side in one run, and
/// prints ratios as well as times (the target machines are small and noisy).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark a stage against its peer, side by side.",
        subcommands: [BenchSTT.self, BenchTTS.self])
}
