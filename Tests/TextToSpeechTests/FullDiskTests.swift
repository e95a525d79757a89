import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import VoiceCore
import VoiceTesting

/// A real full disk: the TTS service runs in its own mount namespace (`unshare`, no privileges needed) with its audio
/// folder on a 160 KiB tmpfs.
@Suite struct FullDiskTests {
    func speak(_ text: String, _ service: ServiceProcess) async throws -> (status: Int, body: [String: Any]) {
        var request = URLRequest(url: URL(string: service.url + "/speak")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["text": text, "voice": "en-us"])
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    @Test func aFullAudioFolderIsA507AndWhatIsStoredStays() async throws {
        let audio = FileManager.default.temporaryDirectory.appendingPathComponent("full-audio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: audio, withIntermediateDirectories: true)
        let tts = try await ServiceProcess(
            ["--user", "--map-root-user", "--mount", "sh", "-c",
             #"mount -t tmpfs -o size=160k tmpfs "$VOICE_AUDIO_DIR" && exec "$0" serve tts "$@""#, ServiceProcess.executable.path],
            port: try LoopbackPort.free(), executable: URL(fileURLWithPath: "/usr/bin/unshare"),
            environment: ["VOICE_AUDIO_DIR": audio.path, "VOICE_DATA_DIR": audio.path])
        defer { tts.stop() }
        let first = try await speak("Stored before the disk filled.", tts)
        #expect(first.status == 200)
        let sentence = "The ferry to Gull Island leaves Saltmere Pier at nine forty every morning, and the crossing takes thirty five minutes."
        var refused: [String: Any]?
        for _ in 0..<20 where refused == nil {
            let answer = try await speak(sentence, tts)
            if answer.status != 200 {
                #expect(answer.status == 507)
                refused = answer.body
            }
        }
        #expect((refused?["error"] as? [String: Any])?["code"] as? String == "storage_full", "\(refused ?? [:])")
        // The service stays up, and the answer stored before is still whole (read through the process's own view of
        // its mounts).
        let (_, health) = try await URLSession.shared.data(from: URL(string: tts.url + "/health")!)
        #expect((health as? HTTPURLResponse)?.statusCode == 200)
        let name = try #require(first.body["filename"] as? String)
        let stored = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(tts.process.processIdentifier)/root\(audio.path)/\(name)"))
        #expect(stored.count == first.body["bytes"] as? Int)
    }
}
