import ArgumentParser
import EspeakEngine
import Foundation
import Gateway
import VoiceCore

struct BenchE2E: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Spoken questions through the whole pipeline at several concurrencies, against the seed's Python pipeline.")

    @Option(help: "Questions answered per concurrency level (at least three rounds of the level).")
    var requests = 12

    @Option(help: "Concurrency levels, comma-separated.")
    var concurrency = "1,4,8"

    @Option(help: "Answer modes to measure, comma-separated: auto (a strong sentence is spoken without the model), generate (the model every time, like the seed).")
    var modes = "auto,generate"

    @OptionGroup var global: GlobalOptions

    /// Two to three seconds each when spoken at 150 words per minute, and none a stored Q&A pair: in `generate` mode
    /// every one goes through the model, as every question of the seed's pipeline does.
    /// Chosen so that tiny.en hears espeak-ng say them right: it hears "Zorblat" as "Lord Latte", and a misheard
    /// question measures the "not covered" path instead.
    static let questions = [
        "How much is a return ticket for the ferry?",
        "When is story time at the town library?",
        "How long does the ferry crossing take?",
        "What is the late fee for a library book?",
    ]

    /// The seed's pipeline in Python with the same models (RESOURCES.md), one process, 2-core machine.
    static let seed = (median: 810.0, stt: 343.0, retrieve: 30.0, llm: 423.0, tts: 13.0)

    func run() async throws {
        let logger = global.bootstrap()
        let settings = try global.settings()
        let levels = concurrency.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let stack = try await LiveStack.load(settings: settings, logger: logger)
        let synthesizer = try EspeakSynthesizer.shared.get()
        var recordings: [Data] = []
        var lengths: [Double] = []
        for question in Self.questions {
            let audio = try await synthesizer.synthesize(question, voice: "en", prosody: .init(rate: 150))
            recordings.append(WAVFile.encode(audio.samples, sampleRate: audio.sampleRate))
            lengths.append(Double(audio.samples.count) / Double(audio.sampleRate))
        }
        let answerModes = try modes.split(separator: ",").map { text in
            guard let mode = AnswerMode(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("modes are auto and generate")
            }
            return mode
        }
        print(String(format: "e2e bench: %d spoken questions of %.1f–%.1f s, STT → RAG → LLM → TTS in one process",
                     recordings.count, lengths.min() ?? 0, lengths.max() ?? 0))
        var medians: [(AnswerMode, Double)] = []
        for mode in answerModes {
            var pipeline = stack.gateway.pipeline
            pipeline.policy.mode = mode
            print("\nanswer mode \(mode.rawValue)")
            // Warm-up, and what each question is heard as and answered with.
            for recording in recordings {
                let answer = try await pipeline.answer(audio: recording, contentType: "audio/wav", language: nil)
                print("  \"\(answer.transcript)\" → [\(answer.answer_kind.rawValue)] \(answer.response_text.prefix(80))")
            }
            if let median = await measure(pipeline, recordings: recordings, levels: levels) { medians.append((mode, median)) }
        }
        for (mode, median) in medians {
            print("ours (\(mode.rawValue)) vs the seed pipeline at concurrency 1: \(ratio(Self.seed.median / median)) faster (goal ≥ 1.5×)")
        }
    }

    /// Answers `requests` recordings at each concurrency level and prints a row per level; the median at
    /// concurrency 1, if measured.
    func measure(_ pipeline: VoicePipeline, recordings: [Data], levels: [Int]) async -> Double? {
        let widths = [6, 6, 7, 11, 11, 9, 9, 9, 9]
        print(row(["conc", "n", "errors", "median", "p95", "stt", "retrieve", "llm", "tts"], widths: widths))
        var medianAtOne: Double?
        for level in levels where level > 0 {
            let count = max(requests, level * 3)
            let outcomes = await withTaskGroup(of: Result<VoiceAnswer, any Error>.self) { group in
                var results: [Result<VoiceAnswer, any Error>] = []
                for index in 0..<count {
                    if index >= level, let finished = await group.next() { results.append(finished) }
                    let recording = recordings[index % recordings.count]
                    group.addTask {
                        do {
                            return .success(try await pipeline.answer(audio: recording, contentType: "audio/wav", language: nil))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                for await finished in group { results.append(finished) }
                return results
            }
            let answers = outcomes.compactMap { try? $0.get() }
            func median(_ values: [Double]) -> Double { Samples(milliseconds: values).median }
            let totals = Samples(milliseconds: answers.map { $0.timings.total_ms })
            if level == 1 { medianAtOne = totals.median }
            print(row(["\(level)", "\(count)", "\(count - answers.count)", ms(totals.median), ms(totals.percentile(95)),
                       ms(median(answers.map { $0.timings.stt_ms })), ms(median(answers.map { $0.timings.retrieve_ms })),
                       ms(median(answers.map { $0.timings.llm_ms })), ms(median(answers.map { $0.timings.tts_ms }))], widths: widths))
            let kinds = Dictionary(grouping: answers, by: \.answer_kind.rawValue).map { "\($0.key) \($0.value.count)" }.sorted()
            print("    answers: \(kinds.joined(separator: ", "))")
            if let failure = outcomes.first(where: { (try? $0.get()) == nil }), case .failure(let error) = failure {
                print("    first error: \(error)")
            }
        }
        print(row(["seed", "", "", ms(Self.seed.median), "", ms(Self.seed.stt), ms(Self.seed.retrieve), ms(Self.seed.llm),
                   ms(Self.seed.tts)], widths: widths)
              + " (Python: faster-whisper, Chroma, llama-cpp-python, pyttsx3; RESOURCES.md)")
        return medianAtOne
    }
}
