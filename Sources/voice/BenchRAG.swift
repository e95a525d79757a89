import ArgumentParser
import Foundation
import Logging
import Models
import Retrieval
import VoiceCore

/// `voice bench rag`: embedding throughput, /retrieve latency over generated corpora of growing size with the
/// embedded index and a real Chroma server side by side, and recall@3 on the labelled set in knowledge/eval.json.
struct BenchRAG: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rag", abstract: "Benchmark retrieval: embedded index vs Chroma.")

    @Option(help: "Corpus sizes in chunks, comma-separated.")
    var sizes = "1000,10000,100000"

    @Option(help: "Queries per size.")
    var queries = 200

    @Flag(help: "Skip the Chroma side (it needs scripts/chroma.sh's venv).")
    var noChroma = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let logger = global.bootstrap()
        let settings = try global.settings()
        let sizes = try self.sizes.split(separator: ",").map { text in
            guard let size = Int(text), size > 0 else { throw ValidationError("sizes must be positive integers") }
            return size
        }.sorted()
        let modelURL = try ModelStore(directory: settings.modelsDirectory).require(ModelCatalog.miniLM)
        let embedder = try Embedder(modelPath: modelURL, threads: settings.threads)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bench-rag-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let eval = try EvalSet.load(settings.knowledgeDirectory.appendingPathComponent("eval.json"))

        // Quality first, on the sample knowledge base.
        let sample = KnowledgeBase(store: try SQLiteKnowledgeStore(url: scratch.appendingPathComponent("sample.db")),
                                   index: EmbeddedVectorIndex(dimensions: embedder.dimensions), embedder: embedder, logger: logger)
        try await sample.prepare(seedFrom: settings.knowledgeDirectory)
        try await Self.reportThroughput(sample)
        try await Self.reportRecall(sample, eval: eval)

        // Latency on a generated corpus, grown in place from the smallest size to the largest.
        let store = try SQLiteKnowledgeStore(url: scratch.appendingPathComponent("corpus.db"))
        var generator = try await CorpusGenerator(knowledge: sample, store: store)
        var chroma: (server: ChromaServer, index: ChromaVectorIndex)?
        if !noChroma {
            let server = try await ChromaServer.start(executable: try ChromaServer.install(repositoryRoot: Self.repositoryRoot))
            chroma = (server, try await ChromaVectorIndex.connect(baseURL: server.url))
        }
        defer { chroma?.server.stop() }
        let questions = eval.questions.flatMap { [$0.question] + ($0.asr_variant.map { [$0] } ?? []) }
        print("\n/retrieve latency, query embedding included (\(queries) queries, top_k 5)")
        print("  chunks    backend    p50 ms   p99 ms   embed  vector  bm25 (mean ms)   load s")
        for size in sizes {
            let added = try await generator.grow(to: size)
            let embedded = KnowledgeBase(store: store, index: EmbeddedVectorIndex(dimensions: embedder.dimensions),
                                         embedder: embedder, logger: logger)
            let loadStart = ContinuousClock.now
            try await embedded.prepare(seedFrom: nil)
            try await Self.reportLatency(embedded, size: size, questions: questions, count: queries,
                                         load: (ContinuousClock.now - loadStart).fractionalMilliseconds / 1000)
            if let chroma {
                let uploadStart = ContinuousClock.now
                try await chroma.index.upsert(added)
                let remote = KnowledgeBase(store: store, index: chroma.index, embedder: embedder, logger: logger)
                try await remote.prepare(seedFrom: nil)
                try await Self.reportLatency(remote, size: size, questions: questions, count: queries,
                                             load: (ContinuousClock.now - uploadStart).fractionalMilliseconds / 1000)
            }
        }
        print("  goals for embedded: p50 ≤ 15 ms at 10k chunks, ≤ 60 ms at 100k")
    }

    static var repositoryRoot: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }

    static func reportThroughput(_ knowledge: KnowledgeBase) async throws {
        let sentences = (0..<512).map { "Sentence \($0) says something about containers, ferries, bridges and cafes in Saltmere." }
        _ = try await knowledge.embed(Array(sentences.prefix(16)))
        let start = ContinuousClock.now
        _ = try await knowledge.embed(sentences)
        let seconds = (ContinuousClock.now - start).fractionalMilliseconds / 1000
        var single: [Double] = []
        for sentence in sentences.prefix(50) {
            let one = ContinuousClock.now
            _ = try await knowledge.embed([sentence])
            single.append((ContinuousClock.now - one).fractionalMilliseconds)
        }
        print("embedding (\(knowledge.modelName), batches of 16)")
        print(String(format: "  throughput %.0f sentences/s; one short query p50 %.1f ms", Double(sentences.count) / seconds,
                     percentile(single, 0.5)))
    }

    static func reportRecall(_ knowledge: KnowledgeBase, eval: EvalSet) async throws {
        let answerable = eval.questions.filter { $0.answerable && $0.expected_source != nil }
        var hits: [String: [Int]] = [:]
        var totals: [String: Int] = [:]
        for question in answerable {
            for (kind, text) in [("clean", question.question)] + (question.asr_variant.map { [("asr", $0)] } ?? []) {
                let rankings = try await knowledge.rankings(for: text, limit: 3)
                let lists = [rankings.vector, rankings.keyword, rankings.hybrid]
                let chunks = try await knowledge.store.chunks(ids: lists.flatMap { $0 })
                let found = lists.map { list in list.contains { chunks[$0]?.source == question.expected_source } ? 1 : 0 }
                hits[kind] = zip(hits[kind] ?? [0, 0, 0], found).map(+)
                totals[kind, default: 0] += 1
            }
        }
        print("\nrecall@3 on knowledge/eval.json (the expected file among the top 3 chunks)")
        print("  questions       vector   BM25     hybrid")
        for kind in ["clean", "asr"] {
            guard let total = totals[kind], let counts = hits[kind] else { continue }
            let cells = counts.map { String(format: "%.2f", Double($0) / Double(total)) }
            print("  \(kind.padding(toLength: 6, withPad: " ", startingAt: 0)) (\(String(format: "%2d", total)))     "
                  + cells.joined(separator: "     "))
        }
    }

    static func reportLatency(_ knowledge: KnowledgeBase, size: Int, questions: [String], count: Int, load: Double) async throws {
        for question in questions.prefix(5) { _ = try await knowledge.retrieve(RetrieveRequest(query: question)) }
        var totals: [Double] = []
        var parts: [String: Double] = [:]
        for index in 0..<count {
            let start = ContinuousClock.now
            let response = try await knowledge.retrieve(RetrieveRequest(query: questions[index % questions.count], top_k: 5))
            totals.append((ContinuousClock.now - start).fractionalMilliseconds)
            for key in ["embed_ms", "vector_ms", "bm25_ms"] { parts[key, default: 0] += response.timings[key] ?? 0 }
        }
        let mean = { (key: String) in (parts[key] ?? 0) / Double(count) }
        let backend = knowledge.index.backend.padding(toLength: 8, withPad: " ", startingAt: 0)
        print(String(format: "  %7d   ", size) + backend + String(format: " %7.1f  %7.1f   %5.1f  %6.1f  %5.1f            %6.1f",
                     percentile(totals, 0.5), percentile(totals, 0.99),
                     mean("embed_ms"), mean("vector_ms"), mean("bm25_ms"), load))
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }
}

