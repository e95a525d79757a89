import Foundation
import GRDB
import Retrieval
import Testing
import VoiceCore
import VoiceTesting

/// `voice ingest` killed with SIGKILL in the middle of a run: every document it acknowledged is fully there,
/// and no document is there by halves.
@Suite struct IngestionCrashTests {
    @Test func killDashNineMidIngestionLosesNothingAcknowledgedAndLeavesNoHalfDocument() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        let corpus = directory.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus, withIntermediateDirectories: true)
        for file in 0..<80 {
            let text = (0..<60).map { "Report \(file) paragraph \($0) notes the tide, the wind and the harbour lights." }
            try ("# Report \(file)\n\n" + text.joined(separator: " ")).write(to: corpus.appendingPathComponent("report-\(file).md"),
                                                                            atomically: true, encoding: .utf8)
        }
        let executable = ServiceProcess.executable
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the voice executable first: \(executable.path)")

        let process = Process()
        process.executableURL = executable
        process.arguments = ["ingest", corpus.path]
        var environment = ProcessInfo.processInfo.environment
        environment["VOICE_DATA_DIR"] = directory.appendingPathComponent("data").path
        environment["VOICE_MODELS_DIR"] = Fixtures.settings.modelsDirectory.path
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Read acknowledgements until a handful arrived, then kill without warning.
        var text = ""
        let reader = output.fileHandleForReading
        while text.split(separator: "\n").count < 6 {
            let data = reader.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        text += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .uncaughtSignal)
        let acknowledged = text.split(separator: "\n").compactMap { line -> (source: String, chunks: Int)? in
            let fields = line.split(separator: " ")
            guard fields.count == 4, fields[0] == "created", let chunks = Int(fields[3].dropFirst("chunks=".count)) else { return nil }
            return (String(fields[1]), chunks)
        }
        #expect(acknowledged.count >= 6)
        #expect(acknowledged.count < 80, "the kill came before the end")

        let store = try SQLiteKnowledgeStore(url: directory.appendingPathComponent("data/knowledge.db"))
        let documents = Dictionary(uniqueKeysWithValues: try await store.documents().map { ($0.source, $0) })
        for (source, chunks) in acknowledged {
            #expect(documents[source]?.chunks == chunks, "\(source) was acknowledged with \(chunks) chunks")
        }
        let pool = try DatabasePool(path: directory.appendingPathComponent("data/knowledge.db").path)
        try await pool.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            let halves = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM documents d
                WHERE d.chunk_count != (SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id)
                """)
            #expect(halves == 0)
            let orphans = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)")
            #expect(orphans == 0)
            let indexed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks_fts")
            #expect(indexed == (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks")))
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
