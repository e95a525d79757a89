import ArgumentParser
import EspeakEngine
import Foundation
import Models
import SpeechToText
import VoiceCore

struct BenchSTT: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stt",
        abstract: "Whisper through our service layer vs faster-whisper on the same CTranslate2 model (greedy, 2 threads).")

    @Option(help: "Timed runs per recording, after one warm-up.")
    var runs = 5

    @Option(help: "tiny.en or base.")
    var model = "tiny.en"

    @Option(help: "The short spoken question (espeak-ng speaks it).")
    var question = "What time does the harbour cafe open on Sunday?"

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = global.bootstrap()
        var settings = try global.settings()
        settings.threads = 2
        let spec = model == "base" ? ModelCatalog.whisperBase : ModelCatalog.whisperTinyEn
        let store = ModelStore(directory: settings.modelsDirectory)
        let recognizer = try SpeechRecognizer(models: [model: try store.require(spec)], defaultModel: model, workersPerModel: 1,
                                              threads: 2, limits: .init(timeout: .seconds(600)))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("voice-bench-stt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let spoken = try await EspeakSynthesizer.shared.get().synthesize(question, voice: "en", prosody: .init(rate: 150))
        let questionURL = folder.appendingPathComponent("question.wav")
        try WAVFile.encode(spoken.samples, sampleRate: spoken.sampleRate).write(to: questionURL)
        let recordings = [("jfk.wav", settings.engineDirectory.appendingPathComponent("src/whisper.cpp/samples/jfk.wav")),
                          ("question", questionURL)]

        guard let ct2 = Self.ctranslate2Directory(under: settings.cacheDirectory.appendingPathComponent("extracted/\(spec.id)")) else {
            throw ValidationError("the CTranslate2 model of \(spec.id) is not in the cache; run `voice models`")
        }
        print("stt bench: \(model), \(runs) runs after a warm-up, 2 threads, greedy")
        print("  running faster-whisper \(ct2.lastPathComponent) …")
        struct PeerResult: Decodable { let ms: [Double]; let text: String }
        let peer = try JSONDecoder().decode([String: PeerResult].self,
                                            from: Peer.run("stt_peer.py", [ct2.path, "\(runs)"] + recordings.map(\.1.path)))

        let widths = [12, 9, 12, 8, 16, 8, 10, 6]
        print(row(["audio", "length", "ours", "RTF", "faster-whisper", "RTF", "speed-up", "WER"], widths: widths))
        for (name, url) in recordings {
            let data = try Data(contentsOf: url)
            var text = ""
            var duration = 0.0
            let ours = try await measure(runs: runs) {
                let result = try await recognizer.transcribe(audio: data, contentType: "audio/wav", options: .init())
                text = result.text
                duration = result.duration_s
            }
            guard let theirs = peer[url.path] else { throw ValidationError("the peer skipped \(name)") }
            let peerMedian = Samples(milliseconds: theirs.ms).median
            print(row([name, String(format: "%.1f s", duration), ms(ours.median), String(format: "%.3f", ours.median / 1000 / duration),
                       ms(peerMedian), String(format: "%.3f", peerMedian / 1000 / duration), ratio(peerMedian / ours.median),
                       String(format: "%.0f%%", 100 * WordErrorRate.rate(reference: theirs.text, hypothesis: text))],
                      widths: widths))
            print("    ours:  \(text)")
            print("    peer:  \(theirs.text)")
        }
        print("speed-up = faster-whisper median / ours (higher is better); WER = ours against faster-whisper's words")
    }

    /// The wheel's CTranslate2 folder: the one holding model.bin next to config.json.
    static func ctranslate2Directory(under root: URL) -> URL? {
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            let folder = url.deletingLastPathComponent()
            if url.lastPathComponent == "model.bin",
               FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) {
                return folder
            }
        }
        return nil
    }
}
