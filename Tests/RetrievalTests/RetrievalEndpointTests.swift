import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import Retrieval
import Testing
import VoiceCore

/// The retrieval service over HTTP.
@Suite struct RetrievalEndpointTests {
    func app(_ test: TestKnowledge) -> some ApplicationProtocol {
        let router = makeServiceRouter()
        RetrievalController(knowledge: test.knowledge).addRoutes(to: router)
        return Application(router: router)
    }

    func json(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(data: try JSONSerialization.data(withJSONObject: object))
    }

    func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] ?? [:]
    }

    @Test func retrieveReturnsDocumentsQAAndTimings() async throws {
        let test = try await TestKnowledge()
        try await app(test).test(.router) { client in
            try await client.execute(uri: "/retrieve", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["query": "What is Docker?", "top_k": 2])) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode(RetrieveResponse.self, from: Data(buffer: response.body))
                #expect(body.documents.count == 2)
                #expect(body.documents.first?.source == "docker.md")
                #expect(body.qa.first?.score == 1)
                #expect((body.timings["total_ms"] ?? 0) > 0)
            }
            try await client.execute(uri: "/health", method: .get) { response in
                let body = try JSONDecoder().decode(HealthReport.self, from: Data(buffer: response.body))
                #expect(body.service == "rag")
                #expect(body.details["backend"] == "embedded")
                #expect(Int(body.details["chunks"] ?? "0") ?? 0 > 10)
            }
        }
    }

    @Test func embedAndOpenAIEmbeddingsReturnUnitVectors() async throws {
        let test = try await TestKnowledge(seed: false)
        try await app(test).test(.router) { client in
            try await client.execute(uri: "/embed", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["texts": ["a cup of tea", "a mug of tea", "ferry timetable"]])) { response in
                #expect(response.status == .ok)
                let body = try object(response.body)
                let vectors = (body["embeddings"] as? [[Double]]) ?? []
                #expect(vectors.count == 3)
                #expect(body["dimensions"] as? Int == 384)
                let dot = { (a: [Double], b: [Double]) in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
                #expect(abs(dot(vectors[0], vectors[0]) - 1) < 1e-3)
                #expect(dot(vectors[0], vectors[1]) > dot(vectors[0], vectors[2]))
            }
            try await client.execute(uri: "/v1/embeddings", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["input": "hello", "model": "all-MiniLM-L6-v2"])) { response in
                #expect(response.status == .ok)
                let body = try object(response.body)
                let data = body["data"] as? [[String: Any]] ?? []
                #expect(body["object"] as? String == "list")
                #expect((data.first?["embedding"] as? [Double])?.count == 384)
                #expect(data.first?["index"] as? Int == 0)
            }
            try await client.execute(uri: "/embed", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["texts": []])) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func documentsCanBeUploadedListedAndDeleted() async throws {
        let test = try await TestKnowledge(seed: false)
        try await app(test).test(.router) { client in
            var id = ""
            try await client.execute(uri: "/documents?source=lighthouse.md", method: .post,
                                     headers: [.contentType: "text/markdown"],
                                     body: ByteBuffer(string: "# Lighthouse\n\nThe Saltmere lighthouse keeper is Edwin Tallow.")) { response in
                #expect(response.status == .created)
                let body = try JSONDecoder().decode(IngestResult.self, from: Data(buffer: response.body))
                #expect(body.chunks == 1)
                id = body.id
            }
            try await client.execute(uri: "/documents", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["source": "tides.html", "text": "<h1>Tides</h1><p>High tide is at 4:12 pm.</p>"])) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/retrieve", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["query": "Who keeps the lighthouse?"])) { response in
                let body = try JSONDecoder().decode(RetrieveResponse.self, from: Data(buffer: response.body))
                #expect(body.documents.first?.text.contains("Edwin Tallow") == true)
                #expect(body.documents.first?.heading == "Lighthouse")
            }
            try await client.execute(uri: "/documents", method: .get) { response in
                let sources = (try object(response.body)["documents"] as? [[String: Any]] ?? []).compactMap { $0["source"] as? String }
                #expect(sources == ["lighthouse.md", "tides.html"])
            }
            try await client.execute(uri: "/documents/\(id)", method: .delete) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/documents/\(id)", method: .delete) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("no document with id"))
            }
        }
    }

    /// A one-page PDF with the text `line` in Helvetica, its cross-reference table at the true byte offsets.
    static func pdf(_ line: String) -> Data {
        let content = "BT /F1 12 Tf 72 720 Td (\(line)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var text = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(text.utf8.count)
            text += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let table = text.utf8.count
        text += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        text += offsets.map { String(repeating: "0", count: 10 - String($0).count) + "\($0) 00000 n \n" }.joined()
        text += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(table)\n%%EOF\n"
        return Data(text.utf8)
    }

    /// poppler comes with set-up: an owner's PDF is read and answers; a file that only claims to be one is refused.
    @Test func aPDFUploadIsReadAndACorruptOneIsRefused() async throws {
        let test = try await TestKnowledge(seed: false)
        try await app(test).test(.router) { client in
            let leaflet = ByteBuffer(data: Self.pdf("The Gull Island ferry leaves the harbour at 9:40 every morning."))
            try await client.execute(uri: "/documents?source=ferry-leaflet.pdf", method: .post,
                                     headers: [.contentType: "application/pdf"], body: leaflet) { response in
                #expect(response.status == .created, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: "/retrieve", method: .post, headers: [.contentType: "application/json"],
                                     body: try json(["query": "When does the ferry to Gull Island leave?"])) { response in
                let body = try JSONDecoder().decode(RetrieveResponse.self, from: Data(buffer: response.body))
                #expect(body.documents.first?.text.contains("9:40") == true, "\(body.documents)")
            }
            try await client.execute(uri: "/documents?source=broken.pdf", method: .post, headers: [.contentType: "application/pdf"],
                                     body: ByteBuffer(string: "%PDF-1.4 this is not really a PDF")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("invalid_pdf") || String(buffer: response.body).contains("empty_document"),
                        "\(String(buffer: response.body))")
            }
        }
    }

    @Test func badInputGetsJSON4xxWithAClearMessage() async throws {
        let test = try await TestKnowledge(seed: false)
        try await app(test).test(.router) { client in
            let retrieveCases: [([String: Any], HTTPResponse.Status, String)] = [
                (["query": ""], .badRequest, "empty_query"),
                (["query": String(repeating: "x", count: 2001)], .contentTooLarge, "query_too_long"),
                (["query": "docker", "top_k": 0], .badRequest, "invalid_top_k"),
                (["query": "docker", "top_k": 51], .badRequest, "invalid_top_k"),
                (["top_k": 3], .badRequest, "invalid_json"),
            ]
            for (body, status, code) in retrieveCases {
                try await client.execute(uri: "/retrieve", method: .post, headers: [.contentType: "application/json"],
                                         body: try json(body)) { response in
                    #expect(response.status == status, "\(code)")
                    #expect(String(buffer: response.body).contains("\"\(code)\""), "\(String(buffer: response.body))")
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                }
            }
            let documentCases: [(String, String, ByteBuffer, HTTPResponse.Status, String)] = [
                ("/documents?source=bad.txt", "text/plain", ByteBuffer(bytes: [0x61, 0xFF, 0xFE, 0x62]), .badRequest, "invalid_encoding"),
                ("/documents?source=empty.txt", "text/plain", ByteBuffer(), .badRequest, "empty_document"),
                ("/documents?source=blank.md", "text/markdown", ByteBuffer(string: "  \n\n  "), .badRequest, "empty_document"),
                ("/documents?source=x.bin", "application/octet-stream", ByteBuffer(string: "x"), .unsupportedMediaType, "unsupported_media_type"),
                ("/documents", "text/plain", ByteBuffer(string: "x"), .badRequest, "invalid_source"),
            ]
            for (uri, type, body, status, code) in documentCases {
                try await client.execute(uri: uri, method: .post, headers: [.contentType: type], body: body) { response in
                    #expect(response.status == status, "\(code)")
                    #expect(String(buffer: response.body).contains("\"\(code)\""), "\(String(buffer: response.body))")
                }
            }
            try await client.execute(uri: "/documents/nope-123", method: .delete) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("\"not_found\""))
            }
        }
    }
}
