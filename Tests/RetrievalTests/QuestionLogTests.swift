import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import Retrieval
import Testing
import VoiceCore

/// The site owner's question log and knowledge gaps, and the admin token on the knowledge service's own routes.
@Suite struct QuestionLogTests {
    static let token = "owner-token-0123456789"

    func app(_ test: TestKnowledge, deployment: Deployment = .development, token: String? = Self.token) -> some ApplicationProtocol {
        let router = makeServiceRouter()
        var controller = RetrievalController(knowledge: test.knowledge)
        (controller.adminToken, controller.deployment) = (token, deployment)
        controller.addRoutes(to: router)
        return Application(router: router)
    }

    func entry(_ question: String, kind: String = "not_covered", daysAgo: Double = 0) -> LoggedQuestion {
        LoggedQuestion(asked_at: LoggedQuestion.timestamp(Date().addingTimeInterval(-daysAgo * 86_400)), session_id: "s",
                       question: question, answer: kind == "not_covered" ? "Sorry, I don't know." : "An answer.",
                       answer_kind: kind, decline_reason: nil, sources: [],
                       timings: ["retrieve_ms": 12, "total_ms": 40])
    }

    @Test func unansweredQuestionsAreGroupedByMeaningAndAnsweredOnesAreNot() async throws {
        let test = try await TestKnowledge(seed: false)
        for question in ["Do you sell gift cards?", "Can I buy a gift card?", "Is there a gift voucher I can buy?",
                         "Is the pool open on Boxing Day?", "Where can I park my car?", "Is there parking?"] {
            try await test.knowledge.record(entry(question))
        }
        try await test.knowledge.record(entry("Can I buy a gift card for my sister?", kind: "evidence"))
        let gaps = try await test.knowledge.gaps()
        let gifts = try #require(gaps.first)
        #expect(gifts.count == 3, "\(gaps)")
        #expect(Set([gifts.question] + gifts.examples) == ["Do you sell gift cards?", "Can I buy a gift card?", "Is there a gift voucher I can buy?"])
        #expect(gaps.map(\.count) == [3, 2, 1], "\(gaps.map(\.question))")
        #expect(!gaps.contains { $0.question.contains("sister") })
    }

    @Test func entriesOlderThanTheRetentionPeriodAreDeleted() async throws {
        let test = try await TestKnowledge(seed: false)  // retention: 30 days
        try await test.knowledge.record(entry("An old question?", daysAgo: 31))
        try await test.knowledge.record(entry("A recent question?", daysAgo: 29))
        #expect(try await test.knowledge.loggedQuestions(search: nil, limit: 10).map(\.question) == ["A recent question?"])
    }

