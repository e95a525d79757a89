import ArgumentParser
import EspeakEngine
import Foundation
import TextToSpeech

struct BenchTTS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tts", abstract: "libespeak-ng through our service layer vs pyttsx3's espeak driver.")

    @Option(help: "Timed runs after one warm-up.")
    var runs = 20

    @Option(help: "The sentence to speak (ten words by default).")
    var text = "The ferry to the island leaves every hour from the pier."

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = global.bootstrap()
        let synthesizer = try EspeakSynthesizer.shared.get()
        let normalized = SpeechText.normalize(text)
        var seconds = 0.0
        var firstAudio = Samples()
        let total = try await measure(runs: runs) {
            let audio = try await synthesizer.synthesize(normalized, voice: Speaker.defaultVoice,
                                                         prosody: .init(rate: Speaker.defaultRate))
            seconds = Double(audio.samples.count) / Double(audio.sampleRate)
            if let first = audio.firstAudioAfter { firstAudio.append(first) }
        }
        firstAudio.milliseconds = Array(firstAudio.milliseconds.suffix(runs))

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("voice-bench-tts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        struct PeerResult: Decodable { let ms: [Double]; let first_audio_ms: [Double]; let seconds: Double }
        let peer = try JSONDecoder().decode(PeerResult.self, from: Peer.run("tts_peer.py", ["\(runs)", folder.path, normalized]))
        let peerTotal = Samples(milliseconds: peer.ms), peerFirst = Samples(milliseconds: peer.first_audio_ms)

        print("tts bench: \"\(text)\" (\(text.split(separator: " ").count) words), \(runs) runs after a warm-up")
        let widths = [10, 10, 14, 14, 16]
        print(row(["", "audio", "synthesis", "× real time", "first audio"], widths: widths))
        print(row(["ours", String(format: "%.2f s", seconds), ms(total.median), String(format: "%.0f×", seconds * 1000 / total.median),
                   ms(firstAudio.median)], widths: widths))
        print(row(["pyttsx3", String(format: "%.2f s", peer.seconds), ms(peerTotal.median),
                   String(format: "%.0f×", peer.seconds * 1000 / peerTotal.median), ms(peerFirst.median) + " (whole file)"],
                  widths: widths))
        print("ours vs pyttsx3: synthesis \(ratio(peerTotal.median / total.median)) faster, first audio "
              + "\(ratio(peerFirst.median / firstAudio.median)) sooner")
    }
}
