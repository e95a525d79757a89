import AsyncHTTPClient
import Foundation
import HTTPTypes
import Gateway
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat
import Testing
import TextToSpeech
import VoiceCore
import VoiceTesting

/// A gateway whose downstream services all live at `downstream` (nothing listens there unless a test starts a
/// fault double), with the real TTS store for audio files.
struct GatewayUnderTest {
    var settings: Settings
    let audio: AudioStore

    init(environment: [String: String] = [:], downstream: String = "http://127.0.0.1:1") throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID().uuidString)")
        var environment = environment
        for stage in ["STT", "RAG", "LLM", "TTS"] { environment["VOICE_\(stage)_URL"] = environment["VOICE_\(stage)_URL"] ?? downstream }
        environment["VOICE_AUDIO_DIR"] = folder.path
        settings = try Settings(environment: environment, workingDirectory: Fixtures.repositoryRoot)
        audio = AudioStore(directory: folder)
    }

    /// One client for every test: AsyncHTTPClient must be shut down before it is released.
    static let http = HTTPClient.makeGatewayClient()

    func app() -> some ApplicationProtocol {
        let controller = GatewayController.deployed(settings: settings, http: Self.http)
        return Application(router: makeGatewayRouter(controller: controller, settings: settings, audioDirectory: audio.directory,
                                                     http: Self.http))
    }
}

struct ErrorEnvelope: Decodable {
    struct Detail: Decodable { let code: String; let message: String; let stage: String? }
    let error: Detail
}

func errorDetail(_ response: TestResponse) throws -> ErrorEnvelope.Detail {
    try JSONDecoder().decode(ErrorEnvelope.self, from: Data(buffer: response.body)).error
}

