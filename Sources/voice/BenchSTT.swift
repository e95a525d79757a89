import ArgumentParser
import EspeakEngine
import Foundation
import Models
import SpeechToText
import Synchronization
import VoiceCore

struct BenchSTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stt",
        abstract: "Whisper through our service layer vs faster-whisper on the same CTranslate2 model (greedy or the same beam, 2 threads), on questions of 1–5 s in several voices and sample rates.")

    @Option(help: "Timed runs per recording in each block, after one warm-up.")
    var runs = 2

    @Option(help: "Blocks per side: ours, then the peer, alternately, so that neither runs beside the other's idle threads.")
    var rounds = 2

    @Option(help: "tiny.en or base.")
    var model = "tiny.en"

    @Option(help: "Beams searched at each token, on both sides (1 is greedy).")
    var beamSize = 1

    @Option(help: "The other side: faster-whisper, or greedy (our own service decoding greedily, against --beam-size).")
    var peer = "faster-whisper"

    func validate() throws {
        guard ["faster-whisper", "greedy"].contains(peer) else { throw ValidationError("--peer is faster-whisper or greedy") }
    }

    @Flag(help: "Leave out the Piper voice (it needs the peers venv's piper-tts).")
    var noPiper = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = global.bootstrap()
        var settings = try global.settings()
        settings.threads = 2
        let spec = model == "base" ? ModelCatalog.whisperBase : ModelCatalog.whisperTinyEn
        let store = ModelStore(directory: settings.modelsDirectory)
        let recognizer = try SpeechRecognizer(models: [model: try store.require(spec)], defaultModel: model, workersPerModel: 1,
                                              threads: 2, limits: .init(timeout: .seconds(600)))
        guard let ct2 = wheelFolder(under: settings.cacheDirectory.appendingPathComponent("extracted/\(spec.id)"),
                                 holding: "model.bin", beside: "config.json") else {
            throw ValidationError("the CTranslate2 model of \(spec.id) is not in the cache; run `voice models`")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("voice-bench-stt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let corpus = try await SpeechCorpus.make(SpeechCorpus.questions, in: folder, piper: !noPiper)
            + SpeechCorpus.human(engineDirectory: settings.engineDirectory)
        print("stt bench: \(model), \(corpus.count) recordings (\(Set(corpus.map(\.voice)).sorted().joined(separator: ", "))), "
              + "\(rounds) blocks × \(runs) runs per side after a warm-up, 2 threads, "
              + (beamSize > 1 ? "beam \(beamSize)" : "greedy"))

        struct PeerResult: Decodable { let ms: [Double]; let text: String }
        // Every block's words are kept: whisper.cpp's words for the same audio can differ between the first call
        // on a state and later ones (docs/decisions.md, 36), so word error is the mean over blocks.
        var ours: [String: (ms: [Double], texts: [String])] = [:]
        var theirs: [String: (ms: [Double], texts: [String])] = [:]
        let retriesBefore = SpeechRecognizer.fullWindowRetries.load(ordering: .relaxed)
        for round in 1...rounds {
            // One block of our service over the corpus, at a beam size.
            func block(beam: Int, into side: inout [String: (ms: [Double], texts: [String])]) async throws {
                for clip in corpus {
                    let data = try Data(contentsOf: clip.url)
                    var text = ""
                    let samples = try await measure(runs: runs) {
                        text = try await recognizer.transcribe(audio: data, contentType: "audio/wav", options: .init(beam_size: beam)).text
                    }
                    side[clip.url.path, default: ([], [])].ms += samples.milliseconds
                    side[clip.url.path]?.texts.append(text)
                }
            }
            print("  block \(round): ours …")
            try await block(beam: beamSize, into: &ours)
            print("  block \(round): \(peer) …")
            if peer == "greedy" {
                try await block(beam: 1, into: &theirs)
                continue
            }
            let results = try JSONDecoder().decode([String: PeerResult].self,
                                                   from: Peer.run("stt_peer.py", [ct2.path, "\(runs)", "\(beamSize)"] + corpus.map(\.url.path)))
            for clip in corpus {
                guard let result = results[clip.url.path] else { throw ValidationError("the peer skipped \(clip.url.lastPathComponent)") }
                theirs[clip.url.path, default: ([], [])].ms += result.ms
                theirs[clip.url.path]?.texts.append(result.text)
            }
        }
        let retries = SpeechRecognizer.fullWindowRetries.load(ordering: .relaxed) - retriesBefore

        let widths = [11, 4, 11, 11, 11, 11, 9, 9, 9]
        print(row(["length", "n", "ours p50", "ours p90", "peer p50", "peer p90", "p90 ×", "WER ours", "WER peer"], widths: widths))
        let buckets: [(String, ClosedRange<Double>)] = [("< 1.5 s", 0...1.5), ("1.5–2.5 s", 1.5...2.5), ("2.5–3.5 s", 2.5...3.5),
                                                        ("3.5–5 s", 3.5...5), ("> 5 s", 5...60)]
        func report(_ label: String, _ clips: [SpeechCorpus.Clip]) {
            guard !clips.isEmpty else { return }
            let mine = Samples(milliseconds: clips.flatMap { ours[$0.url.path]?.ms ?? [] })
            let peer = Samples(milliseconds: clips.flatMap { theirs[$0.url.path]?.ms ?? [] })
            func wer(_ side: [String: (ms: [Double], texts: [String])]) -> String {
                let reference = clips.flatMap { WordErrorRate.normalizedWords($0.text) }.count
                let errors = clips.reduce(0.0) { total, clip in
                    total + Self.meanRate(clip.text, side[clip.url.path]?.texts ?? []) * Double(WordErrorRate.normalizedWords(clip.text).count)
                }
                return String(format: "%.3f", errors / Double(max(reference, 1)))
            }
            print(row([label, "\(clips.count)", ms(mine.median), ms(mine.percentile(90)), ms(peer.median), ms(peer.percentile(90)),
                       ratio(peer.percentile(90) / mine.percentile(90)), wer(ours), wer(theirs)], widths: widths))
        }
        for (label, range) in buckets {
            report(label, corpus.filter { range.contains($0.duration) && !(range.lowerBound > 0 && $0.duration == range.lowerBound) })
        }
        report("all", corpus)
        print("by voice:")
        for voice in Set(corpus.map(\.voice)).sorted() { report(voice, corpus.filter { $0.voice == voice }) }
        print("by sample rate:")
        for rate in Set(corpus.map(\.sampleRate)).sorted() { report("\(rate) Hz", corpus.filter { $0.sampleRate == rate }) }
        print("full-window reruns (a shortened window that looped): \(retries) of \(corpus.count * (runs + 1) * rounds) transcriptions")
        print("p90 × = the peer's (\(peer)) p90 / ours (higher is better); WER against the words spoken (jfk.wav and ALSA's voices: their known words)")
        for clip in corpus where Self.meanRate(clip.text, ours[clip.url.path]?.texts ?? []) > 0.2 {
            let said = { (side: [String: (ms: [Double], texts: [String])]) in Set(side[clip.url.path]?.texts ?? []).sorted().joined(separator: "\" / \"") }
            print("  \(clip.voice) \(String(format: "%.1f s", clip.duration)) said \"\(clip.text)\", ours \"\(said(ours))\", peer \"\(said(theirs))\"")
        }
    }

    static func meanRate(_ reference: String, _ hypotheses: [String]) -> Double {
        hypotheses.isEmpty ? 1 : hypotheses.reduce(0) { $0 + WordErrorRate.rate(reference: reference, hypothesis: $1) } / Double(hypotheses.count)
    }
}