    @Test func browsersFirstAudioFiguresAreKeptForTheLastHourAndImplausibleOnesRefused() async throws {
        let test = try await TestKnowledge(seed: false)
        let owner: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(Self.token)"]
        try await app(test).test(.router) { client in
            for (body, status) in [(#"{"first_audio_ms": 850}"#, HTTPResponse.Status.noContent), (#"{"first_audio_ms": 1200.5}"#, .noContent),
                                   (#"{"first_audio_ms": -1}"#, .badRequest), (#"{"first_audio_ms": 999999}"#, .badRequest),
                                   (#"{"first_audio_ms": "fast"}"#, .badRequest)] {
                let response = try await client.execute(uri: "/first-audio", method: .post, headers: owner, body: ByteBuffer(string: body))
                #expect(response.status == status, "\(body)")
            }
            let figures = try await client.execute(uri: "/first-audio?minutes=60", method: .get, headers: owner)
            #expect(String(buffer: figures.body).contains(#""first_audio_ms":[1200.5,850]"#), "\(String(buffer: figures.body))")
        }
    }

    @Test func aDeletedQAPairNoLongerAnswersAndAnUnknownIdIsNotFound() async throws {
        let test = try await TestKnowledge(seed: false)
        _ = try await test.knowledge.importQA([QAPair(question: "Is there a cloakroom?", answer: "Yes, by the entrance.")])
        let stored = try #require(try await test.knowledge.qaPairs().first)
        let id = try #require(stored.id)
        #expect(try await test.knowledge.retrieve(RetrieveRequest(query: "Is there a cloakroom?")).qa.first?.answer == "Yes, by the entrance.")
        let owner: HTTPFields = [.authorization: "Bearer \(Self.token)"]
        try await app(test).test(.router) { client in
            let deleted = try await client.execute(uri: "/qa/\(id)", method: .delete, headers: owner)
            #expect(deleted.status == .noContent)
            #expect(try await client.execute(uri: "/qa/\(id)", method: .delete, headers: owner).status == .notFound)
            #expect(try await client.execute(uri: "/qa/cloakroom", method: .delete, headers: owner).status == .badRequest)
        }
        #expect(try await test.knowledge.qaPairs().isEmpty)
        #expect(try await test.knowledge.retrieve(RetrieveRequest(query: "Is there a cloakroom?")).qa.isEmpty)
    }

    @Test func aQAPairsAnswerIsEvidenceForTheQuestionWordedAnotherWayUntilThePairIsDeleted() async throws {
        let test = try await TestKnowledge(seed: false)
        _ = try await test.knowledge.importQA([
            QAPair(question: "Can you find out why my engine warning light is on?",
                   answer: "Yes, a diagnostic check costs £45, including a road test."),
            QAPair(question: "Do you sell tyres?", answer: "Yes, we stock tyres from 14 to 20 inch."),
        ])
        let asked = RetrieveRequest(query: "My engine light came on yesterday. What do you charge to see what's wrong?", evidence: 3)
        let retrieved = try await test.knowledge.retrieve(asked)
        #expect(retrieved.qa.isEmpty, "worded too differently to be the stored question")
        let best = try #require(retrieved.evidence.first)
        #expect(best.text.contains("£45") && best.source == KnowledgeBase.qaDocumentSource, "\(retrieved.evidence.map(\.text))")
        #expect(best.heading == "Can you find out why my engine warning light is on?")

        for pair in try await test.knowledge.qaPairs() { try await test.knowledge.deleteQA(id: try #require(pair.id)) }
        #expect(try await test.knowledge.documents().isEmpty)
        #expect(try await test.knowledge.retrieve(asked).evidence.isEmpty)
    }

    @Test func writesAndTheLogNeedTheAdminTokenWhileRetrievalStaysOpen() async throws {
        let test = try await TestKnowledge(seed: false)
        let document = ByteBuffer(string: #"{"source": "gifts.md", "text": "Gift cards are sold at reception."}"#)
        let json: HTTPFields = [.contentType: "application/json"]
        let owner: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(Self.token)"]
        let stranger: HTTPFields = [.contentType: "application/json", .authorization: "Bearer not-the-token-at-all"]
        try await app(test).test(.router) { client in
            for (method, uri, body) in [(HTTPRequest.Method.post, "/documents", document), (.post, "/qa", ByteBuffer(string: "question,answer\na,b")),
                                        (.delete, "/documents/gifts", ByteBuffer()), (.get, "/questions", ByteBuffer()),
                                        (.post, "/questions", ByteBuffer()), (.get, "/gaps", ByteBuffer()),
                                        // Doubled and trailing slashes reach the same routes.
                                        (.post, "//qa", ByteBuffer(string: "question,answer\na,b")), (.get, "/questions/", ByteBuffer()),
                                        (.post, "/documents/", document), (.get, "//keys", ByteBuffer()),
                                        (.delete, "/qa/1", ByteBuffer()), (.get, "/first-audio", ByteBuffer()),
                                        (.post, "/first-audio", ByteBuffer(string: #"{"first_audio_ms": 900}"#))] {
                for headers in [json, stranger] {
                    let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                    #expect(response.status == .unauthorized, "\(method) \(uri)")
                }
            }
            #expect(try await client.execute(uri: "/documents", method: .post, headers: owner, body: document).status == .created)
            let retrieve = ByteBuffer(string: #"{"query": "Do you sell gift cards?"}"#)
            #expect(try await client.execute(uri: "/retrieve", method: .post, headers: json, body: retrieve).status == .ok)
            let logged = ByteBuffer(data: try JSONEncoder().encode(entry("Do you sell gift cards?")))
            #expect(try await client.execute(uri: "/questions", method: .post, headers: owner, body: logged).status == .noContent)
            let questions = try await client.execute(uri: "/questions?search=GIFT", method: .get, headers: owner)
            #expect(String(buffer: questions.body).contains("Do you sell gift cards?"))
            let badLimit = try await client.execute(uri: "/questions?limit=0", method: .get, headers: owner)
            #expect(badLimit.status == .badRequest)
        }
        // Production without a token: the writes are refused outright, retrieval still answers.
        try await app(test, deployment: .production, token: nil).test(.router) { client in
            let refused = try await client.execute(uri: "/documents", method: .post, headers: json, body: document)
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("admin_disabled"))
            #expect(try await client.execute(uri: "/retrieve", method: .post, headers: json,
                                             body: ByteBuffer(string: #"{"query": "gift cards"}"#)).status == .ok)
        }
    }
}
