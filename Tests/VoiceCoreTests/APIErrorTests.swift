import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import Testing
import VoiceCore

struct DomainFailure: APIErrorConvertible {
    var apiError: APIError { .badRequest("domain_rule", "the domain said no") }
}

struct UnexpectedFailure: Error {}

@Suite struct APIErrorMappingTests {
    func app() -> some ApplicationProtocol {
        let router = Router()
        router.middlewares.add(APIErrorMiddleware())
        router.get("/api") { _, _ -> String in throw APIError.busy("queue full", retryAfter: 3) }
        router.get("/domain") { _, _ -> String in throw DomainFailure() }
        router.get("/crash") { _, _ -> String in throw UnexpectedFailure() }
        router.get("/hb") { _, _ -> String in throw HTTPError(.badRequest, message: "bad header") }
        return Application(router: router)
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable { let code: String; let message: String; let stage: String? }
        let error: Detail
    }

    func decode(_ response: TestResponse) throws -> ErrorBody {
        try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
    }

    @Test func apiErrorsKeepTheirStatusCodeAndRetryAfter() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "3")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try decode(response)
                #expect(body.error.code == "busy")
            }
        }
    }

    @Test func domainErrorsAreMappedThroughTheirConversion() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/domain", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try decode(response)
                #expect(body.error.message == "the domain said no")
            }
        }
    }

    @Test func unknownErrorsBecomeA500ThatLeaksNothing() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/crash", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(!String(buffer: response.body).contains("UnexpectedFailure"))
                let body = try decode(response)
                #expect(body.error.code == "internal_error")
            }
        }
    }

    @Test func frameworkErrorsGetAJSONBody() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/hb", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try decode(response)
                #expect(body.error.message == "bad header")
            }
            try await client.execute(uri: "/nowhere", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
