import ArgumentParser

@main
struct Voice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "An offline voice question-answering assistant.",
        subcommands: [Up.self, Ask.self, Serve.self, Ingest.self, QA.self, Knowledge.self, FetchModels.self, Doctor.self, Bench.self, Eval.self])
}
