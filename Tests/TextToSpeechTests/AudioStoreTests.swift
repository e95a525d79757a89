import Foundation
import Testing
import TextToSpeech

@Suite struct AudioStoreTests {
    func temporaryStore(maxAge: Duration = .seconds(3600), budget: Int64 = 1 << 30) throws -> AudioStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return AudioStore(directory: directory, maxAge: maxAge, byteBudget: budget)
    }

    @Test func issuedNamesAreRandomAndRecognised() {
        let names = Set((0..<100).map { _ in AudioStore.newName() })
        #expect(names.count == 100)
        #expect(names.allSatisfy(AudioStore.isOurName))
    }

    @Test func namesThatAreNotOursAreRefused() throws {
        let store = try temporaryStore()
        let stored = try store.store(Data("RIFF".utf8)).lastPathComponent
        #expect(store.file(named: stored) != nil)
        for hostile in ["../etc/passwd", "/etc/passwd", "..", "tts-\(String(repeating: "0", count: 31))/.wav",
                        stored.uppercased(), stored + "\0", "x" + stored.dropFirst(), "tts-../../../../etc/passwd.wav"] {
            #expect(store.file(named: hostile) == nil, "\(hostile)")
        }
    }

    @Test func retentionDeletesOldFilesAndKeepsNewOnes() throws {
        let store = try temporaryStore(maxAge: .seconds(60))
        let old = try store.store(Data(count: 10))
        let fresh = try store.store(Data(count: 10))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-120)], ofItemAtPath: old.path)
        let deleted = store.sweep()
        #expect(deleted == [old.lastPathComponent])
        #expect(FileManager.default.fileExists(atPath: fresh.path))
        #expect(!FileManager.default.fileExists(atPath: old.path))
    }

    @Test func retentionTrimsTheOldestFilesToTheByteBudget() throws {
        let store = try temporaryStore(budget: 250)
        var urls: [URL] = []
        for age in [300.0, 200, 100] {
            let url = try store.store(Data(count: 100))
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
            urls.append(url)
        }
        #expect(store.sweep() == [urls[0].lastPathComponent])
    }

    @Test func filesThatAreNotOursAreNeverDeleted() throws {
        let store = try temporaryStore(maxAge: .seconds(10))
        let foreign = store.directory.appendingPathComponent("keep-me.txt")
        try Data("user data".utf8).write(to: foreign)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-999)], ofItemAtPath: foreign.path)
        store.sweep()
        #expect(FileManager.default.fileExists(atPath: foreign.path))
    }
}
