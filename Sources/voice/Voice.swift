import ArgumentParser

@main
struct Voice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An offline voice question-answering assistant.",
        subcommands: [Doctor.self, FetchModels.self, Serve.self, Ingest.self, QA.self, Bench.self])
}
