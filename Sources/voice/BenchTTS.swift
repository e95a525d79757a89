import ArgumentParser
import Foundation
import Models
import SpeechToText
import TextToSpeech
import VoiceCore

struct BenchTTS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tts",
        abstract: "The Piper voice and espeak-ng through our service layer, and Piper's own Python runtime: how well Whisper understands each, time to first audio, real-time factor and memory.")

    @Option(help: "Timed runs per answer in each block, after one warm-up.")
    var runs = 5

    @Option(help: "Blocks per side, alternating (ours, then Piper's runtime).")
    var rounds = 2

    @Flag(help: "Leave out Piper's Python runtime (it needs the peers venv).")
    var noPeer = false

    @Flag(help: "Print what Whisper heard of each sentence.")
    var showTranscripts = false

    @OptionGroup var global: GlobalOptions

    /// Written for this bench, unlike any knowledge file: prices, times, dates, phone numbers, names and units.
    static let sentences = [
        "The museum opens at 10 am and closes at 6 pm.",
        "A single ticket costs $4.50 and a day pass costs $12.",
        "Call Maria Lopez on 555 0142 to book a table for four.",
        "The number 38 bus leaves Harbour Street every 15 minutes.",
        "Your parcel weighs 2.5 kilograms and arrives on Thursday.",
        "Doctor Patel sees patients on Monday and Wednesday mornings.",
        "The pool is 25 metres long and the water is kept at 28 degrees.",
        "Refunds are paid within 14 days to the card you used.",
        "The spring concert starts at 7:30 pm on 12 April.",
        "Children under 5 travel free; students pay half price.",
        "Oliver Grant wrote the guide in 2019 and updated it in 2024.",
        "The hotel has 120 rooms, a gym and a rooftop bar.",
        "Parking costs £3 for the first hour and £2 after that.",
        "Send the form to Hannah Brooks before Friday at noon.",
        "The library lends up to 8 books for 3 weeks.",
        "Lunch is served from 11:30 until 2 in the afternoon.",
        "The bike shop on Elm Road repairs punctures for €15.",
        "Flight 417 to Lisbon boards at gate 22.",
        "The course runs for 6 weeks and costs $240 in total.",
        "Please bring a photo ID and your booking number.",
        "Gregory Chen answers billing questions on weekdays.",
        "The trail is 9 kilometres long and takes about 3 hours.",
        "Membership renews every January for $60 a year.",
        "The clinic is closed on public holidays and on Sunday.",
    ]
    static let listeners = ["tiny.en", "base"]
    static let short = "The museum opens at ten."
    static let long = "Tickets for the summer festival cost forty dollars for adults and twenty for children, and they go on sale at nine o'clock on Monday morning."

    /// What a listener's ear cannot tell apart, made equal before counting errors, as Whisper's own English
    /// normaliser does: currency signs and words, dollars and cents, British and American spellings, unit symbols
    /// and names, "Dr." and "doctor", "7:30pm" and "7.30 pm", "eight" and "8". Digits said one after another are
    /// one number however they are grouped: "555 0142" and "5550142" are the same phone number heard, and spelled
    /// out for counting, one grouping against the other would be eight errors for no word misheard.
    static func listenerForm(_ text: String) -> String {
        var result = text.lowercased()
            .replacingOccurrences(of: #"(\d)[:.](\d)"#, with: "$1 $2", options: .regularExpression)
            .replacingOccurrences(of: #"(\d)([a-z])"#, with: "$1 $2", options: .regularExpression)
            .replacingOccurrences(of: #"[$£€]|\b(?:dollars?|pounds?|euros?)\b"#, with: " ", options: .regularExpression)
            .replacingOccurrences(of: #"(\d)-(\d)"#, with: "$1 $2", options: .regularExpression)
        for (british, american) in [("metres", "meters"), ("kilometres", "kilometers"), ("harbour", "harbor"),
                                    ("dr.", "doctor"), ("a.m.", "am"), ("p.m.", "pm")] {
            result = result.replacingOccurrences(of: british, with: american)
        }
        for (symbol, unit) in [("km", "kilometers"), ("kg", "kilograms"), ("cm", "centimeters")] {
            result = result.replacingOccurrences(of: "\\b\(symbol)\\b", with: unit, options: .regularExpression)
        }
        return result.split(separator: " ").map { word in
            SpokenNumbers.value(of: word.trimmingCharacters(in: .punctuationCharacters)).map(String.init) ?? String(word)
        }.joined(separator: " ")
            // "4 dollars and 50 cents" is "$4.50" said aloud (the currency word is gone by now).
            .replacingOccurrences(of: #"(\d+),?\s+(?:and\s+)?(\d+)\s+(?:cents?|pence)\b"#, with: "$1 $2", options: .regularExpression)
            .replacingOccurrences(of: #"(?<=\d)[\s,.:-]+(?=\d)"#, with: "", options: .regularExpression)
    }

    func run() async throws {
        _ = global.bootstrap()
        var settings = try global.settings()
        settings.threads = 2
        let store = ModelStore(directory: settings.modelsDirectory)
        let before = ResidentMemory.bytes() ?? 0
        let speaker = try Speaker.live(settings: settings)
        guard let neural = speaker.neuralVoices.first else {
            throw ValidationError("the neural voice is not loaded: \(speaker.neuralVoiceProblem ?? "unknown"); run `voice models`")
        }
        let _ = try await speaker.speak(SpeakRequest(text: "Warming up."), persist: false)
        let loaded = ResidentMemory.bytes() ?? 0
        // Two listeners: tiny.en, the product's own recogniser, and base, whose own slips on clear speech are
        // fewer, so that what is left is more the voice's doing than the ear's (decision 47).
        let recognizer = try SpeechRecognizer(models: ["tiny.en": try store.require(ModelCatalog.whisperTinyEn),
                                                       "base": try store.require(ModelCatalog.whisperBase)],
                                              defaultModel: "tiny.en", workersPerModel: 1, threads: 2,
                                              limits: .init(timeout: .seconds(600)))
        let voices = [neural.id, Speaker.espeakVoice]
        print("tts bench: \(Self.sentences.count) sentences heard back by Whisper tiny.en and base (no prompt); "
              + "\(rounds) blocks × \(runs) runs per answer and side, 2 threads")

        // Intelligibility: what a listener (here Whisper) hears of each voice, and of Piper's own runtime given the
        // same sentences as they are written (it has no normaliser of its own).
        let peer = noPeer ? nil : try PeerSession("piper_peer.py", [store.url(for: ModelCatalog.piperJoe).path])
        struct PeerLoad: Decodable { let rss: Int }
        let peerLoad = try peer.map { try JSONDecoder().decode(PeerLoad.self, from: $0.exchange()) }
        var heard: [String: [String]] = [:]
        func hear(_ wav: Data, side: String) async throws {
            for listener in Self.listeners {
                heard["\(side) \(listener)", default: []].append(try await recognizer.transcribe(
                    audio: wav, contentType: "audio/wav", options: .init(model: listener, prompt: "")).text)
            }
        }
        for voice in voices {
            for sentence in Self.sentences {
                try await hear(try await speaker.speak(SpeakRequest(text: sentence, voice: voice), persist: false).wav, side: voice)
            }
        }
        if let peer {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("voice-bench-tts-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            struct Save: Encodable { let texts: [String]; let folder: String }
            struct Saved: Decodable { let files: [String] }
            let request = String(decoding: try JSONEncoder().encode(Save(texts: Self.sentences, folder: folder.path)), as: UTF8.self)
            for file in try JSONDecoder().decode(Saved.self, from: peer.exchange(request)).files {
                try await hear(try Data(contentsOf: URL(fileURLWithPath: file)), side: "piper-tts")
            }
        }
        var errors: [String: Double] = [:]
        for (side, texts) in heard {
            var total = 0.0, words = 0
            for (sentence, text) in zip(Self.sentences, texts) {
                let reference = Self.listenerForm(sentence)
                let count = WordErrorRate.normalizedWords(reference).count
                let error = WordErrorRate.rate(reference: reference, hypothesis: Self.listenerForm(text)) * Double(count)
                total += error
                words += count
                if showTranscripts {
                    print("  \(side): \(sentence) → \(text)" + (error > 0 ? "  [\(Int(error.rounded())) of \(count) words]" : ""))
                }
            }
            errors[side] = total / Double(words)
        }

        // Speed: first audio and real-time factor on a short and a long answer, in alternating blocks.
        struct PeerResult: Decodable { let first_ms: [Double]; let total_ms: [Double]; let seconds: Double; let rss: Int }
        var first: [String: Samples] = [:], total: [String: Samples] = [:], seconds: [String: Double] = [:]
        var peerRSS = peerLoad?.rss ?? 0
        for round in 1...rounds {
            print("  block \(round) …")
            for (label, text) in [("6 words", Self.short), ("25 words", Self.long)] {
                for voice in voices {
                    let key = "\(voice) \(label)"
                    for _ in 0..<runs {
                        let started = ContinuousClock.now
                        // As a streamed answer is spoken: its first samples go out before the rest is made.
                        let audio = try await speaker.speak(SpeakRequest(text: text, voice: voice), persist: false,
                                                            onChunk: { _, _ in })
                        total[key, default: Samples()].append(.now - started)
                        first[key, default: Samples()].append(audio.firstAudioAfter ?? .now - started)
                        seconds[key] = audio.durationSeconds
                    }
                }
                if let peer {
                    let key = "piper-tts \(label)"
                    struct Request: Encodable { let text: String; let runs: Int }
                    let line = try JSONEncoder().encode(Request(text: text, runs: runs))
                    let result = try JSONDecoder().decode(PeerResult.self, from: peer.exchange(String(decoding: line, as: UTF8.self)))
                    first[key, default: Samples()].milliseconds += result.first_ms
                    total[key, default: Samples()].milliseconds += result.total_ms
                    seconds[key] = result.seconds
                    peerRSS = max(peerRSS, result.rss)
                }
            }
        }

        let widths = [26, 12, 12, 18, 18, 10]
        print(row(["", "WER tiny.en", "WER base", "first audio p50", "first audio p90", "RTF p50"], widths: widths))
        for side in voices + (peer == nil ? [] : ["piper-tts"]) {
            for label in ["6 words", "25 words"] {
                let key = "\(side) \(label)"
                guard let f = first[key], let t = total[key], let s = seconds[key] else { continue }
                let error = { (listener: String) in
                    label == "6 words" ? errors["\(side) \(listener)"].map { String(format: "%.3f", $0) } ?? "–" : ""
                }
                print(row([key, error("tiny.en"), error("base"), ms(f.median), ms(f.percentile(90)),
                           String(format: "%.3f", t.median / 1000 / s)], widths: widths))
            }
        }
        let mb = { (bytes: Int) in String(format: "%.0f MB", Double(bytes) / 1_048_576) }
        print("memory: our TTS service with the Piper voice loaded \(mb(loaded)) (\(mb(loaded - before)) for the voice); "
              + (peer == nil ? "" : "Piper's Python runtime \(mb(peerRSS))"))
        print("goals: word error ≤ 0.03 with the default voice; first audio of a 6-word sentence ≤ 250 ms")
    }
}
