public import Foundation
import EspeakEngine
import HTTPTypes
import LlamaEngine
public import Logging
import Models
import OnnxEngine
import Synchronization
public import VoiceCore

/// What one ingestion did.
public struct IngestResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case created
        case replaced
        case unchanged
    }
    public var id: String
    public var source: String
    public var chunks: Int
    public var status: Status
}

/// The RAG box: ingests documents into `knowledge.db`, keeps a vector index in step with it, and answers
/// queries by fusing vector similarity and BM25 with reciprocal rank fusion, plus stored Q&A pairs.
public final class KnowledgeBase: RetrievalClient {
    public let store: any KnowledgeStore
    public let index: any VectorIndex
    public let chunker = Chunker()
    public let maxQueryCharacters = 2000
    public let topKRange = 1...50
    /// Candidates taken from each ranking before fusion.
    public let candidates = 50
    /// RRF's constant: 60, from Cormack et al. (2009); it damps the weight of the very first ranks.
    public let rrfK = 60.0
    public let modelName: String
    public let dimensions: Int
    let embedders: WorkerPool<Embedder>
    let logger: Logger
    /// Local writes, and bringing this process's copies in step, one at a time: a write spans the store and the
    /// vector index.
    private let writes = SerialGate()
    /// The content version this process's own copies (its vector index unless shared, the Q&A pairs) were brought in
    /// step with, and the chunk versions its own vector index holds.
    private let followed = Mutex<(version: Int?, chunks: [String: String])>((nil, [:]))
    private let questions = Mutex<[StoredQuestion]>([])
    private let vocabularyCache = Mutex<(version: Int, terms: [String])?>(nil)
    let termStatistics: TermStatistics
    /// How many postings (chunks holding a query word) keyword search may rank. The rarest words are kept; a word
    /// found in tens of thousands of chunks adds little to BM25's ranking but most of its cost (decision 32).
    public let keywordBudget = 10_000
    /// MiniLM vectors of evidence sentences already seen: popular chunks are asked about again and again.
    private let sentenceVectors = Mutex<[String: [Float]]>([:])
    /// MiniLM vectors of single words, for matching a question's item words by meaning (``matchingByMeaning``).
    let wordVectors = Mutex<[String: [Float]]>([:])
    let lexicon: Lexicon?
    /// Scores the returned evidence as answers (decision 54); runs on the embedding worker, whose tokenizer it uses.
    let reranker: Reranker?
    /// Respells a word no chunk holds as the knowledge base writes the same sound.
    let homophones: Homophones?
    public let evidenceRange = 0...20
    /// Logged questions older than this many days are deleted (`VOICE_LOG_RETENTION_DAYS`).
    public let questionRetentionDays: Int

    struct StoredQuestion {
        var pair: QAPair
        var exact: String
        var normalized: String
        var vector: [Float]
    }

    /// `lexicon` relates a question's words to other words of the same meaning (WordNet, when installed);
    /// `reranker` scores evidence sentences as answers; `pronounce` gives words' phonemes (``Homophones``).
    public init(store: any KnowledgeStore, index: any VectorIndex, embedder: Embedder, logger: Logger,
                lexicon: Lexicon? = Lexicon(), reranker: Reranker? = nil,
                pronounce: (@Sendable ([String]) async throws -> [String])? = nil, questionRetentionDays: Int = 30) {
        self.store = store
        self.reranker = reranker
        self.homophones = pronounce.map(Homophones.init)
        self.questionRetentionDays = questionRetentionDays
        self.lexicon = lexicon
        self.termStatistics = TermStatistics(store: store)
        self.index = index
        self.embedders = WorkerPool(name: "rag", workers: [embedder], maxQueue: 64)
        self.modelName = embedder.model.metadata("general.name") ?? "all-MiniLM-L6-v2"
        self.dimensions = embedder.dimensions
        self.logger = logger
    }

    /// Builds the service from settings: the MiniLM model, `knowledge.db` in the data folder, the configured
    /// vector index (rebuilt from the database when it disagrees), and on a first run (when `seed` is true)
    /// the sample knowledge from `settings.knowledgeDirectory`.
    public static func live(settings: Settings, logger: Logger, seed: Bool = true) async throws -> KnowledgeBase {
        let models = ModelStore(directory: settings.modelsDirectory)
        let modelURL = try models.require(ModelCatalog.miniLM)
        let embedder = try Embedder(modelPath: modelURL, threads: settings.threads)
        let store: any KnowledgeStore = if let url = settings.databaseURL {
            try await PostgresKnowledgeStore.connect(url: url, logger: logger)
        } else {
            try SQLiteKnowledgeStore(url: settings.dataDirectory.appendingPathComponent("knowledge.db"))
        }
        let index: any VectorIndex = switch settings.vectorStore {
        case .embedded: EmbeddedVectorIndex(dimensions: embedder.dimensions)
        case .chroma: try await ChromaVectorIndex.connect(baseURL: settings.chromaURL)
        }
        let lexicon = Lexicon(directory: settings.wordnetDirectory)
        if lexicon == nil {
            logger.warning("WordNet not found: questions are matched by their own words only",
                           metadata: ["path": "\(settings.wordnetDirectory.path)", "fix": "apt-get install wordnet-base"])
        }
        let reranker = try Reranker(model: try models.require(ModelCatalog.reranker),
                                    runtime: try OnnxRuntime.load(library: try models.require(ModelCatalog.onnxRuntime)),
                                    threads: settings.threads)
        // Words are said as espeak-ng's English voice says them; without it, none is respelled.
        let pronounce: (@Sendable ([String]) async throws -> [String])?
        switch EspeakSynthesizer.shared {
        case .success(let espeak): pronounce = { try await espeak.phonemes($0, voice: "en") }
        case .failure(let error):
            logger.warning("espeak-ng unavailable: misheard words are not respelled", metadata: ["error": "\(error)"])
            pronounce = nil
        }
        let knowledge = KnowledgeBase(store: store, index: index, embedder: embedder, logger: logger, lexicon: lexicon,
                                      reranker: reranker, pronounce: pronounce, questionRetentionDays: settings.logRetentionDays)
        try await knowledge.prepare(seedFrom: seed ? settings.knowledgeDirectory : nil)
        return knowledge
    }

