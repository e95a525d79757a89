import ArgumentParser
import Foundation
import Gateway
import Generation
import Retrieval
import TextToSpeech
import VoiceCore

struct BenchE2E: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "Spoken questions through the whole pipeline, against the seed's Python pipeline run in the same bench.")

    @Option(help: "Blocks per side at concurrency 1: ours (each answer mode), then the seed's pipeline, alternately, so that neither runs beside the other's idle threads.")
    var blocks = 3

    @Option(help: "Concurrency levels above 1 to measure ours at afterwards (the seed's pipeline serves one request at a time), comma-separated.")
    var concurrency = "4,8"

    @Option(help: "Answer modes to measure, comma-separated: auto (a strong sentence is spoken without the model), generate (the model every time, like the seed).")
    var modes = "auto,generate"

    @Flag(help: "Leave out the Piper voice (it needs the peers venv's piper-tts).")
    var noPiper = false

    @Flag(help: "Leave out the seed's pipeline (it needs the peers venv, whose first set-up compiles llama-cpp-python).")
    var noPeer = false

    @OptionGroup var global: GlobalOptions

    /// About the sample knowledge, 1.5–3 s when spoken, and none a stored Q&A pair: in `generate` mode every one
    /// goes through the model, as every question of the seed's pipeline does.
    /// Chosen so that tiny.en hears them right: it hears "Zorblat" as "Lord Latte", and a misheard question
    /// measures the "not covered" path instead.
    static let questions = [
        "How much is a return ticket for the ferry?",
        "When is story time at the town library?",
        "How long does the ferry crossing take?",
        "What is the late fee for a library book?",
        "How much is a cappuccino?",
        "Is the cafe open on Tuesday?",
        "How long is the bridge?",
        "When does the cafe close on Sunday?",
    ]

    /// What the seed's pipeline heard and said; its timings decode from the same objects as `StageTimings`.
    struct PeerAnswer: Decodable {
        var transcript: String
        var answer: String
    }

    func run() async throws {
        let logger = global.bootstrap()
        let settings = try global.settings()
        let stack = try await LiveStack.load(settings: settings, logger: logger)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("voice-bench-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let corpus = try await SpeechCorpus.make(Self.questions, in: folder, espeakVoices: [("en", 150)], piper: !noPiper)
        let recordings = try corpus.map { try Data(contentsOf: $0.url) }
        let answerModes = try modes.split(separator: ",").map { text in
            guard let mode = AnswerMode(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("modes are auto and generate")
            }
            return mode
        }
        let pipelines = answerModes.map { mode in
            var pipeline = stack.gateway.pipeline
            pipeline.policy.mode = mode
            return (mode, pipeline)
        }
        let durations = corpus.map(\.duration)
        print(String(format: "e2e bench: %d spoken questions of %.1f–%.1f s (%@) at 16/22.05/48 kHz, STT → RAG → LLM → TTS in one process",
                     corpus.count, durations.min() ?? 0, durations.max() ?? 0, Set(corpus.map(\.voice)).sorted().joined(separator: ", ")))
        for (mode, pipeline) in pipelines {  // warm-up, and what each question is heard as and answered with
            print("\nanswer mode \(mode.rawValue)")
            for recording in recordings {
                let answer = try await pipeline.answer(audio: recording, contentType: "audio/wav", language: nil)
                print("  \"\(answer.transcript)\" → [\(answer.answer_kind.rawValue)] \(answer.response_text.prefix(80))")
            }
        }
        let ourMemory = ResidentMemory.bytes().map { Double($0) / 1e6 } ?? .nan

        var peer: PeerSession?
        var peerMemory = Double.nan
        if !noPeer {
            peer = try await startPeer(stack: stack, settings: settings, pipeline: stack.gateway.pipeline, corpus: corpus, in: folder)
            struct Ready: Decodable { var load_ms: Double; var rss_mb: Double }
            let ready = try JSONDecoder().decode(Ready.self, from: try peer!.exchange())
            peerMemory = ready.rss_mb * 1.048576
            print(String(format: "\nthe seed's pipeline (Python) loaded and warmed up in %.1f s", ready.load_ms / 1000))
        }

        var ours: [AnswerMode: [Int: [StageTimings]]] = [:]  // by mode, then by clip
        var theirs: [Int: [StageTimings]] = [:]
        for block in 1...blocks {
            for (mode, pipeline) in pipelines {
                print("  block \(block): ours (\(mode.rawValue)) …")
                for (index, recording) in recordings.enumerated() {
                    let answer = try await pipeline.answer(audio: recording, contentType: "audio/wav", language: nil)
                    ours[mode, default: [:]][index, default: []].append(answer.timings)
                }
            }
            if let peer {
                print("  block \(block): the seed's pipeline …")
                let reply = try peer.exchange("\(recordings.count)")
                for (index, timed) in try JSONDecoder().decode([StageTimings].self, from: reply).enumerated() {
                    theirs[index, default: []].append(timed)
                }
                if block == 1 {
                    for answer in try JSONDecoder().decode([PeerAnswer].self, from: reply) {
                        print("    \"\(answer.transcript)\" → \(answer.answer.prefix(80))")
                    }
                }
            }
        }
        peer = nil

        let short = corpus.indices.filter { (1.5...3.0).contains(corpus[$0].duration) }
        let widths = [18, 5, 11, 11, 10, 10, 10, 10, 10]
        print("\nconcurrency 1, \(blocks) blocks per side (stage columns are medians)")
        print(row(["side", "n", "p50", "p90", "stt", "retrieve", "llm", "tts", "RSS"], widths: widths))
        func report(_ label: String, _ byClip: [Int: [StageTimings]], memory: Double) -> Samples {
            let all = byClip.values.flatMap { $0 }
            func median(_ stage: KeyPath<StageTimings, Double>) -> String { ms(Samples(milliseconds: all.map { $0[keyPath: stage] }).median) }
            let totals = Samples(milliseconds: all.map(\.total_ms))
            print(row([label, "\(all.count)", ms(totals.median), ms(totals.percentile(90)), median(\.stt_ms), median(\.retrieve_ms),
                       median(\.llm_ms), median(\.tts_ms), String(format: "%.0f MB", memory)], widths: widths))
            return Samples(milliseconds: short.flatMap { byClip[$0] ?? [] }.map(\.total_ms))
        }
        let seed = !theirs.isEmpty ? report("seed (Python)", theirs, memory: peerMemory) : nil
        var ratios: [String] = []
        for (mode, _) in pipelines {
            let mine = report("ours (\(mode.rawValue))", ours[mode] ?? [:], memory: ourMemory)
            if let seed {
                let goal = mode == .auto ? "3×" : "1.5×"
                ratios.append("ours (\(mode.rawValue)) vs the seed's pipeline on the \(short.count) questions of 1.5–3 s: "
                              + "\(ratio(seed.median / mine.median)) at the median, \(ratio(seed.percentile(90) / mine.percentile(90))) at p90 (goal ≥ \(goal) at the median)")
            }
        }
        ratios.forEach { print($0) }
        print("RSS: resident memory after loading and warming up (ours: the whole one-process stack)")

        let levels = concurrency.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 1 }
        try await measureFirstAudio(pipelines: pipelines, speaker: stack.speaker, recordings: recordings)

        for (mode, pipeline) in pipelines where !levels.isEmpty {
            print("\nours (\(mode.rawValue)) under concurrency")
            await measure(pipeline, recordings: recordings, levels: levels)
        }
    }

    /// Spoken question → first answer audio on answers never spoken before (the spoken-answer cache is off): espeak-ng
    /// against the Piper voice, whole answers against streamed sentences and streamed samples, in alternating blocks.
    func measureFirstAudio(pipelines: [(AnswerMode, VoicePipeline)], speaker: Speaker, recordings: [Data]) async throws {
        var espeakSpeaker = speaker
        espeakSpeaker.defaultVoice = Speaker.espeakVoice
        let widths = [34, 5, 11, 11, 12]
        print("\nfirst answer audio on new answers (no spoken-answer cache), \(blocks) blocks per side")
        print(row(["side", "n", "p50", "p90", "vs espeak-ng"], widths: widths))
        for (mode, base) in pipelines {
            var piper = base
            piper.reusesSpokenAnswers = false
            var espeak = piper
            espeak.synthesis = espeakSpeaker
            // A listener that plays sentence files (`sentence` events) or samples as they are made (`audio` events, as
            // the widget does).
            let files = VoicePipeline.EventSink { _ in }
            let samples = VoicePipeline.EventSink(audio: true) { _ in }
            let sides: [(String, VoicePipeline, VoicePipeline.EventSink?)] = [
                ("espeak-ng, whole answer", espeak, nil), ("Piper, whole answer", piper, nil),
                ("Piper, streamed", piper, files), ("espeak-ng, streamed", espeak, files), ("Piper, streamed samples", piper, samples),
            ]
            var firsts: [String: Samples] = [:]
            var byQuestion: [String: [Int: [Double]]] = [:]  // side, then clip: first audio
            var parts: [Int: Int] = [:]  // clip: the sentences (and parts of long ones) its streamed answer was sent in
            for _ in 1...blocks {
                for (label, pipeline, sink) in sides {
                    for (index, recording) in recordings.enumerated() {
                        let answer = try await pipeline.answer(audio: recording, contentType: "audio/wav", language: nil,
                                                               events: sink)
                        let first = answer.timings.first_audio_ms ?? answer.timings.total_ms
                        firsts[label, default: Samples()].milliseconds.append(first)
                        byQuestion[label, default: [:]][index, default: []].append(first)
                        if sink != nil { parts[index] = SpeechChunks.texts(answer.response_text).count }
                    }
                }
            }
            let reference = firsts[sides[0].0]?.median ?? .nan
            for (label, _, _) in sides {
                guard let samples = firsts[label] else { continue }
                print(row(["\(mode.rawValue): \(label)", "\(samples.milliseconds.count)", ms(samples.median), ms(samples.percentile(90)),
                           ratio(samples.median / reference)], widths: widths))
            }
            // Streaming pays off when an answer has more than one part: the first plays while the rest is made.
            func median(_ values: [Double]) -> Double { Samples(milliseconds: values).median }
            for (label, atLeast) in [("all answers", 1), ("answers sent in two or more parts", 2)] {
                let clips = recordings.indices.filter { (parts[$0] ?? 0) >= atLeast }
                let shares = clips.compactMap { clip -> Double? in
                    guard let streamed = byQuestion[sides[2].0]?[clip], let whole = byQuestion[sides[1].0]?[clip] else { return nil }
                    return median(streamed) / median(whole)
                }
                let summary = shares.isEmpty ? "none" : String(format: "%.2f× the whole answer's first audio at the median, %.2f× at p90",
                                                               median(shares), Samples(milliseconds: shares).percentile(90))
                print("  \(mode.rawValue), Piper streamed ÷ whole, \(label) (\(clips.count) questions): \(summary)")
            }
        }
    }

    /// The seed's pipeline on the same models, indexing the same chunks our knowledge base holds, with the seed's
    /// plain prompt and our answer-length and top-k settings.
    func startPeer(stack: LiveStack, settings: Settings, pipeline: VoicePipeline, corpus: [SpeechCorpus.Clip],
                   in folder: URL) async throws -> PeerSession {
        let extracted = settings.cacheDirectory.appendingPathComponent("extracted")
        guard let whisper = wheelFolder(under: extracted.appendingPathComponent("whisper-tiny.en"), holding: "model.bin",
                                        beside: "config.json"),
              let minilm = wheelFolder(under: extracted.appendingPathComponent("minilm"), holding: "model.safetensors") else {
            throw ValidationError("the wheels' CTranslate2 and safetensors models are not in the cache; run `voice models`")
        }
        let config: [String: Any] = [
            "whisper": whisper.path, "minilm": minilm.path,
            "llm": settings.modelsDirectory.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf").path,
            "instructions": Eval.plainPrompt.instructions, "max_tokens": pipeline.policy.maxAnswerTokens, "top_k": pipeline.topK,
            "chunks": try await stack.knowledge.store.allTexts(), "recordings": corpus.map(\.url.path),
        ]
        let url = folder.appendingPathComponent("seed-peer.json")
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        return try PeerSession("seed_pipeline.py", [url.path])
    }

    /// Answers the recordings at each concurrency level (three rounds of the level, at least a pass over the
    /// recordings) and prints a row per level.
    func measure(_ pipeline: VoicePipeline, recordings: [Data], levels: [Int]) async {
        let widths = [6, 6, 7, 11, 11, 9, 9, 9, 9]
        print(row(["conc", "n", "errors", "median", "p90", "stt", "retrieve", "llm", "tts"], widths: widths))
        for level in levels {
            let count = max(recordings.count, level * 3)
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
            print(row(["\(level)", "\(count)", "\(count - answers.count)", ms(totals.median), ms(totals.percentile(90)),
                       ms(median(answers.map { $0.timings.stt_ms })), ms(median(answers.map { $0.timings.retrieve_ms })),
                       ms(median(answers.map { $0.timings.llm_ms })), ms(median(answers.map { $0.timings.tts_ms }))], widths: widths))
            if let failure = outcomes.first(where: { (try? $0.get()) == nil }), case .failure(let error) = failure {
                print("    first error: \(error)")
            }
        }
    }
}