/// Spoken questions as users ask them: 1–5 s, in synthetic voices (espeak-ng in three voices, Piper's joe) and real
/// human speech (jfk.wav, ALSA's channel announcements), at 16, 22.05 and 48 kHz. Made at bench time from text.
enum SpeechCorpus {
    struct Clip {
        var url: URL
        var voice: String
        var text: String
        var duration: Double
        var sampleRate: Int
    }

    /// Questions from two words to a dozen, none of them in any evaluation set.
    static let questions = [
        "Opening hours?", "Any parking nearby?", "Do you take cards?", "Where is the lost property desk?",
        "Is the pool open on Sunday?", "How much is a single swim for a child?",
        "What time does the cafe close on Saturday evening?", "Can I bring my dog into the garden?",
        "How long do I have to return an unused kettle for a refund?",
        "Which evening can I swim lengths after work during the school holidays?",
    ]

    static let espeakVoices: [(name: String, rate: Int)] = [("en", 150), ("en-us", 175), ("en+f3", 140)]
    static let rates = [16_000, 22_050, 48_000]

    /// `questions` said by each espeak-ng voice and, with `piper`, by Piper's joe.
    static func make(_ questions: [String], in folder: URL, espeakVoices: [(name: String, rate: Int)] = SpeechCorpus.espeakVoices,
                     piper: Bool) async throws -> [Clip] {
        var clips: [Clip] = []
        func add(_ samples: [Float], rate: Int, voice: String, text: String, index: Int) throws {
            // Each synthetic clip at one of the three rates, in turn, so every rate meets every length.
            let target = rates[index % rates.count]
            let resampled = rate == target ? samples : Resampler.resample(samples, from: rate, to: target)
            let url = folder.appendingPathComponent("\(voice.replacing(" ", with: "-"))-\(index).wav")
            let pcm = resampled.map { Int16(max(-1, min(1, $0)) * Float(Int16.max)) }
            try WAVFile.encode(pcm, sampleRate: target).write(to: url)
            clips.append(Clip(url: url, voice: voice, text: text, duration: Double(samples.count) / Double(rate), sampleRate: target))
        }
        let espeak = try EspeakSynthesizer.shared.get()
        for (offset, voice) in espeakVoices.enumerated() {
            for (index, text) in questions.enumerated() {
                let audio = try await espeak.synthesize(text, voice: voice.name, prosody: .init(rate: voice.rate))
                try add(audio.samples.map { Float($0) / Float(Int16.max) }, rate: audio.sampleRate, voice: "espeak \(voice.name)",
                        text: text, index: index + offset)
            }
        }
        if piper {
            _ = try Peer.run("piper_say.py", [folder.path] + questions)
            for (index, text) in questions.enumerated() {
                let audio = try WAVDecoder.decode(try Data(contentsOf: folder.appendingPathComponent("piper-\(index).wav")))
                try add(audio.samples, rate: audio.sampleRate, voice: "piper joe", text: text, index: index + 1)
            }
        }
        return clips
    }

    /// Real people: as recorded, at their own rates.
    static func human(engineDirectory: URL) throws -> [Clip] {
        var clips: [Clip] = []
        let human = [
            (engineDirectory.appendingPathComponent("src/whisper.cpp/samples/jfk.wav"),
             "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."),
            (URL(fileURLWithPath: "/usr/share/sounds/alsa/Front_Center.wav"), "Front center"),
            (URL(fileURLWithPath: "/usr/share/sounds/alsa/Front_Left.wav"), "Front left"),
            (URL(fileURLWithPath: "/usr/share/sounds/alsa/Rear_Right.wav"), "Rear right"),
            (URL(fileURLWithPath: "/usr/share/sounds/alsa/Side_Left.wav"), "Side left"),
        ]
        for (url, text) in human where FileManager.default.fileExists(atPath: url.path) {
            let audio = try WAVDecoder.decode(try Data(contentsOf: url))
            clips.append(Clip(url: url, voice: "human", text: text, duration: Double(audio.samples.count) / Double(audio.sampleRate),
                              sampleRate: audio.sampleRate))
        }
        return clips
    }
}