    /// Brings the index in step with the store, loads the Q&A pairs and, the first time the store is prepared with a
    /// seed and while it is empty, ingests `seedFrom` (documents and `*.csv` Q&A files).
    public func prepare(seedFrom seed: URL?) async throws {
        try await synchronizeSharedIndex()
        try await follow()
        // Claimed first, whatever the store holds: an owner's own first ingestion also counts as the seeding.
        if let seed, FileManager.default.fileExists(atPath: seed.path), try await store.claimSeeding(),
           try await store.documents().isEmpty, questions.withLock({ $0.isEmpty }) {
            logger.info("first run: ingesting the sample knowledge", metadata: ["folder": "\(seed.path)"])
            _ = try await ingest(paths: [seed]) { url, result in
                if case .failure(let error) = result {
                    logger.warning("sample file not ingested", metadata: ["file": "\(url.path)", "error": "\(error)"])
                }
            }
        }
        // Q&A pairs stored before their answers were also evidence get their document now.
        if !questions.withLock(\.isEmpty) { try await writeQADocument() }
        // The knowledge base's words are said now, not while the first question waits.
        try await homophones?.prepare(version: try await store.contentVersion()) { try await self.store.allTexts() }
    }

    /// Brings a shared index (Chroma) in step with the store when their chunk counts differ (first start, a crash
    /// between a commit and the index update, or a switch of backend) by upserting every stored vector under its
    /// chunk id. Additive and idempotent: it also holds other replicas' chunks, and a replica that starts must
    /// never delete them.
    func synchronizeSharedIndex() async throws {
        guard !(index is EmbeddedVectorIndex) else { return }
        let stored = try await store.chunkCount()
        let indexed = try await index.count()
        guard stored != indexed else { return }
        logger.info("bringing the vector index in step", metadata: ["backend": "\(index.backend)", "chunks": "\(stored)", "indexed": "\(indexed)"])
        try await store.forEachVectorPage { try await index.upsert($0) }
    }

    /// Brings this process's own copies in step with the store when another process (a replica on the same
    /// PostgreSQL, `voice ingest` beside a running service) changed it: the embedded vector index, by the chunks
    /// added, rewritten or deleted since, and the Q&A pairs. One row read when nothing changed, so every retrieval
    /// does it and a replica answers from another's document as soon as that is committed. Returns the version read,
    /// which the retrieval's word counts are then taken at.
    @discardableResult
    func follow() async throws -> Int {
        let version = try await store.contentVersion()
        guard followed.withLock({ $0.version }) != version else { return version }
        try await writes.run {
            guard self.followed.withLock({ $0.version }) != version else { return }
            if let own = self.index as? EmbeddedVectorIndex {
                let stored = try await self.store.chunkVersions()
                let held = self.followed.withLock { $0.chunks }
                own.delete(ids: own.ids().filter { stored[$0] == nil })
                if held.isEmpty {
                    try await self.store.forEachVectorPage { own.upsert($0) }
                } else {
                    let changed = Set(stored.compactMap { id, token in held[id] == token ? nil : id })
                    if !changed.isEmpty { try await self.store.forEachVectorPage(pageSize: 500, ids: changed) { own.upsert($0) } }
                }
                self.followed.withLock { $0.chunks = stored }
            }
            try await self.reloadQuestions()
            self.followed.withLock { $0.version = version }
        }
        return version
    }

    // MARK: Embedding

    /// Vectors of `texts` by text, from `cache` where it has them; the rest are embedded and kept, up to
    /// ``maxCachedVectors`` before the cache starts again (a bound on what odd queries can grow).
    func vectors(of texts: [String], cachedIn cache: borrowing Mutex<[String: [Float]]>) async throws -> [String: [Float]] {
        var known: [String: [Float]] = cache.withLock { cache in
            var found: [String: [Float]] = [:]
            for text in texts { found[text] = cache[text] }
            return found
        }
        let missing = Array(Set(texts.filter { known[$0] == nil }))
        guard !missing.isEmpty else { return known }
        let vectors = try await embed(missing)
        for (text, vector) in zip(missing, vectors) { known[text] = vector }
        cache.withLock { cache in
            if cache.count + missing.count > Self.maxCachedVectors { cache.removeAll() }
            for (text, vector) in zip(missing, vectors) { cache[text] = vector }
        }
        return known
    }

    static let maxCachedVectors = 8192

