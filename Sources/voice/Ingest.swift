import ArgumentParser
import Foundation
import Retrieval
import VoiceCore

/// `voice ingest PATH…`: documents into the knowledge base in the data folder, one transaction each.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ingest text, Markdown, HTML and PDF files (folders walked recursively; *.csv as Q&A).")

    @Argument(help: "Files or folders.")
    var paths: [String]

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrap()
        let knowledge = try await KnowledgeBase.live(settings: try global.settings(), logger: logger, seed: false)
        var failures = 0
        _ = try await knowledge.ingest(paths: paths.map { URL(fileURLWithPath: $0) }) { url, result in
            switch result {
            case .success(let line):
                // Written unbuffered: each line is an acknowledgement that the file is committed.
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            case .failure(let error):
                failures += 1
                FileHandle.standardError.write(Data("failed \(url.path): \(error)\n".utf8))
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }
}

/// `voice qa import FILE.csv`.
struct QA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "qa", abstract: "Manage the stored Q&A pairs.",
                                                    subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import question/answer pairs from a CSV with columns question, answer and optionally tags (;-separated).")

        @Argument(help: "The CSV file.")
        var file: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let logger = global.bootstrap()
            let knowledge = try await KnowledgeBase.live(settings: try global.settings(), logger: logger, seed: false)
            let count = try await knowledge.importQA(csv: try Data(contentsOf: URL(fileURLWithPath: file)))
            print("imported \(count) Q&A pairs")
        }
    }
}

/// `voice knowledge copy --from data/knowledge.db`.
struct Knowledge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Move the knowledge between stores.", subcommands: [Copy.self])

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a knowledge.db (documents with their vectors, Q&A, widget keys, the question log) into the PostgreSQL store of VOICE_DATABASE_URL.")

        @Option(help: "The SQLite knowledge store to copy from.")
        var from: String

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let logger = global.bootstrap()
            guard let url = try global.settings().databaseURL else {
                throw ValidationError("set VOICE_DATABASE_URL to the PostgreSQL database to copy into")
            }
            guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("no such file: \(from)") }
            let source = try SQLiteKnowledgeStore(url: URL(fileURLWithPath: from))
            let target = try await PostgresKnowledgeStore.connect(url: url, logger: logger, timeout: .seconds(10))
            let copied = try await KnowledgeCopy.copy(from: source, to: target)
            // The target now holds knowledge: a replica starting on it must not add the sample knowledge.
            _ = try await target.claimSeeding()
            print("copied \(copied.documents) documents, \(copied.pairs) Q&A pairs, \(copied.keys) widget keys, "
                  + "\(copied.questions) logged questions")
        }
    }
}