/// Generated chunks for latency runs: 160 words each, 20 drawn from the sample knowledge base's text and 140
/// from a Zipf-distributed vocabulary of 50,000 made-up words (so query words match a realistic share of
/// chunks, not all of them), with vectors near real MiniLM embeddings of sample sentences (so they cluster as
/// real ones do).
struct CorpusGenerator {
    let store: SQLiteKnowledgeStore
    let vocabulary: [String]
    let anchors: [[Float]]
    var generator = SystemRandomNumberGenerator()
    private(set) var count = 0

    init(knowledge: KnowledgeBase, store: SQLiteKnowledgeStore) async throws {
        self.store = store
        var words: [String] = []
        var sentences: [String] = []
        try await knowledge.store.forEachVectorPage { page in
            let chunks = try await knowledge.store.chunks(ids: page.map(\.id))
            for chunk in chunks.values {
                words += chunk.text.split { !$0.isLetter }.map { $0.lowercased() }.filter { $0.count > 2 }
                sentences += chunk.text.split(separator: ".").map(String.init).filter { $0.count > 20 }
            }
        }
        vocabulary = words
        anchors = try await knowledge.embed(Array(sentences.prefix(400)))
    }

    /// Adds chunks up to `size` in documents of 100 chunks; returns the added records.
    mutating func grow(to size: Int) async throws -> [VectorRecord] {
        var added: [VectorRecord] = []
        while count < size {
            let documentIndex = count / 100
            let chunkCount = min(100, size - count)
            let source = "generated/\(documentIndex)-\(count).txt"
            let id = KnowledgeBase.documentID(source: source)
            var chunks: [(chunk: Chunk, vector: [Float])] = []
            for _ in 0..<chunkCount {
                let known = (0..<20).map { _ in vocabulary.randomElement(using: &generator)! }
                let made = (0..<140).map { _ in "w\(zipf())" }
                let text = (known + made).shuffled(using: &generator).joined(separator: " ")
                chunks.append((Chunk(heading: nil, text: text), vector()))
            }
            let info = DocumentInfo(id: id, source: source, title: nil, format: "text", chunks: chunkCount, bytes: 0,
                                    content_hash: "\(count)", ingested_at: Date().formatted(.iso8601))
            _ = try await store.replaceDocument(info, chunks: chunks)
            added += chunks.indices.map { VectorRecord(id: StoredChunk.id(id, $0), documentID: id, vector: chunks[$0].vector) }
            count += chunkCount
        }
        return added
    }

    /// A rank from 1 to 50,000 with probability ∝ 1/rank, by inverting the harmonic CDF approximately.
    mutating func zipf() -> Int {
        let u = Double.random(in: 0..<1, using: &generator)
        return max(1, min(50_000, Int(exp(u * log(50_000.0)))))
    }

    mutating func vector() -> [Float] {
        let anchor = anchors.randomElement(using: &generator)!
        var vector = anchor.map { $0 + Float.random(in: -0.08...0.08, using: &generator) }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for index in vector.indices { vector[index] /= norm }
        return vector
    }
}