    /// Unit-length MiniLM vectors for `texts`, computed in batches on the embedding worker.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        // Groups of 64 let queries slip in between the groups of a large ingestion.
        for page in texts.pages(of: 64) {
            let group = Array(page)
            vectors += try await embedders.run(timeout: .seconds(60)) { embedder, _ in try embedder.embed(group) }
        }
        return vectors
    }

    // MARK: Retrieval

    public func retrieve(_ request: RetrieveRequest) async throws -> RetrieveResponse {
        let asked = request.query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !asked.isEmpty else { throw APIError.badRequest("empty_query", "query must not be empty") }
        guard asked.count <= maxQueryCharacters else {
            throw APIError(.contentTooLarge, code: "query_too_long",
                           message: "query has \(asked.count) characters; the limit is \(maxQueryCharacters)")
        }
        let topK = request.top_k ?? 5
        guard topKRange.contains(topK) else {
            throw APIError.badRequest("invalid_top_k", "top_k must be from \(topKRange.lowerBound) to \(topKRange.upperBound)")
        }
        let evidenceCount = request.evidence ?? 0
        guard evidenceRange.contains(evidenceCount) else {
            throw APIError.badRequest("invalid_evidence",
                                      "evidence must be from \(evidenceRange.lowerBound) to \(evidenceRange.upperBound)")
        }
        if let minScore = request.min_score, !(-1...1).contains(minScore) {
            throw APIError.badRequest("invalid_min_score", "min_score must be from -1 to 1")
        }
        let minScore = request.min_score ?? -1
        let followUp = request.follow_up?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard followUp.count <= maxQueryCharacters else {
            throw APIError(.contentTooLarge, code: "follow_up_too_long",
                           message: "follow_up has \(followUp.count) characters; the limit is \(maxQueryCharacters)")
        }
        let clock = ContinuousClock()
        let start = clock.now
        var timings: [String: Double] = [:]
        let version = try await follow()
        let query = try await asHeard(asked, version: version)
        // The embedding and the keyword search read a fixed holiday with its date, which MiniLM does not know and a
        // document may give alone. The word rules read the question as asked and credit the date themselves; so does
        // the reranker, which given the date took sentences about other dates near it for answers (decision 63).
        let read = AnswerType.withHolidayDates(query)

        // The question without each word no chunk holds is embedded with it, in one batch: evidence ranking asks
        // whether such a word matters (``questionWords(_:version:)``, ``rankEvidence``).
        let question = evidenceCount > 0 ? try await questionWords(query, version: version) : nil
        let vectors = try await embed([read] + (question?.unknown ?? []).map(\.ablated))
        let vector = vectors[0]
        timings["embed_ms"] = (clock.now - start).fractionalMilliseconds
        let candidates = max(self.candidates, topK)
        async let vectorHits = timed { try await self.index.search(vector, limit: candidates) }
        async let keywordHits = timed { try await self.keywordSearch(read, limit: candidates, version: version) }
        let (vectorResult, keywordResult) = try await (vectorHits, keywordHits)
        timings["vector_ms"] = vectorResult.ms
        timings["bm25_ms"] = keywordResult.ms

        let fused = fuse([vectorResult.value.map(\.id), keywordResult.value])
        // Spare ids cover index entries the database no longer has (a Chroma delete that failed); they are skipped.
        let wanted = Array(fused.prefix(topK + 5))
        let chunks = try await store.chunks(ids: wanted)
        var documents: [RetrievedDocument] = []
        var used: [StoredChunk] = []
        for id in wanted {
            guard documents.count < topK, let chunk = chunks[id] else { continue }
            let similarity = Double(VectorMath.dot(vector, chunk.vector))
            guard similarity >= minScore else { continue }
            used.append(chunk)
            documents.append(RetrievedDocument(id: chunk.id, source: chunk.source, title: chunk.title, heading: chunk.heading,
                                               text: chunk.text, score: (similarity * 10_000).rounded() / 10_000))
        }
        let qaStart = clock.now
        let qa = try await answers(for: query, vector: vector, minScore: minScore)
        timings["qa_ms"] = (clock.now - qaStart).fractionalMilliseconds
        var evidence: [EvidenceSentence] = []
        if evidenceCount > 0 {
            let evidenceStart = clock.now
            let rerankMilliseconds: Double?
            var reading: FollowUpReading?
            if !followUp.isEmpty {
                let heard = try await asHeard(followUp, version: version)
                reading = FollowUpReading(analysis: try await questionWords(heard, version: version), text: heard)
            }
            (evidence, rerankMilliseconds) = try await rankEvidence(query: query, vector: vector, chunks: used, question: question!,
                                                                    followUp: reading,
                                                                    ablated: Array(vectors.dropFirst()), count: evidenceCount)
            timings["evidence_ms"] = (clock.now - evidenceStart).fractionalMilliseconds
            timings["rerank_ms"] = rerankMilliseconds
        }
        timings["total_ms"] = (clock.now - start).fractionalMilliseconds
        return RetrieveResponse(documents: documents, qa: qa, evidence: evidence,
                                timings: timings.mapValues { ($0 * 1000).rounded() / 1000 })
    }

    /// The `count` best sentences of `chunks` as evidence for `query` (``EvidenceSelector``), content words weighted
    /// by their rarity in the knowledge base (a word no chunk holds weighs most), those that state the asked
    /// kind of fact scored by the reranker; with the milliseconds the reranker took, when it ran.
    func rankEvidence(query: String, vector: [Float], chunks: [StoredChunk], question: QuestionAnalysis,
                      followUp: FollowUpReading?, ablated: [[Float]],
                      count: Int) async throws -> (evidence: [EvidenceSentence], rerankMilliseconds: Double?) {
        let candidates = EvidenceSelector.candidates(chunks)
        guard !candidates.isEmpty else { return ([], nil) }
        // A sentence opening with a pronoun is embedded with the sentence before it ("It is kept for 28 days"
        // alone is about nothing), and one a lead-in announced with the lead-in.
        let inputs = candidates.map { candidate in
            Self.embeddingText([candidate.previous, candidate.text].compactMap { $0 }.joined(separator: " "),
                               title: candidate.chunk.title, heading: candidate.heading)
        }
        let known = try await vectors(of: inputs, cachedIn: sentenceVectors)
        var words = question.words
        // A word no chunk holds is most often the item asked about, which the knowledge base lacks ("flippers");
        // but not when the question means nearly the same without it ("Is vinegar okay for descaling?"): such a
        // word is neither demanded of the evidence nor weighed as the rarest.
        words.focus.subtract(zip(question.unknown, ablated).filter { _, ablated in
            Double(VectorMath.dot(vector, ablated)) >= Self.inessentialWordSimilarity
        }.map(\.0.word))
        let embedded = zip(candidates, inputs).compactMap { candidate, input in known[input].map { (candidate, $0) } }
        var evidence = Array(EvidenceSelector.rank(embedded, query: query, question: words, queryVector: vector,
                                                   weights: question.weights, known: question.usedWords,
                                                   followUp: followUp.map { ($0.analysis.words, $0.analysis.weights) }).prefix(count))
        evidence = try await matchingByMeaning(evidence, candidates: candidates, question: words)
        // A sentence that does not state the asked kind of fact cannot be the answer; each pair costs the reranker
        // about 8 ms of both cores.
        let scored = evidence.indices.filter { evidence[$0].states_fact != false }
        guard let reranker, !scored.isEmpty else { return (evidence, nil) }
        let start = ContinuousClock.now
        // The reranker reads each sentence after its heading and what it is read with (``EvidenceSelector/Candidate/
        // previous``), as the embedding does. A sentence is found as itself before inside another (a lead-in
        // holds what it announces); one cut to a clause is found by that clause.
        let passages = scored.map { evidence[$0] }.map { sentence in
            AnswerType.spellingOutDays([sentence.heading, Self.candidate(of: sentence, in: candidates)?.previous, sentence.text]
                .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ". "))
        }
        let texts = candidates.map(\.text)
        let heard = Self.asWritten(query, unknown: question.wordsNoChunkHolds, in: texts)
        // A follow-up read with the question before it ("How much is a return for a dog? Do they have to be on a
        // lead?") asks the cross-encoder two things, and a sentence answering only the second reads as no answer to
        // both: it is also read with the follow-up alone, and the better reading counts.
        let own = followUp.map { Self.asWritten($0.text, unknown: $0.analysis.wordsNoChunkHolds, in: texts) }
        let scores = try await embedders.run(timeout: .seconds(60)) { embedder, _ in
            let joined = try reranker.scores(query: heard, passages: passages, tokenizer: embedder.model)
            guard let own else { return joined }
            return zip(joined, try reranker.scores(query: own, passages: passages, tokenizer: embedder.model)).map { max($0, $1) }
        }
        for (index, score) in zip(scored, scores) { evidence[index].answer_score = EvidenceSelector.rounded(score) }
        return (evidence, (ContinuousClock.now - start).fractionalMilliseconds)
    }

    /// `query` as the knowledge base writes what was said: split words joined (``joiningSplitWords(_:version:)``),
    /// numbers heard as words written as numbers (``writingNumbersHeardAsWords(_:version:)``) and sound-alikes
    /// respelled (``respellingHomophones(_:version:)``).
    func asHeard(_ query: String, version: Int) async throws -> String {
        let joined = try await joiningSplitWords(query, version: version)
        return try await respellingHomophones(try await writingNumbersHeardAsWords(joined, version: version), version: version)
    }

    /// Words said like a number, with the number as digits and as a word.
    static let numbersHeardAsWords: [String: (digits: String, word: String)] = ["to": ("2", "two"), "ate": ("8", "eight")]

    /// The words that may follow such a number where its phrase ends: a preposition or a conjunction ("surgery to
    /// out of action"), not a verb, pronoun or determiner ("the surgery to have a look", "the bus to the quay").
    static let afterANumberHeardAsAWord: Set<String> = ["out", "of", "in", "on", "at", "for", "from", "with", "by", "off",
                                                        "up", "and", "or", "but", "so", "if", "then"]

    /// `query` with a word said like a number written as that number ("stage to" → "stage two", "is surgery to out
    /// of action" → "surgery 2"), where the documents write the number right after the content word before it and
    /// the phrase ends there (the question does, or ``afterANumberHeardAsAWord`` follows). "Too" is left alone
    /// ("open on Sunday too?" beside "Sunday 2 November"), and so is "for" ("a room for a night", where the
    /// documents write "Room 4"). The number is written as the documents write it, in digits or as a word.
    func writingNumbersHeardAsWords(_ query: String, version: Int) async throws -> String {
        guard let homophones else { return query }
        let all = TextWords.words(query)
        let positions = all.indices.dropFirst().filter { position in
            Self.numbersHeardAsWords[all[position]] != nil && !TextWords.stopWords.contains(all[position - 1])
                && (position + 1 == all.count || Self.afterANumberHeardAsAWord.contains(all[position + 1]))
        }
        guard !positions.isEmpty else { return query }
        let index = try await homophones.index(version: version) { try await self.store.allTexts() }
        var written = query
        // From the last, so that the occurrences before each are where they were.
        for position in positions.reversed() {
            let (word, before) = (all[position], all[position - 1])
            guard let number = Self.numbersHeardAsWords[word],
                  let spelling = [number.digits, number.word].first(where: { index.writes(before, $0) }) else { continue }
            Self.replace(word, occurrence: all[..<position].filter { $0 == word }.count, with: spelling, in: &written)
        }
        return written
    }

    /// Replaces the `occurrence`th (from 0) of `word` in `text`, as a whole word in any case; false when there is
    /// none.
    @discardableResult
    static func replace(_ word: String, occurrence: Int, with replacement: String, in text: inout String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: wordStart + "\(NSRegularExpression.escapedPattern(for: word))\\b",
                                                        options: .caseInsensitive) else { return false }
        let matches = expression.matches(in: text, range: NSRange(text.startIndex..., in: text))
        guard occurrence < matches.count, let range = Range(matches[occurrence].range, in: text) else { return false }
        text.replaceSubrange(range, with: replacement)
        return true
    }

    /// `query` with each word no chunk holds written as the knowledge base writes a word said the same
    /// (``Homophones``), the commonest where several are, unless it names one of the speaker's own people ("my son"
    /// is no "Sun hat", ``QuestionWords/ownPeople(in:lexicon:)``). A word chunks do hold is respelled only where a
    /// content word next to it is written beside the other spelling and none beside this one ("the see view one" → "sea
    /// view", but not "the Lite SIM" → "light", though the documents write "the light"); so is a word no chunk
    /// holds that is one sound from a word chunks hold ("the double kayack" → "kayak"). The replacement is in lower
    /// case, as a joined word is.
    func respellingHomophones(_ query: String, version: Int) async throws -> String {
        guard let homophones else { return query }
        let all = TextWords.words(query)
        let words = Array(Set(all.filter(Homophones.mayBeRespelled)))
        guard !words.isEmpty else { return query }
        let (exact, index) = try await homophones.spellings(of: words, version: version) { try await self.store.allTexts() }
        var spellings = exact
        // A word no chunk holds and none is said like may be one misheard by a sound ("the double kayack", "the
        // electric motor bolt"); it is respelled only where a word next to it is written beside the other spelling.
        let heard = try await termStatistics.snapshot(for: words, version: version).frequencies
        let unheard = words.filter { spellings[$0] == nil && (heard[$0] ?? 0) == 0 }
        let near = unheard.isEmpty ? [:] : try await homophones.spellings(of: unheard, version: version, near: true) {
            try await self.store.allTexts()
        }.others
        spellings.merge(near) { same, _ in same }
        guard !spellings.isEmpty else { return query }
        let frequencies = try await termStatistics.snapshot(for: words + spellings.values.joined(), version: version).frequencies
        var respelled = query
        // The speaker's own people are said as meant: "my son" is no "Sun hat".
        let own = QuestionWords.ownPeople(in: all, lexicon: lexicon)
        // Each occurrence is judged where it stands ("can I see the see view room" respells only the second), so
        // an occurrence is found again by how many of the word's occurrences before it are still as heard.
        var respelledBefore: [String: Int] = [:]
        for (position, word) in all.enumerated() {
            guard var options = spellings[word], !own.contains(word) else { continue }
            if (frequencies[word] ?? 0) > 0 || near[word] != nil {
                // Stop words are written beside every word, so only a content word next to it tells.
                let before = position > 0 ? all[position - 1] : nil
                let after = position + 1 < all.count ? all[position + 1] : nil
                let fits = { (spelling: String) in
                    before.map { !TextWords.stopWords.contains($0) && index.writes($0, spelling) } == true
                        || after.map { !TextWords.stopWords.contains($0) && index.writes(spelling, $0) } == true
                }
                options = fits(word) ? [] : options.filter(fits)
            }
            guard let spelling = options.max(by: { ((frequencies[$0] ?? 0), $1) < ((frequencies[$1] ?? 0), $0) }) else { continue }
            let occurrence = all[..<position].filter { $0 == word }.count - respelledBefore[word, default: 0]
            if Self.replace(word, occurrence: occurrence, with: spelling, in: &respelled) { respelledBefore[word, default: 0] += 1 }
        }
        return respelled
    }

    /// `query` with two adjacent words written as one where the knowledge base has the one and lacks either of the
    /// two, as speech recognition splits a compound or a name it does not know ("inter library loan" →
    /// "interlibrary loan", "stow ford" → "stowford"; the joined word is written in lower case). Stop words are
    /// left apart: "a part" is not "apart". "Re" is a prefix ("re cycling"), joined whenever the knowledge base
    /// writes the word, unless it is what is left of "we're". Letters spelled out are the initialism the documents
    /// write ("d v d" → "dvd" for "DVDs").
    func joiningSplitWords(_ query: String, version: Int) async throws -> String {
        let words = TextWords.words(query)
        let prefixes = Set(words.indices.filter { words[$0] == "re" && ($0 == 0 || !Self.beforeContractedAre.contains(words[$0 - 1])) })
        let pairs = zip(words.indices, words.indices.dropFirst()).filter { first, second in
            (prefixes.contains(first) || !TextWords.stopWords.contains(words[first])) && !TextWords.stopWords.contains(words[second])
        }.map { (first: words[$0], second: words[$1], prefix: prefixes.contains($0)) }
        let initialisms = Self.spelledLetters(in: query)
        let spokenCodes = Self.spokenCodes(in: words)
        guard !pairs.isEmpty || !initialisms.isEmpty || !spokenCodes.isEmpty else { return query }
        var terms: [String] = pairs.flatMap { [$0.first, $0.second, $0.first + $0.second] }
        terms += initialisms.flatMap { [$0, $0 + "s"] }
        terms += spokenCodes.flatMap { [$0.word] + $0.codes }
        let frequencies = try await termStatistics.snapshot(for: Array(Set(terms)), version: version).frequencies
        var joined = query
        for letters in initialisms where (frequencies[letters] ?? 0) + (frequencies[letters + "s"] ?? 0) > 0 {
            joined = joined.replacingOccurrences(of: Self.wordStart + letters.map(String.init).joined(separator: "[\\s.-]+") + "\\b\\.?",
                                                 with: letters, options: [.regularExpression, .caseInsensitive])
        }
        for (first, second, prefix) in pairs where (frequencies[first + second] ?? 0) > 0
            && (prefix || (frequencies[first] ?? 0) == 0 || (frequencies[second] ?? 0) == 0) {
            joined = joined.replacingOccurrences(of: Self.wordStart + "\(first)[\\s-]+\(second)\\b", with: first + second,
                                                 options: [.regularExpression, .caseInsensitive])
        }
        // A code said aloud and written as words ("cave seven" for "K7"): the code the documents write, when they do
        // not write the word. Read as the code, the question names its item, so a sentence about another code
        // ("K9") is not taken for it.
        for spoken in spokenCodes where (frequencies[spoken.word] ?? 0) == 0 {
            let written = spoken.codes.filter { (frequencies[$0] ?? 0) > 0 }
            guard let code = written.max(by: { (frequencies[$0] ?? 0) < (frequencies[$1] ?? 0) }) else { continue }
            joined = joined.replacingOccurrences(of: Self.wordStart + "\(spoken.word)[\\s-]+\(spoken.number)\\b", with: code,
                                                 options: [.regularExpression, .caseInsensitive])
        }
        return joined
    }

    /// Each word followed by a number, in words or digits ("cave seven", "cave 7"), with the codes it may stand
    /// for: a letter that sounds like the word's first one, then the number ("c7", "k7", "q7"), as
    /// ``QuestionWords/isCode(_:letter:value:)`` matches them.
    static func spokenCodes(in words: [String]) -> [(word: String, number: String, codes: [String])] {
        zip(words, words.dropFirst()).compactMap { word, number in
            guard !TextWords.stopWords.contains(word), let letter = word.first, letter.isLetter,
                  let value = SpokenNumbers.value(of: number) ?? Int(number) else { return nil }
            let codes = "abcdefghijklmnopqrstuvwxyz".map { "\($0)\(value)" }
                .filter { QuestionWords.isCode($0, letter: letter, value: value) }
            return codes.isEmpty ? nil : (word, number, codes)
        }
    }

    /// Where a word of the query starts, not inside a contraction: "we're open" is not "we reopen".
    static let wordStart = "(?<![\\w'’])"

    /// The words "'re" is written after ("we're", "what're").
    static let beforeContractedAre: Set<String> = ["we", "you", "they", "what", "who", "where", "there", "here"]

    /// Letters spelled out one by one ("d v d", "B.B.Q."), each run as one word: never "a" or "i", which are words,
    /// nor a letter left of a contraction ("I'm", "it's").
    static func spelledLetters(in query: String) -> [String] {
        query.lowercased().matches(of: #/(?:^|[\s(])([b-hj-z](?:[\s.-]+[b-hj-z])+)(?=$|[\s?!,;:.)])/#).map { String($0.1.filter(\.isLetter)) }
    }

    /// A follow-up's own words as heard, and what the knowledge base says of them.
    struct FollowUpReading {
        var analysis: QuestionAnalysis
        var text: String
    }

    /// A question's words with what the knowledge base says of them: how rare each is, which ones no chunk holds,
    /// and the question without each of those (to be embedded).
    struct QuestionAnalysis {
        var words: QuestionWords
        var weights: [String: Double]
        var usedWords: Set<String>
        var unknown: [(word: String, ablated: String)]

        /// Every content word of the question that no chunk holds, in the focus or not.
        var wordsNoChunkHolds: Set<String> { Set(words.words).subtracting(usedWords) }
    }

    func questionWords(_ query: String, version: Int) async throws -> QuestionAnalysis {
        let question = QuestionWords(query, lexicon: lexicon)
        let statistics = try await termStatistics.snapshot(for: question.words, version: version)
        let total = Double(statistics.chunks)
        let weights = Dictionary(uniqueKeysWithValues: question.words.map { word in
            (word, log((total + 1) / (Double(statistics.frequencies[word] ?? 0) + 0.5)))
        })
        let usedWords = Set(question.words.filter { (statistics.frequencies[$0] ?? 0) > 0 })
        let all = TextWords.words(query)
        let unknown = question.focus.filter { !usedWords.contains($0) && !question.names.contains($0) }.sorted()
        return QuestionAnalysis(words: question, weights: weights, usedWords: usedWords,
                                unknown: unknown.map { word in (word, all.filter { $0 != word }.joined(separator: " ")) })
    }

    /// `query` as the knowledge base writes it, for the reranker, which reads words as spelled: each word of
    /// `unknown` (words no chunk holds) that sounds like a word of `texts` becomes that word ("Can I put the
    /// cattle in the dishwasher?" → "kettle"), and two words the texts write as one become it ("stow ford" →
    /// "stowford", "cave nine" → "k9"), as the word rules match them (``QuestionWords/writtenAsOne(_:_:in:keys:)``).
    static func asWritten(_ query: String, unknown: Set<String>, in texts: [String]) -> String {
        // Most questions have no such word: the texts' words are only gathered for one that has.
        guard !unknown.isEmpty else { return query }
        let textWords = Set(texts.flatMap(TextWords.words))
        guard !textWords.isEmpty else { return query }
        var words = TextWords.words(query)
        let spellings = textWords.sorted()
        var changed = false
        var index = 0
        while index < words.count {
            let word = words[index]
            // Not by sound: a pair that holds a short word sounds like too many others ("in stow").
            if index + 1 < words.count, unknown.contains(word) || unknown.contains(words[index + 1]),
               let joined = QuestionWords.writtenAsOne(word, words[index + 1], in: textWords) {
                words.replaceSubrange(index...(index + 1), with: [joined])
                changed = true
                index += 1
                continue
            }
            if unknown.contains(word),
               let written = spellings.first(where: { TextWords.matches(word, in: [$0], keys: [SoundKey.of($0)]) }) {
                words[index] = written
                changed = true
            }
            index += 1
        }
        return changed ? words.joined(separator: " ") + "?" : query
    }

    /// How similar (MiniLM) a question must stay without a word for that word not to matter. Dev: words that
    /// only colour the question ("okay", "together", "customers") left it at 0.90 to 0.98; items the knowledge base
    /// lacks ("flippers", "voltage", "email") at 0.82 and below.
    static let inessentialWordSimilarity = 0.9

    /// Chunk ids best first by BM25 over the query's rarest words, within ``keywordBudget`` postings (always at
    /// least the rarest word), counted at content `version`.
    func keywordSearch(_ query: String, limit: Int, version: Int) async throws -> [String] {
        let words = SearchText.searchTerms(query)
        guard !words.isEmpty else { return [] }
        let frequencies = try await termStatistics.snapshot(for: words, version: version).frequencies
        return try await store.keywordSearch(terms: Self.keywordTerms(words, frequencies: frequencies, budget: keywordBudget),
                                             limit: limit)
    }

    /// `words` rarest first, as many as fit in `budget` postings, and at least one.
    static func keywordTerms(_ words: [String], frequencies: [String: Int], budget: Int) -> [String] {
        var terms: [String] = []
        var postings = 0
        for word in words.sorted(by: { frequencies[$0] ?? 0 < frequencies[$1] ?? 0 }) {
            let count = frequencies[word] ?? 0
            if !terms.isEmpty && postings + count > budget { break }
            terms.append(word)
            postings += count
        }
        return terms
    }

    /// What is embedded for a chunk or an evidence sentence: the title and heading go in too, so "opening hours"
    /// and "It is closed every Tuesday" know whose.
    static func embeddingText(_ text: String, title: String?, heading: String?) -> String {
        let context = [title, heading == title ? nil : heading].compactMap { $0 }.joined(separator: " — ")
        return context.isEmpty ? text : "\(context). \(text)"
    }

    /// Reciprocal rank fusion: each list adds 1 / (k + rank) to an id; ids sorted by the sum, best first.
    func fuse(_ rankings: [[String]]) -> [String] {
        var scores: [String: Double] = [:]
        var firstSeen: [String: Int] = [:]
        for ranking in rankings {
            for (rank, id) in ranking.enumerated() {
                scores[id, default: 0] += 1 / (rrfK + Double(rank + 1))
                if firstSeen[id] == nil { firstSeen[id] = firstSeen.count }
            }
        }
        return scores.keys.sorted { scores[$0]! != scores[$1]! ? scores[$0]! > scores[$1]! : firstSeen[$0]! < firstSeen[$1]! }
    }

    /// Vector-only and BM25-only rankings, for measuring what fusion adds (`voice bench rag`).
    public func rankings(for query: String, limit: Int) async throws -> (vector: [String], keyword: [String], hybrid: [String]) {
        let vector = try await embed([query])[0]
        let vectorIDs = try await index.search(vector, limit: max(limit, candidates)).map(\.id)
        let keywordIDs = try await keywordSearch(query, limit: max(limit, candidates), version: try await store.contentVersion())
        let hybrid = fuse([vectorIDs, keywordIDs])
        return (Array(vectorIDs.prefix(limit)), Array(keywordIDs.prefix(limit)), Array(hybrid.prefix(limit)))
    }

    /// Stored Q&A pairs for `query`: the same question (1.0), the same after normalisation (0.98), or a question
    /// close in meaning (its cosine similarity, from 0.8; from 0.6 when its words also match through FTS5).
    func answers(for query: String, vector: [Float], minScore: Double) async throws -> [QAHit] {
        let keywordMatches = Set(try await store.keywordSearchQuestions(query, limit: 3))
        let exact = query.lowercased()
        let normalized = SearchText.normalize(query)
        let hits: [QAHit] = questions.withLock { stored in
            stored.compactMap { entry in
                let score: Double
                if entry.exact == exact {
                    score = 1
                } else if entry.normalized == normalized {
                    score = 0.98
                } else {
                    let similarity = Double(VectorMath.dot(vector, entry.vector))
                    let floor = keywordMatches.contains(entry.normalized) ? 0.6 : 0.8
                    guard similarity >= floor else { return nil }
                    score = min(similarity, 0.97)
                }
                return QAHit(question: entry.pair.question, answer: entry.pair.answer, score: (score * 10_000).rounded() / 10_000)
            }
        }
        return Array(hits.filter { $0.score >= minScore }.sorted { $0.score > $1.score }.prefix(3))
    }

    func reloadQuestions() async throws {
        let pairs = try await store.qaPairs()
        questions.withLock {
            $0 = pairs.map { StoredQuestion(pair: $0.pair, exact: $0.pair.question.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(),
                                            normalized: SearchText.normalize($0.pair.question), vector: $0.vector) }
        }
    }

    // MARK: Ingestion

    /// Stable document id for a source name: a readable slug plus a hash, so re-ingesting a source replaces it.
    public static func documentID(source: String) -> String {
        let slug = TextWords.words(source).joined(separator: "-").prefix(48)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in source.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return "\(slug)-\(String(hash, radix: 16).suffix(8))"
    }

    /// Ingests one document: text extraction, chunking, embedding, then one transaction. An unchanged source
    /// (same bytes) is left as it is.
    public func ingest(source: String, data: Data, format: DocumentFormat) async throws -> IngestResult {
        let source = source.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !source.isEmpty, source.count <= 512 else {
            throw APIError.badRequest("invalid_source", "source must be a name of 1 to 512 characters")
        }
        guard !data.isEmpty else { throw APIError.badRequest("empty_document", "the document is empty") }
        let id = Self.documentID(source: source)
        let hash = Self.contentHash(data)
        // The same bytes were read and stored before: nothing to extract again (the Q&A document is written at
        // every start).
        if let existing = try await store.document(id: id), existing.content_hash == hash {
            return IngestResult(id: id, source: source, chunks: existing.chunks, status: .unchanged)
        }
        let text = try DocumentText.extract(data, format: format)
        guard !text.isEmpty else { throw APIError.badRequest("empty_document", "the document contains no text") }
        let chunks = chunker.chunks(text)
        let inputs = chunks.map { Self.embeddingText($0.text, title: text.title, heading: $0.heading) }
        // Embedding, the slow part, happens outside the write gate, so retrievals that bring this process in step
        // (``follow()``) never wait for it.
        let vectors = try await embed(inputs)
        return try await writes.run {
            let existing = try await self.store.document(id: id)
            if let existing, existing.content_hash == hash {
                return IngestResult(id: id, source: source, chunks: existing.chunks, status: .unchanged)
            }
            let info = DocumentInfo(id: id, source: source, title: text.title, format: format.rawValue, chunks: chunks.count,
                                    bytes: data.count, content_hash: hash, ingested_at: Date().formatted(.iso8601))
            let previous = try await self.store.replaceDocument(info, headings: text.sections.compactMap(\.heading),
                                                                chunks: Array(zip(chunks, vectors)))
            try await self.index.delete(ids: previous)
            try await self.index.upsert(zip(chunks.indices, vectors).map {
                VectorRecord(id: StoredChunk.id(id, $0), documentID: id, vector: $1)
            })
            return IngestResult(id: id, source: source, chunks: chunks.count, status: existing == nil ? .created : .replaced)
        }
    }

    static func contentHash(_ data: Data) -> String {
        // Two FNV-1a lanes (forward, and over byte+position) make a 128-bit fingerprint for change detection.
        var a: UInt64 = 0xcbf2_9ce4_8422_2325
        var b: UInt64 = 0x6c62_272e_07bb_0142
        for (position, byte) in data.enumerated() {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte) ^ UInt64(truncatingIfNeeded: position) << 8) &* 0x0000_0100_0000_01b3
        }
        return String(a, radix: 16) + String(b, radix: 16)
    }

    /// Ingests files and folders (walked recursively): documents by extension, `*.csv` as Q&A. Sources are
    /// paths relative to the folder given, or the file name. `progress` hears of each file once it is committed
    /// (or has failed; one bad file does not stop the others).
    public func ingest(paths: [URL], progress: (URL, Result<String, any Error>) -> Void) async throws -> [IngestResult] {
        var results: [IngestResult] = []
        for root in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
                throw APIError.notFound("no such file or folder: \(root.path)")
            }
            let files: [(url: URL, source: String)] = isFolder.boolValue
                ? Self.files(under: root) : [(root, root.lastPathComponent)]
            for (url, source) in files {
                do {
                    if url.pathExtension.lowercased() == "csv" {
                        let count = try await importQA(csv: try Data(contentsOf: url))
                        progress(url, .success("imported \(count) Q&A pairs from \(source)"))
                    } else if let format = DocumentFormat(fileName: url.lastPathComponent) {
                        let result = try await ingest(source: source, data: try Data(contentsOf: url), format: format)
                        results.append(result)
                        progress(url, .success("\(result.status.rawValue) \(result.source) id=\(result.id) chunks=\(result.chunks)"))
                    }
                } catch {
                    progress(url, .failure(error))
                }
            }
        }
        return results
    }

    static func files(under root: URL) -> [(url: URL, source: String)] {
        let base = root.standardizedFileURL.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var files: [(URL, String)] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            let relative = path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : url.lastPathComponent
            files.append((url, relative))
        }
        return files.sorted { $0.1 < $1.1 }
    }

    public func documents() async throws -> [DocumentInfo] {
        try await store.documents()
    }

    public func deleteDocument(id: String) async throws {
        try await writes.run {
            guard let removed = try await self.store.deleteDocument(id: id) else {
                throw APIError.notFound("no document with id '\(id)'")
            }
            try await self.index.delete(ids: removed)
        }
    }

    // MARK: Q&A

    /// Imports a CSV with a header naming `question` and `answer` (and optionally `tags`, separated by `;`).
    public func importQA(csv data: Data) async throws -> Int {
        guard let text = String(data: data, encoding: .utf8) else {
            throw APIError.badRequest("invalid_encoding", "the CSV is not valid UTF-8")
        }
        return try await importQA(try QACSV.parse(text))
    }

    /// Stores `pairs`, replacing the answer of a question already stored.
    public func importQA(_ pairs: [QAPair]) async throws -> Int {
        let vectors = try await embed(pairs.map(\.question))
        try await writes.run {
            try await self.store.upsertQA(Array(zip(pairs, vectors)))
            try await self.reloadQuestions()
        }
        try await writeQADocument()
        return pairs.count
    }

    public func deleteQA(id: Int64) async throws {
        try await writes.run {
            guard try await self.store.deleteQA(id: id) else { throw APIError.notFound("no Q&A pair with id \(id)") }
            try await self.reloadQuestions()
        }
        try await writeQADocument()
    }

    /// The source name of the document the Q&A pairs are also stored as (``writeQADocument()``).
    public static let qaDocumentSource = "Q&A pairs"

    /// Stores the Q&A pairs as one FAQ document too, each question a heading over its answer, so that their answers
    /// are evidence like any page's: a stored question only answers as it stands when it is asked almost word for
    /// word, and a customer words it their own way ("How much to plug it in and see what's wrong?" for "How much is
    /// a diagnostic check?"). Rewritten whenever the pairs change; unchanged pairs leave it as it is.
    func writeQADocument() async throws {
        let pairs = try await store.qaPairs().map(\.pair)
        guard !pairs.isEmpty else {
            let id = Self.documentID(source: Self.qaDocumentSource)
            if try await store.document(id: id) != nil { try await deleteDocument(id: id) }
            return
        }
        _ = try await ingest(source: Self.qaDocumentSource, data: Data(QACSV.page(pairs).utf8), format: .html)
    }

    public func qaPairs() async throws -> [QAPair] {
        try await store.qaPairs().map(\.pair)
    }

    // MARK: Vocabulary

    /// The knowledge base's names and terms (``DomainVocabulary``), recomputed only after the content changed.
    public func vocabulary() async throws -> [String] {
        let version = try await store.contentVersion()
        if let cached = vocabularyCache.withLock({ $0 }), cached.version == version { return cached.terms }
        let terms = DomainVocabulary.terms(in: try await store.allTexts())
        vocabularyCache.withLock { $0 = (version, terms) }
        return terms
    }

    public func health() async throws -> HealthReport {
        let documents = try await store.documents().count
        return HealthReport(service: "rag", details: [
            "store": store.engine, "backend": index.backend, "chunks": "\(try await store.chunkCount())", "indexed": "\(try await index.count())",
            "documents": "\(documents)", "qa": "\(questions.withLock { $0.count })", "model": modelName,
        ])
    }
}

/// Runs async critical sections one at a time, in arrival order: two interleaved writes of one document could leave
/// the store and the vector index disagreeing.
actor SerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}

func timed<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> (value: T, ms: Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    return (value, (clock.now - start).fractionalMilliseconds)
}
