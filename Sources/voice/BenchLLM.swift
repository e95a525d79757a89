import ArgumentParser
import Foundation
import Generation
import LlamaEngine
import Models
import VoiceCore

/// `voice bench llm`: prompt-processing and generation tokens/s through our scheduler next to llama.cpp's own
/// llama-bench (same source, model and threads), and the time to first token of a RAG prompt with and without
/// the system-prompt prefix cache.
struct BenchLLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "llm",
                                                    abstract: "LLM tokens/s against llama-bench, and TTFT.")

    @Option(help: "Prompt tokens for the prompt-processing figure (llama-bench -p).")
    var promptTokens = 128

    @Option(help: "Generated tokens for the generation figure (llama-bench -n).")
    var generateTokens = 64

    @Option(help: "Repetitions of each measurement.")
    var repetitions = 5

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = global.bootstrap()
        let settings = try global.settings()
        let path = try settings.llmModelPath ?? ModelStore(directory: settings.modelsDirectory).require(ModelCatalog.smolLM2)
        let model = try LlamaModel(path: path.path)
        let threads = settings.threads
        print("model \(model.summary), \(threads) threads")

        // Ours: one sequence, nothing cached, so every prompt token is computed.
        let plain = try LlamaChatBackend(model: model, options: .init(sequences: 1, contextPerSequence: 2048,
                                                                     threads: threads, timeout: .seconds(600),
                                                                     prefixCache: false))
        let filler = try Self.messages(fillingTo: promptTokens, backend: plain)
        _ = try await Self.run(plain, filler, maxTokens: 4)
        var promptRates: [Double] = []
        var generateRates: [Double] = []
        for _ in 0..<repetitions {
            let pp = try await Self.run(plain, filler, maxTokens: 1)
            promptRates.append(Double(pp.promptTokens - pp.cachedPromptTokens) / pp.promptDuration.inSeconds)
            let tg = try await Self.run(plain, Self.storyPrompt, maxTokens: generateTokens)
            generateRates.append(Double(tg.completionTokens - 1) / tg.generateDuration.inSeconds)
        }
        let ours = (pp: Self.median(promptRates), tg: Self.median(generateRates))
        print(String(format: "ours: prompt %.1f tok/s, generation %.1f tok/s", ours.pp, ours.tg))

        let peer = try Self.llamaBench(settings: settings, model: path, threads: threads, prompt: promptTokens,
                                       generate: generateTokens, repetitions: repetitions)
        print(String(format: "prompt     ours %7.1f tok/s  llama-bench pp%d %7.1f tok/s  ratio %.2f", ours.pp,
                     promptTokens, peer.pp, ours.pp / peer.pp))
        print(String(format: "generation ours %7.1f tok/s  llama-bench tg%d %7.1f tok/s  ratio %.2f", ours.tg,
                     generateTokens, peer.tg, ours.tg / peer.tg))

        // Time to first token of a grounded prompt of about 300 tokens, the way the service runs it.
        let prompt = GroundedPrompt()
        let cached = try LlamaChatBackend(model: model, options: .init(sequences: 1, contextPerSequence: 2048,
                                                                      threads: threads, timeout: .seconds(600)))
        try await cached.cachePrefix(prompt.prefix)
        let rag = prompt.messages(query: "When did the Zorblat Bridge open to traffic?", context: Self.ragPassages,
                                  history: [])
        var cold: [Double] = []
        var warm: [Double] = []
        var cachedTokens = 0
        _ = try await Self.run(plain, rag, maxTokens: 1)
        _ = try await Self.run(cached, rag, maxTokens: 1)
        for _ in 0..<repetitions {
            cold.append(try await Self.run(plain, rag, maxTokens: 1).promptDuration.inSeconds * 1000)
            let hit = try await Self.run(cached, rag, maxTokens: 1)
            cachedTokens = hit.cachedPromptTokens
            warm.append(hit.promptDuration.inSeconds * 1000)
        }
        let ragTokens = try plain.promptTokenCount(rag)
        print(String(format: "TTFT RAG prompt of %d tokens: cold %.1f ms, prefix cached (%d tokens) %.1f ms, ratio %.2f",
                     ragTokens, Self.median(cold), cachedTokens, Self.median(warm), Self.median(warm) / Self.median(cold)))
    }

    static let storyPrompt = [ChatMessage(role: "user", content: "Write a long story about a dragon who learns to sail.")]

    static let ragPassages: [ContextItem] = [
        "The Zorblat Bridge crosses the river Quell in the old harbour district and opened to traffic in 1847.",
        "Its iron arches were cast in the town foundry; the central span is 84 metres long.",
        "The bridge was restored between 1991 and 1994, when the wooden deck was replaced with steel plates.",
        "Pedestrians may cross at any hour; cyclists must dismount on the central span during market days.",
        "The ferry to the island leaves every hour from the north pier and takes about twenty minutes.",
        "Tickets for the ferry can be bought on board or at the kiosk beside the harbour office.",
        "The harbour museum, next to the bridge, shows drawings of the original design and a model of the foundry.",
    ].map { ContextItem(text: $0, source: "harbour-guide.md") }

    /// A user turn of filler sentences, grown until the whole prompt has about `count` tokens.
    static func messages(fillingTo count: Int, backend: LlamaChatBackend) throws -> [ChatMessage] {
        var text = ""
        var messages: [ChatMessage] = []
        while true {
            let next = text + "The quick brown fox jumps over the lazy dog near the river bank. "
            let candidate = [ChatMessage(role: "user", content: next)]
            if try backend.promptTokenCount(candidate) > count { return messages }
            text = next
            messages = candidate
        }
    }

    static func run(_ backend: LlamaChatBackend, _ messages: [ChatMessage], maxTokens: Int) async throws -> GenerationStats {
        for try await event in try await backend.generate(messages, parameters: .init(maxTokens: maxTokens, temperature: 0),
                                                          stop: nil) {
            if case .finished(let stats) = event { return stats }
        }
        throw CancellationError()
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// llama-bench from the same engine build (built on first use), reporting its mean tokens/s for pp and tg.
    static func llamaBench(settings: Settings, model: URL, threads: Int, prompt: Int, generate: Int,
                           repetitions: Int) throws -> (pp: Double, tg: Double) {
        let tool = settings.engineDirectory.appendingPathComponent("prefix/bin/llama-bench")
        if !FileManager.default.isExecutableFile(atPath: tool.path) {
            let build = try Subprocess.run(["bash", Peer.repository.appendingPathComponent("scripts/engines.sh").path, "llama-bench"])
            guard build.status == 0, FileManager.default.isExecutableFile(atPath: tool.path) else {
                throw ValidationError("scripts/engines.sh llama-bench did not build \(tool.path): \(build.errorText.suffix(500))")
            }
        }
        let process = Process()
        process.executableURL = tool
        process.arguments = ["-m", model.path, "-t", "\(threads)", "-p", "\(prompt)", "-n", "\(generate)",
                             "-r", "\(repetitions)", "-o", "json"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        struct Row: Decodable {
            let n_prompt: Int
            let n_gen: Int
            let avg_ts: Double
        }
        let rows = try JSONDecoder().decode([Row].self, from: data)
        guard let pp = rows.first(where: { $0.n_prompt > 0 })?.avg_ts, let tg = rows.first(where: { $0.n_gen > 0 })?.avg_ts else {
            throw ValidationError("llama-bench printed no pp/tg rows")
        }
        return (pp, tg)
    }
}

extension Duration {
    var inSeconds: Double { fractionalMilliseconds / 1000 }
}
