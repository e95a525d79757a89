import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PostgresNIO
@testable import Retrieval
import Testing
import VoiceCore
import VoiceTesting

/// The deployed layout's shared knowledge: RAG replicas on one real PostgreSQL server (started for this suite),
/// with their own embedded vector indexes or one Chroma server.
@Suite(.serialized) struct SharedKnowledgeStoreTests {
    static let ferry = "The ferry to Gull Island leaves Saltmere Pier at 9:40 every morning and costs 6 dollars."

    func withServer(_ body: (PostgresServer) async throws -> Void) async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        try await body(server)
    }

    /// A RAG replica as the deployment runs it: its own process and data folder, the shared database.
    func replica(_ server: PostgresServer, environment: [String: String] = [:]) async throws -> ServiceProcess {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("replica-\(UUID().uuidString)")
        return try await ServiceProcess(["serve", "rag"], port: try LoopbackPort.free(), environment: [
            "VOICE_DATABASE_URL": server.url().absoluteString, "VOICE_DATA_DIR": data.path, "VOICE_THREADS": "1",
        ].merging(environment) { $1 }, readyMeansOK: true)
    }

    func post(_ path: String, to service: ServiceProcess, json: String) async throws -> (status: Int, body: [String: Any]) {
        var request = URLRequest(url: URL(string: service.url + path)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(json.utf8)
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    func topSource(_ question: String, from service: ServiceProcess) async throws -> String? {
        let (_, body) = try await post("/retrieve", to: service, json: #"{"query": "\#(question)", "top_k": 1}"#)
        return ((body["documents"] as? [[String: Any]])?.first)?["source"] as? String
    }

    func documents(of service: ServiceProcess) async throws -> [String] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: service.url + "/documents")!)
        let body = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return ((body?["documents"] as? [[String: Any]]) ?? []).compactMap { entry in
            (entry["source"] as? String).map { "\($0):\(entry["chunks"] ?? 0):\(entry["content_hash"] ?? "")" }
        }.sorted()
    }

    static let question = "When does the ferry to Gull Island leave?"

    /// Posts the ferry document to `writer` and expects `reader` to rank it first within 2 s, polling.
    func expectPostedDocumentSeen(writer: ServiceProcess, reader: ServiceProcess) async throws {
        let (status, _) = try await post("/documents", to: writer, json: #"{"source": "gull-ferry.md", "text": "\#(Self.ferry)"}"#)
        #expect(status == 201)
        let deadline = ContinuousClock.now + .seconds(2)
        var seen = false
        while !seen && ContinuousClock.now < deadline {
            seen = try await topSource(Self.question, from: reader) == "gull-ferry.md"
            if !seen { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(seen, "the other replica did not retrieve the new document within 2 s")
    }

    @Test func retrievalOverPostgreSQLRanksAsOverSQLite() async throws {
        try await withServer { server in
            let store = try await PostgresKnowledgeStore.connect(url: server.url(), logger: Logger(label: "test"))
            let shared = try await TestKnowledge(store: store)
            let local = try await TestKnowledge()
            #expect(try await store.chunkCount() == local.knowledge.store.chunkCount())
            // BM25 (FTS5) and PostgreSQL's rarity-weighted ts_rank differ lower down; the best document is the same.
            for query in ["What is Docker?", "When did the Zorblat Bridge open?", "How much does a cup lot cost?",
                          "Can I bring my dog on the ferry?", "How long does the crossing take?"] {
                let (viaPostgres, viaSQLite) = (try await shared.sources(query), try await local.sources(query))
                #expect(viaPostgres.first == viaSQLite.first, "\(query): \(viaPostgres) vs \(viaSQLite)")
            }
            let pairs = try await shared.knowledge.qaPairs()
            #expect(pairs.count == (try await local.knowledge.qaPairs()).count)
            try await shared.knowledge.deleteQA(id: try #require(pairs.first?.id))
            #expect(try await shared.knowledge.qaPairs().count == pairs.count - 1)
        }
    }

    /// How a deployment moves from `knowledge.db` to PostgreSQL: everything comes along, nothing twice.
    @Test func aKnowledgeDBCopiedIntoPostgreSQLAnswersAlikeAndCopyingAgainAddsNothing() async throws {
        try await withServer { server in
            let local = try await TestKnowledge()
            _ = try await local.knowledge.makeWidgetKey(name: "shop", origins: ["https://shop.example"])
            try await local.knowledge.record(LoggedQuestion(asked_at: LoggedQuestion.timestamp(), session_id: nil,
                                                            question: "Do you sell gift cards?", answer: "I don't know.",
                                                            answer_kind: "not_covered", decline_reason: nil, sources: [], timings: [:]))
            let store = try await PostgresKnowledgeStore.connect(url: server.url(), logger: Logger(label: "test"))
            let copied = try await KnowledgeCopy.copy(from: local.knowledge.store, to: store)
            #expect(copied.documents == (try await local.knowledge.documents()).count)
            #expect((copied.keys, copied.questions) == (1, 1))
            #expect(try await store.chunkCount() == local.knowledge.store.chunkCount())
            let again = try await KnowledgeCopy.copy(from: local.knowledge.store, to: store)
            #expect((again.keys, again.questions) == (0, 0))
            #expect(try await store.qaPairs().count == copied.pairs)
            let shared = try await TestKnowledge(seed: false, store: store)
            for query in ["When did the Zorblat Bridge open?", "Can I bring my dog on the ferry?"] {
                #expect(try await shared.sources(query).first == local.sources(query).first, "\(query)")
            }
            #expect(try await shared.knowledge.gaps().map(\.question) == ["Do you sell gift cards?"])
        }
    }

    @Test func aDocumentPostedToOneReplicaIsRetrievedByTheOtherAndSurvivesKills() async throws {
        try await withServer { server in
            let first = try await replica(server)
            let second = try await replica(server)
            let before = try await documents(of: second)
            #expect(!before.isEmpty, "the first replica seeds the sample knowledge once; the second finds it")
            #expect(try await documents(of: first) == before)

            try await expectPostedDocumentSeen(writer: first, reader: second)
            let after = try await documents(of: second)
            #expect(after.count == before.count + 1)

            // SIGKILL either replica and start it again: the shared store loses and deletes nothing.
            kill(second.process.processIdentifier, SIGKILL)
            second.stop()
            let secondAgain = try await replica(server)
            #expect(try await documents(of: secondAgain) == after)
            #expect(try await topSource(Self.question, from: secondAgain) == "gull-ferry.md")
            kill(first.process.processIdentifier, SIGKILL)
            first.stop()
            let firstAgain = try await replica(server)
            #expect(try await documents(of: firstAgain) == after)
            #expect(try await topSource(Self.question, from: firstAgain) == "gull-ferry.md")
        }
    }

    /// The sample knowledge is put in once: knowledge its owner deleted stays deleted when another replica starts.
    @Test func aReplicaStartingAfterTheOwnerEmptiedTheStoreDoesNotSeedItAgain() async throws {
        try await withServer { server in
            let first = try await replica(server)
            let store = try await PostgresKnowledgeStore.connect(url: server.url(), logger: Logger(label: "test"))
            for document in try await store.documents() { _ = try await store.deleteDocument(id: document.id) }
            for pair in try await store.qaPairs() { _ = try await store.deleteQA(id: try #require(pair.pair.id)) }
            first.stop()
            let second = try await replica(server)
            #expect(try await documents(of: second).isEmpty)
            #expect(try await store.qaPairs().isEmpty)
        }
    }

    @Test func replicasSharingChromaAndPostgreSQLSeeEachOthersDocuments() async throws {
        let chroma = try await ChromaServer.start(executable: try ChromaBackendTests.executable.get())
        defer { chroma.stop() }
        try await withServer { server in
            let environment = ["VOICE_VECTOR_STORE": "chroma", "VOICE_CHROMA_URL": chroma.url.absoluteString]
            let first = try await replica(server, environment: environment)
            let second = try await replica(server, environment: environment)
            try await expectPostedDocumentSeen(writer: second, reader: first)
            let documents = try await documents(of: first)
            kill(second.process.processIdentifier, SIGKILL)
            second.stop()
            let again = try await replica(server, environment: environment)
            #expect(try await self.documents(of: again) == documents)
            #expect(try await topSource(Self.question, from: first) == "gull-ferry.md")
            #expect(try await topSource("When did the Zorblat Bridge open?", from: again)?.contains("zorblat") == true)
        }
    }

    /// The database going away is a clear 503 from the replica, and it recovers by itself when the database is back.
    @Test func aDatabaseRestartIsA503ThenRecoversByItself() async throws {
        try await withServer { server in
            let rag = try await replica(server)
            try server.stopServer()
            let clock = ContinuousClock()
            let start = clock.now
            let (status, body) = try await post("/documents", to: rag, json: #"{"source": "gull-ferry.md", "text": "\#(Self.ferry)"}"#)
            #expect(status == 503)
            #expect((body["error"] as? [String: Any])?["code"] as? String == "store_unavailable", "\(body)")
            #expect(clock.now - start < .seconds(15), "the replica answered after \(clock.now - start)")
            try server.startServer()
            var recovered = false
            for _ in 0..<100 where !recovered {
                recovered = try await post("/documents", to: rag, json: #"{"source": "gull-ferry.md", "text": "\#(Self.ferry)"}"#).status == 201
                if !recovered { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(recovered)
            #expect(try await topSource(Self.question, from: rag) == "gull-ferry.md")
        }
    }

    /// PostgresNIO drops a query written to a connection that has just closed, and its caller would wait forever:
    /// work on a connection the database closed under it ends as lost (503 to the client), not never.
    @Test(.timeLimit(.minutes(1))) func workOnAConnectionTheDatabaseClosedEndsAsLostInsteadOfWaitingForever() async throws {
        try await withServer { server in
            let store = try await PostgresKnowledgeStore.connect(url: server.url(), logger: Logger(label: "test"))
            let outcome = try await store.client.withConnection { connection in
                try server.stopServer()
                do {
                    try await ClosedConnectionWatch.run(on: connection) {
                        try await connection.withTransaction(logger: Logger(label: "test")) { connection in
                            try await connection.query("SELECT 1", logger: Logger(label: "test"))
                        }
                    }
                    return "committed"
                } catch {
                    return "\(type(of: error))"
                }
            }
            #expect(outcome == "Lost")
            try server.startServer()
            #expect(try await store.documents().isEmpty, "the store recovers once the database is back")
        }
    }

    /// Documents posted while the database stops (as a crash would) and starts again: every acknowledged one is there
    /// whole, and none is there in part.
    @Test func aDatabaseRestartMidIngestLosesNoAcknowledgedDocumentAndLeavesNoHalfDocument() async throws {
        try await withServer { server in
            let rag = try await replica(server)
            let paragraphs = (1...4).map { "Section \($0). " + String(repeating: "The harbour office keeps lost property for a month. ", count: 12) }
            let writer = Task {
                var acknowledged: [String] = [], refused = 0
                for index in 0..<30 {
                    let text = paragraphs.joined(separator: "\\n\\n")
                    let (status, _) = try await post("/documents", to: rag, json: #"{"source": "notice-\#(index).md", "text": "\#(text)"}"#)
                    if status == 201 { acknowledged.append("notice-\(index).md") } else { refused += 1 }
                }
                return (acknowledged, refused)
            }
            try await Task.sleep(for: .milliseconds(500))
            // Longer than the store's 5 s deadline, so writes in between are refused rather than waited through.
            try server.stopServer()
            try await Task.sleep(for: .seconds(7))
            try server.startServer()
            let (acknowledged, refused) = try await writer.value
            #expect(refused > 0, "the restart fell between the writes")
            let store = try await PostgresKnowledgeStore.connect(url: server.url(), logger: Logger(label: "test"))
            let documents = try await store.documents()
            let chunks = try await store.chunkVersions().keys
            for source in acknowledged {
                #expect(documents.contains { $0.source == source }, "acknowledged \(source) was lost")
            }
            for document in documents {
                #expect(chunks.filter { $0.hasPrefix(document.id + "#") }.count == document.chunks, "\(document.source) is partly stored")
            }
        }
    }
}