func textQuery(_ query: String) -> ByteBuffer {
    ByteBuffer(string: #"{"query": "\#(query)"}"#)
}

@Suite struct GatewaySecurityTests {
    @Test func theAdminAPINeedsTheAdminTokenAndProductionWithoutOneRefusesIt() async throws {
        let token = "owner-token-0123456789"
        try await GatewayUnderTest(environment: ["VOICE_ADMIN_TOKEN": token]).app().test(.router) { client in
            // Hummingbird skips empty path segments, so doubled slashes reach the same routes: the guard too.
            for path in ["questions", "gaps", "documents", "qa", "vocabulary", "keys", "/keys", "keys/"] {
                for uri in ["/admin/api/\(path)", "//admin/api/\(path)", "/admin//api/\(path)"] {
                    let sneaky = try await client.execute(uri: uri, method: .get)
                    #expect(sneaky.status == .unauthorized, "\(uri)")
                }
            }
            for path in ["questions", "gaps", "documents", "qa", "vocabulary"] {
                let anonymous = try await client.execute(uri: "/admin/api/\(path)", method: .get)
                #expect(anonymous.status == .unauthorized, "\(path)")
                #expect(try errorDetail(anonymous).code == "unauthorized")
                let wrong = try await client.execute(uri: "/admin/api/\(path)", method: .get, headers: [.authorization: "Bearer \(token)x"])
                #expect(wrong.status == .unauthorized, "\(path)")
                // Past the guard, the knowledge service (down here) is what answers.
                let owner = try await client.execute(uri: "/admin/api/\(path)", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(owner.status == .serviceUnavailable, "\(path)")
                #expect(try errorDetail(owner).stage == "rag")
            }
            let delete = try await client.execute(uri: "/admin/api/documents/faq", method: .delete)
            #expect(delete.status == .unauthorized)
            // The console's page itself holds no data.
            #expect(try await client.execute(uri: "/admin/", method: .get).status == .ok)
        }
        let production = try GatewayUnderTest(environment: ["VOICE_ENV": "production", "VOICE_API_KEYS": "k"])
        try await production.app().test(.router) { client in
            let refused = try await client.execute(uri: "/admin/api/questions", method: .get, headers: [.authorization: "Bearer k"])
            #expect(refused.status == .forbidden)
            #expect(try errorDetail(refused).code == "admin_disabled")
        }
    }

    @Test func audioEndpointServesOnlyOurFilesAndRejectsTraversalWith404() async throws {
        let gateway = try GatewayUnderTest()
        let wav = WAVFile.encode([Int16](repeating: 1000, count: 22_050), sampleRate: 22_050)
        let ours = try gateway.audio.store(wav).lastPathComponent
        try Data("secret".utf8).write(to: gateway.audio.directory.appendingPathComponent("secret.txt"))
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("passwd-\(UUID().uuidString)")
        try Data("root".utf8).write(to: outside)
        try await gateway.app().test(.router) { client in
            let ok = try await client.execute(uri: "/audio/\(ours)", method: .get)
            #expect(ok.status == .ok)
            #expect(ok.headers[.contentType] == "audio/wav")
            #expect(ok.headers[.acceptRanges] == "bytes")
            #expect(ok.headers[.cacheControl]?.contains("max-age=3600") == true)
            #expect(ok.body.readableBytes == wav.count)

            for name in ["../\(outside.lastPathComponent)", "..%2F..%2Fetc%2Fpasswd", "secret.txt", "%2Fetc%2Fpasswd",
                         ours + "%00", "tts-\(String(repeating: "g", count: 32)).wav", "TTS-" + ours.dropFirst(4), "",
                         "tts-\(String(repeating: "0", count: 32)).wav"] {
                let response = try await client.execute(uri: "/audio/\(name)", method: .get)
                #expect(response.status == .notFound, "\(name)")
                #expect(try errorDetail(response).code == "not_found", "\(name)")
            }
        }
    }

    @Test func audioEndpointAnswersRangeRequestsWithPartialContent() async throws {
        let gateway = try GatewayUnderTest()
        let wav = WAVFile.encode((0..<22_050).map { Int16(truncatingIfNeeded: $0) }, sampleRate: 22_050)
        let name = try gateway.audio.store(wav).lastPathComponent
        try await gateway.app().test(.router) { client in
            let response = try await client.execute(uri: "/audio/\(name)", method: .get, headers: [.range: "bytes=44-143"])
            #expect(response.status == .partialContent)
            #expect(response.headers[.contentRange] == "bytes 44-143/\(wav.count)")
            #expect(Data(buffer: response.body) == wav[44..<144])
        }
    }

    @Test func productionRequiresAValidKeyOnQuestionEndpoints() async throws {
        let gateway = try GatewayUnderTest(environment: ["VOICE_ENV": "production", "VOICE_API_KEYS": "k-one,k-two"])
        try await gateway.app().test(.router) { client in
            let none = try await client.execute(uri: "/text/query", method: .post, headers: [.contentType: "application/json"],
                                                body: textQuery("What is Docker?"))
            #expect(none.status == .unauthorized)
            #expect(try errorDetail(none).code == "unauthorized")
            let wrong = try await client.execute(uri: "/text/query", method: .post,
                                                 headers: [.contentType: "application/json", .authorization: "Bearer k-three"],
                                                 body: textQuery("What is Docker?"))
            #expect(wrong.status == .unauthorized)
            let upload = try await client.execute(uri: "/voice/query", method: .post, headers: [.contentType: "audio/wav"],
                                                  body: ByteBuffer(string: "RIFF"))
            #expect(upload.status == .unauthorized)
            // A valid key gets through to the pipeline, whose retrieval stage is down here.
            for headers: HTTPFields in [[.authorization: "Bearer k-two"], [HTTPField.Name("X-API-Key")!: "k-one"]] {
                var headers = headers
                headers[.contentType] = "application/json"
                let allowed = try await client.execute(uri: "/text/query", method: .post, headers: headers,
                                                       body: textQuery("What is Docker?"))
                #expect(allowed.status == .serviceUnavailable)
                #expect(try errorDetail(allowed).stage == "rag")
            }
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .serviceUnavailable)
        }
    }

    @Test func productionRefusesToStartWithoutKeysOrWithAWildcardOrigin() throws {
        let logger = Logger(label: "test")
        let noKeys = try Settings(environment: ["VOICE_ENV": "production"])
        #expect(throws: SecurityPostureError.self) { try checkSecurityPosture(noKeys, logger: logger) }
        let wildcard = try Settings(environment: ["VOICE_ENV": "production", "VOICE_API_KEYS": "k", "VOICE_CORS_ORIGINS": "*"])
        #expect(throws: SecurityPostureError.self) { try checkSecurityPosture(wildcard, logger: logger) }
        let good = try Settings(environment: ["VOICE_ENV": "production", "VOICE_API_KEYS": "k",
                                              "VOICE_CORS_ORIGINS": "https://shop.example"])
        try checkSecurityPosture(good, logger: logger)
        try checkSecurityPosture(try Settings(environment: [:]), logger: logger)
    }

    @Test func overTheRateLimitIs429WithRetryAfterPerClientIP() async throws {
        let gateway = try GatewayUnderTest(environment: ["VOICE_RATE_LIMIT_RPS": "0.2", "VOICE_RATE_LIMIT_BURST": "2"])
        try await gateway.app().test(.live) { client in
            // The bucket holds 2 tokens and refills one every 5 s: the third and fourth requests find it empty.
            let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let response = try await client.execute(uri: "/text/query", method: .post,
                                                                headers: [.contentType: "application/json"], body: textQuery("hi"))
                        return (response.status, response.headers[.retryAfter])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0.0 == .serviceUnavailable }.count == 2)
            let limited = results.filter { $0.0 == .tooManyRequests }
            #expect(limited.count == 2)
            #expect(limited.allSatisfy { Int($0.1 ?? "").map { (1...5).contains($0) } == true })
            // Health and audio are not rate limited.
            #expect(try await client.execute(uri: "/health", method: .get).status == .serviceUnavailable)
        }
    }

    @Test func oversizedUploadIs413AndBadQuestionsAre4xx() async throws {
        let gateway = try GatewayUnderTest(environment: ["VOICE_STT_MAX_MB": "1"])
        try await gateway.app().test(.router) { client in
            let big = try await client.execute(uri: "/voice/query", method: .post, headers: [.contentType: "audio/wav"],
                                               body: ByteBuffer(repeating: 0, count: 2 << 20))
            #expect(big.status == .contentTooLarge)
            let empty = try await client.execute(uri: "/text/query", method: .post, headers: [.contentType: "application/json"],
                                                 body: textQuery("   "))
            #expect(empty.status == .badRequest)
            #expect(try errorDetail(empty).code == "empty_query")
            let long = try await client.execute(uri: "/text/query", method: .post, headers: [.contentType: "application/json"],
                                                body: textQuery(String(repeating: "why ", count: 600)))
            #expect(long.status == .contentTooLarge)
            let malformed = try await client.execute(uri: "/text/query", method: .post,
                                                     headers: [.contentType: "application/json"], body: ByteBuffer(string: "{"))
            #expect(malformed.status == .badRequest)
            let text = try await client.execute(uri: "/voice/query", method: .post, headers: [.contentType: "text/plain"],
                                                body: ByteBuffer(string: "hello"))
            #expect(text.status == .unsupportedMediaType)
        }
    }

    @Test func pageCredentialsWorkOnlyFromTheirOriginsAndSecretKeysStayOnServers() async throws {
        let secret = "secret-key-0123456789"
        let gateway = try GatewayUnderTest(environment: [
            "VOICE_ENV": "production", "VOICE_API_KEYS": secret, "VOICE_CORS_ORIGINS": "https://shop.example",
            "VOICE_TOKEN_SECRET": "token-secret-0123456789abcdef0123456789",
            "VOICE_PUBLISHABLE_KEYS": "pk_test_0123456789abcdef=https://shop.example|https://www.shop.example",
        ])
        struct Issued: Decodable { let token: String; let origin: String; let expires_at: String }
        try await gateway.app().test(.router) { client in
            func ask(_ credential: String, from origin: String?) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(credential)"]
                if let origin { headers[.origin] = origin }
                return try await client.execute(uri: "/text/query", method: .post, headers: headers, body: textQuery("What is Docker?"))
            }
            // Past the credential check, the pipeline's retrieval stage (down here) is what answers.
            func admitted(_ response: TestResponse) throws -> Bool { try response.status == .serviceUnavailable && errorDetail(response).stage == "rag" }

            // A secret key: from a server, yes; from a page, no.
            #expect(try admitted(try await ask(secret, from: nil)))
            let fromPage = try await ask(secret, from: "https://shop.example")
            #expect(fromPage.status == .forbidden)
            #expect(try errorDetail(fromPage).code == "secret_key_in_browser")

            // A publishable key: from its origins only.
            #expect(try admitted(try await ask("pk_test_0123456789abcdef", from: "https://www.shop.example")))
            for origin in ["https://evil.example", nil] {
                let refused = try await ask("pk_test_0123456789abcdef", from: origin)
                #expect(refused.status == .forbidden, "\(origin ?? "no origin")")
                #expect(try errorDetail(refused).code == "origin_not_allowed")
            }

            // A session token, asked for by the owner's server with the secret key.
            let tokenRequest = ByteBuffer(string: #"{"origin": "https://shop.example", "ttl_seconds": 300}"#)
            let noKey = try await client.execute(uri: "/tokens", method: .post, headers: [.contentType: "application/json"], body: tokenRequest)
            #expect(noKey.status == .unauthorized)
            let browser = try await client.execute(uri: "/tokens", method: .post, headers: [
                .contentType: "application/json", .authorization: "Bearer \(secret)", .origin: "https://shop.example"], body: tokenRequest)
            #expect(browser.status == .forbidden)
            let badOrigin = try await client.execute(uri: "/tokens", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(secret)"],
                                                     body: ByteBuffer(string: #"{"origin": "https://shop.example/page?x=1"}"#))
            #expect(badOrigin.status == .badRequest)
            let issued = try await client.execute(uri: "/tokens", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(secret)"],
                                                  body: tokenRequest)
            #expect(issued.status == .ok)
            let token = try JSONDecoder().decode(Issued.self, from: Data(buffer: issued.body)).token
            #expect(try admitted(try await ask(token, from: "https://shop.example")))
            let elsewhere = try await ask(token, from: "https://evil.example")
            #expect(elsewhere.status == .forbidden)
            #expect(try errorDetail(elsewhere).code == "origin_not_allowed")
            // Tampered with: another origin written into the payload, the old signature kept.
            let parts = token.split(separator: ".")
            let forged = Data(#"{"o":"https://evil.example","e":4102444800}"#.utf8).base64EncodedString()
                .replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
            let tampered = try await ask("\(parts[0]).\(forged).\(parts[2])", from: "https://evil.example")
            #expect(tampered.status == .unauthorized)
            #expect(try errorDetail(tampered).code == "invalid_token")
            let expiredToken = try SessionTokens(secret: "token-secret-0123456789abcdef0123456789")
                .issue(origin: "https://shop.example", lifetime: 60, now: Date().addingTimeInterval(-120)).token
            let expired = try await ask(expiredToken, from: "https://shop.example")
            #expect(expired.status == .unauthorized)
            #expect(try errorDetail(expired).code == "token_expired")
            // Signed under another secret (another deployment, or before it was changed): not valid here.
            let foreign = try SessionTokens(secret: "another-secret-0123456789abcdef0123456789").issue(origin: "https://shop.example", lifetime: 300).token
            #expect(try await ask(foreign, from: "https://shop.example").status == .unauthorized)
        }
    }

    @Test func corsAllowsOnlyListedOriginsInProduction() async throws {
        let gateway = try GatewayUnderTest(environment: ["VOICE_ENV": "production", "VOICE_API_KEYS": "k",
                                                         "VOICE_CORS_ORIGINS": "https://shop.example"])
        try await gateway.app().test(.router) { client in
            let preflight = try await client.execute(uri: "/voice/query", method: .options,
                                                     headers: [.origin: "https://shop.example", .accessControlRequestMethod: "POST"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://shop.example")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("X-API-Key") == true)

            let foreign = try await client.execute(uri: "/voice/query", method: .options,
                                                   headers: [.origin: "https://evil.example", .accessControlRequestMethod: "POST"])
            #expect(foreign.status == .forbidden)

            let denied = try await client.execute(uri: "/text/query", method: .post,
                                                  headers: [.origin: "https://shop.example", .contentType: "application/json"],
                                                  body: textQuery("hi"))
            #expect(denied.status == .unauthorized)
            #expect(denied.headers[.accessControlAllowOrigin] == "https://shop.example")
        }
    }
}
